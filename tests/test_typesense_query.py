"""Our query language as Typesense parameters: pure functions, exact strings.

The cluster tests (test_typesense_backend.py) show that these parameters find
the right passages; these pin down what is sent, clause by clause.
"""

from __future__ import annotations

import pytest

from app.search.querylang import parse
from app.search.request import SearchRequest
from app.search.synonyms import Synonyms, parse_groups
from app.search.typesense.candidates import Selection, merged, searches, union_pages, unread
from app.search.typesense.collection_stats import CollectionStats
from app.search.typesense.query import Catalog, offset_window, search_params
from indexer.typesense.schema import generation_number, index_terms

CATALOG = Catalog(
    sources=("notes/a.md", "b.txt"),
    titles={"notes/a.md": "Lighthouse Log", "b.txt": "Harbour Notes"},
    sections=("History", "History › Foundation", "Status"),
    speakers=("Ada Quill", "Hein Htet Kyaw"),
)
SYNONYMS = Synonyms(parse_groups("WPI, Worker-communist Party of Iran\nTV, television\n"))


def params(query: str, **filters) -> dict:
    return search_params(parse(query), CATALOG, SYNONYMS, SearchRequest(query, **filters)).params


class TestTerms:
    def test_the_terms_field_is_our_analysis_chain(self):
        assert index_terms("Worker-communist Parties’ 12,000 Javânân") == (
            "worker-communist worker communist parti 12,000 12000 javanan"
        )

    def test_question_words_are_left_out_and_words_stemmed(self):
        assert params("when did Mansoor Hekmat die")["q"] == "mansoor hekmat die"

    def test_only_function_words_are_kept_when_there_is_nothing_else(self):
        assert params("the")["q"] == "the"

    def test_a_synonym_member_is_sent_whole_with_its_function_words(self):
        assert params("Worker-communist Party of Iran")["q"] == "worker-communist parti of iran"

    def test_phrases_exclusions_and_prefixes(self):
        sent = params('"Neither Shah" -Mullah hekm* council')
        assert sent["q"] == '"neither shah" council hekm -mullah'
        assert sent["prefix"] == "true"


class TestTypos:
    def test_our_typo_rules_by_default(self):
        sent = params("Hekmat")
        assert (sent["num_typos"], sent["min_len_1typo"], sent["min_len_2typo"]) == (2, 5, 9)

    def test_an_explicit_budget_applies_from_any_length(self):
        sent = params("Moghadm~1")
        assert (sent["num_typos"], sent["min_len_1typo"], sent["min_len_2typo"]) == (1, 1, 9)


class TestFilters:
    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("source:a.md Iran", "source:=[`notes/a.md`]"),
            ("section:History Iran", "section_path:=[`History`,`History › Foundation`]"),
            ('speaker:"Hein Htet Kyaw" Iran', "speaker_name:=[`Hein Htet Kyaw`]"),
            ("title:lighthouse Iran", "document:=[`notes/a.md`]"),
            ("-source:b.txt Iran", "source:!=[`b.txt`]"),
            (
                "+Kurdistan committee",
                "(text_terms:`kurdistan` || title_terms:`kurdistan` || "
                "section_terms:`kurdistan` || speaker_terms:`kurdistan`)",
            ),
        ],
    )
    def test_field_clauses_become_exact_filter_values(self, query, expected):
        assert params(query)["filter_by"] == expected

    def test_api_filters_join_the_query_filters(self):
        sent = params("Iran", sources=["a.md", "b.txt"], speaker="Ada Quill")
        assert sent["filter_by"] == "source:=[`notes/a.md`,`b.txt`] && speaker_name:=[`Ada Quill`]"

    def test_a_filter_no_value_passes_matches_nothing(self):
        typed = "source:nosuch.txt Iran"
        query = search_params(parse(typed), CATALOG, SYNONYMS, SearchRequest(typed))
        assert query.matches_nothing

    def test_facets_paging_and_ties(self):
        sent = params("Iran", page=3, per_page=7)
        assert (sent["page"], sent["per_page"]) == (3, 7)
        sent = params("Iran", offset=5, per_page=7, facet_limit=3)
        assert (sent["page"], sent["per_page"], sent["max_facet_values"]) == (1, 12, 3)
        assert sent["facet_by"] == "source,section_path,tags"
        assert sent["sort_by"] == "_text_match:desc,position:asc"

    def test_tags_are_an_exact_filter(self):
        sent = params("Iran", tags=("python", "tool, box"))
        assert "tags:=[`python`,`tool, box`]" in sent["filter_by"]

    def test_a_collection_pushed_before_tags_has_no_tagged_passage(self):
        request = SearchRequest("Iran", tags=("python",))
        sent = search_params(parse("Iran"), CATALOG, SYNONYMS, request, tagged=False)
        assert sent.matches_nothing and "tags" not in sent.params["facet_by"]


