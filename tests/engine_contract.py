"""What every engine behind the search front promises, as tests both
backends run: `tests/test_engine_contract.py` on the Whoosh engine,
`tests/test_typesense_backend.py` on a three-node Typesense cluster, each
over the seeds, through the same `SearchService` front.

A subclass provides the `front` fixture (a `SearchService` over its engine).
"""

from __future__ import annotations

import pytest

from app.search import Engine, QueryError, SearchRequest
from app.search.engine import FACET_NAMES
from tests.search_fixtures import ARTICLE as A

ENGINE_CALLS = ("location", "degraded", "snapshot", "rank", "stored", "passage_count", "close")


class EngineContract:
    def test_the_engine_has_every_call_of_the_protocol(self, front):
        protocol = {name for name in vars(Engine) if not name.startswith("_")}
        assert set(ENGINE_CALLS) <= protocol
        assert all(hasattr(front.engine, name) for name in protocol)

    def test_a_page_of_ranked_cited_hits(self, front):
        results = front.search(SearchRequest("Hekmat", per_page=5))
        assert results.total > 5 and len(results.hits) == 5
        assert [hit.rank for hit in results.hits] == [1, 2, 3, 4, 5]
        scores = [hit.score for hit in results.hits]
        assert scores == sorted(scores, reverse=True)
        assert all("<mark>Hekmat</mark>" in hit.excerpt for hit in results.hits)
        assert all(hit.citation.file == A for hit in results.hits)
        assert results.generation == front.generation()

    @pytest.mark.parametrize("query", ["-Hekmat", '"', "source:nosuch.txt Iran", "zzzqqq"])
    def test_nothing_found_still_has_every_facet(self, front, query):
        results = front.search(query)
        assert (results.total, results.hits) == (0, [])
        assert set(results.facets) == set(FACET_NAMES)
        assert set(results.to_dict()["facets"]) == set(FACET_NAMES)

    def test_facets_count_every_match(self, front):
        results = front.search("Hekmat", per_page=1)
        by_source = {v.value: v.count for v in results.facets["source"]}
        assert sum(by_source.values()) == results.total and set(by_source) == {A}
        for facet in front.search("Iran").facets["source"]:
            assert front.search("Iran", sources=[facet.value]).total == facet.count

    def test_section_and_speaker_filters(self, front):
        history = front.search("leadership", section="History")
        assert history.total >= 3
        assert all(hit.section.startswith("History") for hit in history.hits)
        asked = front.search("Iran", speaker="Hein Htet Kyaw", per_page=20)
        assert asked.total >= 3 and {hit.speaker for hit in asked.hits} == {"Hein Htet Kyaw"}

    @pytest.mark.parametrize("query", ["Iran", "party workers"])
    def test_pages_concatenate_to_the_full_ranking(self, front, query):
        full = front.search(query, per_page=100)
        pages = []
        for page in range(1, -(-full.total // 7) + 1):
            results = front.search(query, page=page, per_page=7)
            assert results.total == full.total
            pages.extend(hit.id for hit in results.hits)
        assert pages == [hit.id for hit in full.hits]
        assert front.search(query, page=1000, per_page=100).hits == []

    def test_grouped_by_document_one_hit_each(self, front):
        grouped = front.search("Iran women party", group="document")
        documents = [hit.document_id for hit in grouped.hits]
        assert grouped.total == len(documents) == len(set(documents)) == 2

    def test_stored_passages_and_metadata(self, front):
        hit = front.search("Hekmat").hits[0]
        again = front.passage(hit.id)
        assert (again.id, again.text, again.citation) == (hit.id, hit.text, hit.citation)
        assert front.passage("no-such-passage") is None
        assert {d["path"] for d in front.documents()} == {A, "004_b6066c2c267af41c.txt"}
        assert front.manifest()["generation"] == front.generation()
        assert front.passage_count() == front.manifest()["passages"] == 46
        assert front.degraded is None
        assert isinstance(front.location, str) and front.location

    def test_words_and_spelling(self, front):
        assert "hekmat" in front.suggest("hekm")
        assert front.search("Hekmatsit").suggestion == "Hekmatist"
        assert front.search("Hekmat").suggestion is None

    def test_a_bad_request_never_reaches_the_engine(self, front):
        with pytest.raises(QueryError) as refused:
            front.search("Iran", per_page=0)
        assert refused.value.code == "bad_per_page"
