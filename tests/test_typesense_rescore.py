"""The second phase of a Typesense search, without a cluster: the seeds'
passages as `kavosh index` pushes them (with their statistics), re-scored as
one window, rank and score exactly as the Whoosh engine ranks the seeds.

The cluster tests (test_typesense_backend.py) show the same end to end; here
the window holds every passage, so any difference is the formula's.
"""

from __future__ import annotations

import json
from contextlib import closing

import numpy as np
import pytest

from app.search import SearchRequest, SearchService
from app.search.querylang import parse
from app.search.request import DEFAULT_FACET_LIMIT
from app.search.typesense.candidates import cover, selective_terms, units
from app.search.typesense.collection import TitleTerms
from app.search.typesense.collection_stats import CollectionStats
from app.search.typesense.rescore import rescore, window_facets
from app.search.typesense.window import Window, quantized_lengths
from indexer import passages
from indexer.errors import BuildError
from indexer.passages import Tally
from indexer.typesense.push import passage_document
from indexer.typesense.statistics import CollectionStatistics, quantized, terms_by_position
from indexer.typesense.term_ids import TermIds, decode
from tests.conftest import SEEDS

QUERIES = [
    "Mansoor Hekmat died",
    "when did Mansoor Hekmat die",
    "organisations",
    "killings",
    "what does All Power to Shuras mean",
    "Shah OR Shuras",
    "+Kurdistan committee",
    '"Neither Shah nor Mullah"',
    "Hekmatsit",
    "hekm*",
    "Iran -women",
    "section:History leadership",
    "the lighthouse at the end of the pier",
]


@pytest.fixture(scope="module")
def pushed():
    return pushed_seeds()


def pushed_seeds():
    """The seeds' Typesense documents and the statistics stored with them."""
    corpus, splitter, report = passages.read_source_folder(SEEDS)
    statistics = CollectionStatistics()
    tally = Tally()
    documents = []
    for document, passage, position in passages.each_passage(corpus, splitter, report, None, tally):
        fields = passage_document(document, passage, position)
        statistics.add(fields)
        documents.append(json.loads(json.dumps(fields)))  # as Typesense returns them
    meta: dict[str, list] = {}
    for part in statistics.stored_parts():
        meta.setdefault(part["part"], []).append(json.loads(part["json"]))
    stats = CollectionStats.from_meta(meta, len(tally.documents))
    return documents, stats


@pytest.fixture(scope="module")
def whoosh(seeds_index):
    with closing(SearchService(seeds_index[0])) as searching:
        yield searching


def ranked_by_window(whoosh, pushed, query: str, group: str | None = None):
    documents, stats = pushed
    _, compiler = whoosh._current()
    compiled = compiler.compile(parse(query))
    window = Window(documents, stats)
    ranking = rescore(window, compiled, group)
    return window, ranking, [(documents[i]["id"], round(s, 6)) for i, s in ranking.order]


class TestTheSameRankingAsTheWhooshEngine:
    @pytest.mark.parametrize("query", QUERIES)
    def test_passages_and_scores(self, whoosh, pushed, query):
        results = whoosh.search(SearchRequest(query, per_page=100))
        expected = [(hit.id, round(hit.score, 6)) for hit in results.hits]
        _, ranking, got = ranked_by_window(whoosh, pushed, query)
        assert got == expected
        assert len(ranking.order) == results.total

    @pytest.mark.parametrize("query", ["Iran women party", "Mansoor Hekmat died", "Shuras"])
    def test_grouped_by_document(self, whoosh, pushed, query):
        results = whoosh.search(SearchRequest(query, per_page=100, group="document"))
        expected = [(hit.id, round(hit.score, 6)) for hit in results.hits]
        assert ranked_by_window(whoosh, pushed, query, "document")[2] == expected

    @pytest.mark.parametrize("group", [None, "document"])
    @pytest.mark.parametrize("query", ["Worker-communist Party of Iran", "Mansoor Hekmat", "hekm*"])
    def test_the_same_from_a_window_read_without_title_terms(self, whoosh, pushed, query, group):
        """The engine reads the window without the title terms: they come
        from the statistics, or, for a collection pushed before those held
        them, from each document's title."""
        documents, stats = pushed
        _, ranking, expected = ranked_by_window(whoosh, pushed, query, group)
        bare = [{k: v for k, v in d.items() if k != "title_terms"} for d in documents]
        titles = {d["document"]: {"title": d["title"]} for d in documents}
        assert len(stats.title_terms) == len(titles)
        _, compiler = whoosh._current()
        compiled = compiler.compile(parse(query))
        for title_terms in (TitleTerms(stats.title_terms, {}), TitleTerms({}, titles)):
            ranked = rescore(Window(bare, stats, title_terms), compiled, group)
            assert [(bare[i]["id"], round(s, 6)) for i, s in ranked.order] == expected

    def test_facets_count_the_matched_passages(self, whoosh, pushed):
        window, ranking, _ = ranked_by_window(whoosh, pushed, "Iran")
        assert (
            window_facets(window, ranking.matched, DEFAULT_FACET_LIMIT)
            == whoosh.search("Iran").facets
        )

    @pytest.mark.parametrize("query", ["Iran", "Iran women party"])
    def test_grouped_facets_count_documents(self, whoosh, pushed, query):
        window, ranking, _ = ranked_by_window(whoosh, pushed, query, "document")
        facets = window_facets(window, ranking.matched, DEFAULT_FACET_LIMIT, "document")
        grouped = whoosh.search(SearchRequest(query, group="document")).facets
        assert facets == grouped != whoosh.search(query).facets


