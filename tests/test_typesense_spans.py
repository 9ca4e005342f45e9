"""The Typesense engine marks a page's words from what each passage was
pushed with (`text_stream`, `text_starts`), without analysing its text: the
marks must be the ones analysis finds (`highlight.matched_spans`), on the
seeds' passages as `kavosh index` pushes them, for words, stems, exact
forms, typos, compounds, Persian and phrases. No cluster: the cluster tests
show the same excerpts end to end (test_typesense_backend.py)."""

from __future__ import annotations

from contextlib import closing

import pytest

from app.search import SearchService
from app.search.highlight import matched_spans
from app.search.querylang import parse
from app.search.typesense.spans import text_spans
from indexer.token_offsets import position_starts
from indexer.typesense.statistics import STREAM_FIELD
from indexer.typesense.word_starts import STARTS_FIELD, encoded_starts, start_of
from tests.test_typesense_rescore import pushed_seeds

QUERIES = [
    "Mansoor Hekmat died",
    "organisations running",
    "worker-communist party",
    "Hekmatsit~2 Shuras",
    '"Neither Shah nor Mullah"',
    '"the party" women',
    '"Worker-communist Party of Iran"',
    "حزب کمونیست کارگری",
    "hekm*",
]


@pytest.fixture(scope="module")
def pushed():
    """The seeds' passages as Typesense stores them."""
    return pushed_seeds()[0]


@pytest.fixture(scope="module")
def compiler(seeds_index):
    with closing(SearchService(seeds_index[0])) as searching:
        yield searching._current()[1]


@pytest.mark.parametrize("query", QUERIES)
def test_the_marks_are_the_ones_analysis_finds(pushed, compiler, query):
    marks = compiler.compile(parse(query)).marks
    marked = 0
    for fields in pushed:
        expected = matched_spans(fields["text"], marks)
        got = text_spans(fields[STREAM_FIELD], fields[STARTS_FIELD], fields["text"], marks)
        assert got == expected, fields["id"]
        marked += bool(got)
    assert marked  # each query marks some passage of the seeds


def test_each_start_is_where_its_position_starts():
    text = "Worker-communist parties, running: حزب کمونیست کارگری ایران"
    value = encoded_starts(text)
    assert [start_of(value, p) for p in range(len(value) // 3)] == position_starts(text)


def test_without_starts_or_with_another_texts_analysis_answers(pushed, compiler):
    marks = compiler.compile(parse("Hekmat")).marks
    fields = next(f for f in pushed if matched_spans(f["text"], marks))
    assert text_spans(fields[STREAM_FIELD], None, fields["text"], marks) is None
    shorter = fields[STARTS_FIELD][:-3]
    assert text_spans(fields[STREAM_FIELD], shorter, fields["text"], marks) is None
