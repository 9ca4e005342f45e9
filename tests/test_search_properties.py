"""No input breaks the search core: any string answers with `Results` or a
`QueryError`, never another exception and never a hang.

Hypothesis throws unicode, control characters, bidi overrides, NUL, quotes,
brackets and the query language's operators at the seeds index; the guard
tests aim the known expensive shapes (wildcards, huge fuzziness and boosts,
64+ terms, 1,000 characters) at a real vocabulary, WikiText-2's validation
split. Speed is measured by the benchmarks, not asserted here: these tests
only require that every call returns.
"""

from __future__ import annotations

import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.search import MAX_QUERY_CHARS, Results, SearchService
from app.search.errors import QueryError
from app.search.querylang import same_source
from indexer.build import build_index
from tests.conftest import WIKITEXT

OPERATORS = [
    '"', "'", "(", ")", "[", "]", "{", "}", "*", "?", "~", "^", "+", "-", ":", "\\", "/",
    " AND ", " OR ", " NOT ", "source:", "section:", "speaker:", "title:", "~2", "^99",
]  # fmt: skip
SPECIALS = ["\x00", "\t", "\n", "\r", "\u202e", "\u202d", "\u2066", "\u200c", "\u200f", "\ufeff"]
WORDS = ["Hekmat", "Taqvaee", "WPI-H", "12,000", "حزب", "كمونيست", "Javânân", "party", "iran"]

query_text = st.lists(
    st.one_of(
        st.text(max_size=30),
        st.sampled_from(OPERATORS + SPECIALS + WORDS),
        st.characters(),
    ),
    max_size=60,
).map("".join)


@pytest.fixture(scope="module")
def service(seeds_index):
    index_dir, _report = seeds_index
    service = SearchService(index_dir)
    yield service
    service.close()


def answer(service: SearchService, query: str, **options) -> Results | QueryError:
    try:
        return service.search(query, **options)
    except QueryError as error:
        return error


def assert_well_formed(results: Results, page: int = 1, per_page: int = 10) -> None:
    """A page a reader can trust: the page asked for, no more hits than fit,
    ranks counting on from the page's first, only `<mark>` as markup."""
    assert isinstance(results, Results), results
    assert (results.page, results.per_page) == (page, per_page)
    assert len(results.hits) <= per_page
    if results.hits:  # a page past the last is empty
        assert results.total >= (page - 1) * per_page + len(results.hits)
    else:
        assert results.total <= (page - 1) * per_page
    first = (page - 1) * per_page + 1
    assert [hit.rank for hit in results.hits] == list(range(first, first + len(results.hits)))
    for hit in results.hits:
        markup = hit.excerpt.replace("<mark>", "").replace("</mark>", "")
        assert "<" not in markup and ">" not in markup, hit.excerpt


class TestAnyInput:
    @settings(
        max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(query=query_text)
    def test_any_query_answers_with_results_or_a_query_error(self, service, query):
        outcome = answer(service, query)
        if isinstance(outcome, QueryError):
            assert not query.strip() or len(query) > MAX_QUERY_CHARS, outcome.message
            return
        assert outcome.total >= len(outcome.hits)
        for hit in outcome.hits:
            assert "<script" not in hit.excerpt

    @settings(
        max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(query=st.text(min_size=1, max_size=MAX_QUERY_CHARS))
    def test_any_unicode_up_to_the_limit_answers(self, service, query):
        outcome = answer(service, query)
        if not query.strip():
            assert isinstance(outcome, QueryError) and outcome.code == "missing_query"
        else:
            assert_well_formed(outcome)

    @settings(
        max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(
        query=query_text,
        page=st.integers(-2, 1002),
        per_page=st.integers(-2, 102),
        section=st.none() | st.text(max_size=20),
        speaker=st.none() | st.text(max_size=20),
        sources=st.lists(st.text(max_size=20), max_size=3),
    )
    def test_any_paging_and_filters_answer(
        self, service, query, page, per_page, section, speaker, sources
    ):
        options = dict(page=page, per_page=per_page, section=section, speaker=speaker)
        outcome = answer(service, query, sources=sources, **options)
        if not query.strip() or len(query) > MAX_QUERY_CHARS:
            assert outcome.code in ("missing_query", "query_too_long")
        elif not 1 <= page <= 1000:
            assert outcome.code == "bad_page" and "page" in outcome.message
        elif not 1 <= per_page <= 100:
            assert outcome.code == "bad_per_page" and "per_page" in outcome.message
        else:
            assert_well_formed(outcome, page, per_page)
            wanted = [s for s in sources if s.strip()]
            for hit in outcome.hits:  # a source filter lets through only its files
                assert not wanted or any(same_source(hit.citation.file, s) for s in wanted)

    @pytest.mark.parametrize("blank", ["", " ", "\t\n", "\u3000"])
    def test_a_blank_query_is_a_query_error(self, service, blank):
        with pytest.raises(QueryError, match="empty"):
            service.search(blank)

    def test_an_over_long_query_is_a_query_error(self, service):
        with pytest.raises(QueryError, match="8,001 characters"):
            service.search("a" * (MAX_QUERY_CHARS + 1))


@pytest.fixture(scope="session")
def wikitext_service(tmp_path_factory):
    """WikiText-2's validation split (about 200,000 words), indexed once."""
    valid = WIKITEXT / "valid.txt.gz"
    if not valid.is_file():
        pytest.skip(f"{valid} is not available")
    source = tmp_path_factory.mktemp("wikitext-source")
    shutil.copy(valid, source / valid.name)
    index_dir = tmp_path_factory.mktemp("wikitext-index")
    build_index(source, index_dir)
    service = SearchService(index_dir)
    yield service
    service.close()


GUARDED = {
    "leading and trailing wildcards": "*a*",
    "a one-letter prefix": "a*",
    "a bare star": "*",
    "stars only": "* ** ***",
    "a leading wildcard": "*tion",
    "fuzziness over the limit": "history~9",
    "fuzziness on a short word": "the~2 of~2 a~2",
    "a huge boost": "war^99999999999",
    "many terms": " ".join(f"word{i}" for i in range(80)),
    "many fuzzy terms": " ".join(f"battle{i}~2" for i in range(70)),
    "many prefixes": " ".join(f"{chr(97 + i % 26)}{chr(97 + i // 26)}*" for i in range(70)),
    "a long query": ("the battle of the river " * 42)[:MAX_QUERY_CHARS],
    "a long phrase": '"' + ("the battle of the river " * 40)[: MAX_QUERY_CHARS - 2] + '"',
    "many operators": " AND ".join(["war", "NOT peace", "+army", "-navy"] * 15),
    "nested brackets": "(" * 300 + "war" + ")" * 300,
}


@pytest.mark.slow
@pytest.mark.parametrize("query", list(GUARDED.values()), ids=list(GUARDED))
def test_expensive_shapes_answer_on_a_large_vocabulary(wikitext_service, query):
    assert len(query) <= MAX_QUERY_CHARS
    assert_well_formed(wikitext_service.search(query))


@pytest.mark.slow
def test_too_many_terms_are_cut_with_a_note(wikitext_service):
    results = wikitext_service.search(" ".join(f"army{i}" for i in range(70)) + " army")
    assert any("first 64 terms" in note for note in results.notes)