@pytest.mark.parametrize("limit", [1, 7, 10, 100])
def test_any_offset_is_one_page_of_some_size(limit):
    for offset in [*range(0, 400), 5_003, 99_900]:
        page, size, skip = offset_window(offset, limit)
        assert size <= 250 and skip + limit <= size
        assert (page - 1) * size + skip == offset


def test_generation_numbers_belong_to_one_alias():
    assert generation_number("kavosh", "kavosh-000012") == 12
    assert generation_number("kavosh", "kavosh-000012-meta") is None
    assert generation_number("kavosh", "kitchen-000001") is None


class TestTheWindowQuery:
    """The first phase's parameters (`window_params`), when a query has no
    term to take a union of, or the window is Typesense's own."""

    def window(self, query: str, size: int, frequency=None) -> dict:
        request = SearchRequest(query, group="document")
        return search_params(
            parse(query), CATALOG, SYNONYMS, request, window=size, frequency=frequency
        ).params

    def test_recall_settings_at_the_window_size(self):
        sent = self.window("Hekmat council", 250)
        assert (sent["drop_tokens_threshold"], sent["typo_tokens_threshold"]) == (250, 250)
        assert (sent["page"], sent["per_page"]) == (1, 250)
        assert "group_by" not in sent
        assert "text_ids" in sent["include_fields"].split(",")

    def test_a_page_is_at_most_typesenses_largest(self):
        assert self.window("Hekmat", 1000)["per_page"] == 250

    def test_the_rarest_words_go_first(self):
        frequency = {"hekmat": 40, "council": 3, "shura": 12}.get
        assert self.window("Hekmat council Shuras", 250, frequency)["q"] == "council shura hekmat"


class TestTheUnionSearch:
    """Typesense counts facets only where its counts can be shown: never when
    the window holds every match, and then on one page of the union only."""

    def sent(self, holding: int, complete: bool, whole: bool, **how) -> list[dict]:
        request = SearchRequest("Hekmat council", group="document")
        window = search_params(parse(request.query), CATALOG, SYNONYMS, request, window=250).params
        selection = Selection({"text": ["hekmat", "council"]}, holding, complete, whole)
        return searches(window, selection, **{"most": 1000, **how})

    def test_a_union_too_big_is_read_shortest_passage_first_up_to_the_widest_window(self):
        sent = self.sent(holding=9000, complete=False, whole=True, shortest_first=True)
        assert [s["page"] for s in sent] == [1, 2, 3, 4]  # 1,000 in all
        assert {s["per_page"] for s in sent} == {250}
        assert {s["sort_by"] for s in sent} == {"text_length:asc,position:asc"}
        # A collection pushed before passage lengths: in document order.
        older = self.sent(holding=9000, complete=False, whole=True, most=500)
        assert [(s["page"], s["per_page"], s["sort_by"]) for s in older] == [
            (page, 250, "position:asc") for page in (1, 2)
        ]

    def test_a_union_is_read_in_as_few_pages_as_a_node_reads_at_once(self):
        """Each page costs its filter and sort again: a union of 460 is
        two pages of 230, not four of 125; a small one is one page."""
        assert [(s["page"], s["per_page"]) for s in self.sent(460, False, True)] == [
            (1, 230),
            (2, 230),
        ]
        assert [(s["page"], s["per_page"]) for s in self.sent(90, False, True)] == [(1, 125)]
        assert [(s["page"], s["per_page"]) for s in self.sent(200, False, True)] == [
            (1, 100),
            (2, 100),
        ]

    @pytest.mark.parametrize("passages", [1, 125, 126, 250, 251, 499, 500, 501, 999, 1000, 1250])
    def test_the_pages_of_a_union_hold_it_whole_and_at_most_typesenses_largest(self, passages):
        pages, per_page = union_pages(passages)
        assert per_page <= 250
        assert pages * per_page >= passages > (pages - 1) * per_page

    def test_a_union_alone_is_complete_only_when_its_selection_is(self):
        answer = {"found": 2, "hits": [{"document": {"id": "a"}}, {"document": {"id": "b"}}]}
        rarest_only = Selection({"text": ["preplan"]}, 2, complete=False, whole=True)
        assert not merged([answer], rarest_only).complete
        assert merged([answer], rarest_only._replace(complete=True)).complete
        filters_alone = Selection({}, 0, complete=False, whole=False)  # Typesense's own search
        assert merged([answer], filters_alone).complete

    def test_a_wider_window_reads_only_the_terms_it_adds(self):
        stats = CollectionStats(10, {}, {"text": {"a": 3, "b": 5}, "title": {"b": 1}}, {}, 1, [""])
        wider = Selection({"text": ["a", "b"], "title": ["b"]}, 9, complete=True, whole=True)
        fresh = unread(wider, {("text", "a")}, stats)
        assert fresh == Selection({"title": ["b"], "text": ["b"]}, 6, complete=True, whole=True)
        assert unread(wider, set(), stats) is wider

    def test_a_complete_window_counts_no_facets(self):
        sent = self.sent(holding=600, complete=True, whole=False)
        assert [s.get("page") for s in sent] == [1, 2, 3, 1]  # the union, then its own
        assert not any("facet_by" in s for s in sent)

    def test_an_incomplete_window_counts_them_once_per_search(self):
        sent = self.sent(holding=600, complete=False, whole=False)
        assert ["facet_by" in s for s in sent] == [True, False, False, True]
        assert sent[0]["facet_by"].split(",")[:2] == ["source", "section_path"]