class TestTheWindow:
    def test_every_term_within_a_wide_budget(self, whoosh, pushed):
        _, stats = pushed
        everything, holding, complete, _ = selective_terms(self.ranked(whoosh), stats, 10_000)
        assert complete and "hekmat" in everything["text"] and "parti" in everything["text"]
        assert holding == sum(stats.frequency(f, t) for f, ts in everything.items() for t in ts)

    def test_a_word_is_taken_whole_before_the_rarest_fields_of_others(self, whoosh, pushed):
        # The known item holding every word in its text must be in the window:
        # the rarest word in every field, not the rarest field of every word.
        _, stats = pushed
        ranked = self.ranked(whoosh)
        words = [cover(unit, stats) for unit in units(ranked, stats)]
        rarest_word = min(
            (part for part in words if any(field == "text" for field, _ in part.terms)),
            key=lambda part: part.cost,
        )
        chosen, holding, complete, whole = selective_terms(ranked, stats, rarest_word.cost)
        taken = {(field, term) for field, terms in chosen.items() for term in terms}
        assert rarest_word.terms <= taken and whole and not complete

    def test_past_the_budget_the_rarest_term_in_every_field(self, whoosh, pushed):
        _, stats = pushed
        chosen, held, complete, whole = selective_terms(self.ranked(whoosh), stats, 1)
        stems = {term for terms in chosen.values() for term in terms}
        assert not complete and not whole and len(stems) == 1
        assert held == sum(stats.frequency(field, *stems) for field in chosen)

    @staticmethod
    def ranked(whoosh):
        _, compiler = whoosh._current()
        return compiler.compile(parse("Hekmat party Shuras")).ranked

    def test_the_term_ids_keep_positions_and_exact_forms(self):
        ids = TermIds()
        text = ids.encoded(terms_by_position("Worker-communist parties running"))
        again = ids.encoded(terms_by_position("running parties"))
        decoded = decode([text, again])
        terms = [ids.terms[i] for i in decoded.ids.tolist()]
        by_position = [(p, t) for p, t in zip(decoded.positions.tolist(), terms, strict=True)]
        assert by_position == [
            (0, "worker-communist"),
            (0, "worker"),
            (1, "communist"),
            (2, "parti"),
            (2, "=parties"),
            (3, "run"),
            (3, "=running"),
            (0, "run"),
            (0, "=running"),
            (1, "parti"),
            (1, "=parties"),
        ]
        assert decoded.passages.tolist() == [0] * 7 + [1] * 4
        assert decoded.lengths.tolist() == [7, 4]
        assert decoded.position_counts.tolist() == [4, 2]

    def test_window_lengths_are_the_lengths_whoosh_stores(self):
        """Looked up for a whole window, as `quantized` rounds each one, up
        to where Whoosh's one byte stops telling lengths apart and past it."""
        lengths = np.arange(250_000)
        expected = [quantized(n) for n in lengths.tolist()]
        assert quantized_lengths(lengths).tolist() == expected
        assert quantized_lengths([]).tolist() == []

    def test_a_position_without_terms_keeps_its_place(self):
        ids = TermIds()
        decoded = decode([ids.encoded([["a"], [], ["b"]]), "not ids", ids.encoded([["b"]])])
        assert decoded.positions.tolist() == [0, 1, 2, 0]
        assert decoded.lengths.tolist() == [2, 0, 1]
        assert decoded.position_counts.tolist() == [3, 0, 1]

    def test_a_push_with_more_terms_than_ids_fails_by_saying_so(self):
        ids = TermIds(most=3)
        ids.encoded([["a", "b"], ["c"], ["a"]])
        with pytest.raises(BuildError, match="more than 3 distinct terms"):
            ids.encoded([["d"]])
