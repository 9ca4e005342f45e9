"""`SearchRequest`: the one place search parameters are checked, with the
wording the page, the API and the CLI all show."""

from __future__ import annotations

import dataclasses

import pytest

from app.search import MAX_PAGE, MAX_PER_PAGE, MAX_QUERY_CHARS, QueryError, SearchRequest


def test_defaults():
    request = SearchRequest("Hekmat")
    assert (request.page, request.per_page, request.group) == (1, 10, None)
    assert (request.sources, request.section, request.speaker) == ((), None, None)
    assert request.first_rank == 1


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
            "the query is 1,001 characters long; the limit is 1,000",
        ),
        ({"query": "a", "page": 0}, "bad_page", "page must be a whole number from 1 to 1000"),
        ({"query": "a", "page": MAX_PAGE + 1}, "bad_page", "page must be"),
        ({"query": "a", "page": True}, "bad_page", "page must be"),
        ({"query": "a", "per_page": 0}, "bad_per_page", "per_page must be"),
        ({"query": "a", "per_page": MAX_PER_PAGE + 1}, "bad_per_page", "from 1 to 100"),
        ({"query": "a", "per_page": 2.5}, "bad_per_page", "whole number"),
        ({"query": "a", "group": "paragraph"}, "bad_group", "group must be one of document"),
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