class TestPatientWrites:
    """A write during a leader election is tried again; other failures are not."""

    class Cluster:
        def __init__(self, failures):
            self.failures = list(failures)
            self.nodes = ["http://127.0.0.1:1"]

        def post(self, path, body):
            if self.failures:
                raise self.failures.pop(0)
            return {"name": body["name"]}

        def delete(self, path):
            if self.failures:
                raise self.failures.pop(0)
            return {"name": path.rsplit("/", 1)[-1]}

    def test_a_drop_during_an_election_is_tried_again(self):
        from typesense.exceptions import ObjectNotFound, ServerError

        from indexer.typesense.quorum import PatientWrites

        cluster = self.Cluster([ServerError(503, "Not Ready or Lagging")])
        patient = PatientWrites(cluster, sleep=lambda _: None)
        assert patient.delete("/collections/k-000002") == {"name": "k-000002"}
        assert patient.retried == 1
        # The first try dropped it, its answer was lost: the second finds it gone.
        lost = self.Cluster([ServerError(500, "timeout"), ObjectNotFound(404, "not found")])
        assert PatientWrites(lost, sleep=lambda _: None).delete("/collections/x") == {}
        with pytest.raises(ObjectNotFound):  # gone before the first try: said as it is
            PatientWrites(self.Cluster([ObjectNotFound(404, "no")])).delete("/collections/y")

    def test_a_transient_failure_is_tried_again(self):
        from typesense.exceptions import ObjectAlreadyExists, ServerError

        from indexer.typesense.quorum import PatientWrites

        cluster = self.Cluster([ServerError(503, "Not Ready or Lagging"), ConnectionError()])
        patient = PatientWrites(cluster, sleep=lambda _: None)
        assert patient.post("/collections", {"name": "k-000002"}) == {"name": "k-000002"}
        assert patient.retried == 2 and patient.nodes == cluster.nodes
        # The first try created it, its answer was lost: the second sees it exists.
        lost = self.Cluster([ServerError(500, "timeout"), ObjectAlreadyExists(409, "exists")])
        assert PatientWrites(lost, sleep=lambda _: None).post("/collections", {"name": "x"}) == {}

    def test_a_refusal_or_a_long_outage_fails(self):
        from typesense.exceptions import RequestMalformed, ServerError

        from indexer.typesense.quorum import PatientWrites

        with pytest.raises(RequestMalformed):
            PatientWrites(self.Cluster([RequestMalformed(400, "bad")])).post("/c", {"name": "x"})
        outage = self.Cluster([ServerError(503, "no leader")] * 100)
        with pytest.raises(ServerError):
            PatientWrites(outage, timeout=0.0, sleep=lambda _: None).post("/c", {"name": "x"})
