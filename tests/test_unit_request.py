"""`SearchRequest`: the one place search parameters are checked, with the
wording the page, the API and the CLI all show."""

from __future__ import annotations

import dataclasses

import pytest

from app.search import MAX_PAGE, MAX_PER_PAGE, MAX_QUERY_CHARS, QueryError, SearchRequest
from app.search.request import MAX_FACET_LIMIT, MAX_OFFSET


def test_defaults():
    request = SearchRequest("Hekmat")
    assert (request.page, request.per_page, request.group) == (1, 10, None)
    assert (request.sources, request.section, request.speaker) == ((), None, None)
    assert request.first_rank == 1


def test_offset_and_page_say_where_the_answer_starts():
    assert (SearchRequest("x", page=3, per_page=10).start, SearchRequest("x").end) == (20, 10)
    request = SearchRequest("x", offset=7, per_page=5)
    assert (request.start, request.end, request.first_rank) == (7, 12, 8)
    assert SearchRequest("x", offset=0).first_rank == 1
    assert SearchRequest("x", offset=7).cache_key != SearchRequest("x").cache_key


def test_a_long_query_up_to_the_limit_is_a_request():
    assert SearchRequest("a" * MAX_QUERY_CHARS).query


def test_tags_are_tidied():
    assert SearchRequest("x", tags=[" python ", "", "go"]).tags == ("python", "go")


def test_filters_are_tidied():
    request = SearchRequest("x", sources=["a.md", " ", "b.txt"], section="  ", speaker=" Ada ")
    assert request.sources == ("a.md", "b.txt")
    assert (request.section, request.speaker) == (None, "Ada")


def test_it_is_frozen_and_hashable():
    request = SearchRequest("x", sources=["a.md"])
    with pytest.raises(dataclasses.FrozenInstanceError):
        request.page = 2
    assert hash(request) == hash(SearchRequest("x", sources=("a.md",)))


def test_the_cache_key_ignores_outer_spaces():
    assert SearchRequest(" Iran ").cache_key == SearchRequest("Iran").cache_key
    assert SearchRequest("Iran", page=2).cache_key != SearchRequest("Iran").cache_key


@pytest.mark.parametrize(
    ("arguments", "code", "message"),
    [
        ({"query": ""}, "missing_query", "the query is empty: type one or more words"),
        ({"query": " \t"}, "missing_query", "the query is empty"),
        (
            {"query": "a" * (MAX_QUERY_CHARS + 1)},
            "query_too_long",
            "the query is 8,001 characters long; the limit is 8,000",
        ),
        ({"query": "a", "page": 0}, "bad_page", "page must be a whole number from 1 to 1000"),
        ({"query": "a", "page": MAX_PAGE + 1}, "bad_page", "page must be"),
        ({"query": "a", "page": True}, "bad_page", "page must be"),
        ({"query": "a", "per_page": 0}, "bad_per_page", "per_page must be"),
        ({"query": "a", "per_page": MAX_PER_PAGE + 1}, "bad_per_page", "from 1 to 100"),
        ({"query": "a", "per_page": 2.5}, "bad_per_page", "whole number"),
        ({"query": "a", "group": "paragraph"}, "bad_group", "group must be one of document"),
        ({"query": "a", "offset": -1}, "bad_offset", "offset must be a whole number from 0"),
        ({"query": "a", "offset": MAX_OFFSET + 1}, "bad_offset", "offset must be"),
        ({"query": "a", "offset": 3, "page": 2}, "page_and_offset", "a page or an offset"),
        ({"query": "a", "facet_limit": 0}, "bad_facet_limit", "from 1 to 1000"),
        ({"query": "a", "facet_limit": MAX_FACET_LIMIT + 1}, "bad_facet_limit", "facet_limit"),
    ],
)
def test_refusals(arguments, code, message):
    with pytest.raises(QueryError) as refused:
        SearchRequest(**arguments)
    assert refused.value.code == code
    assert message in refused.value.message


def test_the_limits_themselves_are_fine():
    request = SearchRequest("a" * MAX_QUERY_CHARS, page=MAX_PAGE, per_page=MAX_PER_PAGE)
    assert request.first_rank == (MAX_PAGE - 1) * MAX_PER_PAGE + 1
