"""The Typesense engine marks a page's words from what each passage was
pushed with (`text_ids`, `text_starts`), without analysing its text: the
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
from app.search.typesense.spans import marked_terms, text_spans
from app.search.typesense.window import Window
from indexer.token_offsets import position_starts
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
    """The seeds' passages as Typesense stores them, as one window."""
    return Window(*pushed_seeds())


@pytest.fixture(scope="module")
def compiler(seeds_index):
    with closing(SearchService(seeds_index[0])) as searching:
        yield searching._current()[1]


@pytest.mark.parametrize("query", QUERIES)
def test_the_marks_are_the_ones_analysis_finds(pushed, compiler, query):
    marks = compiler.compile(parse(query)).marks
    marked = 0
    for index, fields in enumerate(pushed.hits):
        expected = matched_spans(fields["text"], marks)
        got = spans_of(pushed, index, fields[STARTS_FIELD], marks)
        assert got == expected, fields["id"]
        marked += bool(got)
    assert marked  # each query marks some passage of the seeds


def test_each_start_is_where_its_position_starts():
    text = "Worker-communist parties, running: حزب کمونیست کارگری ایران"
    value = encoded_starts(text)
    assert [start_of(value, p) for p in range(len(value) // 3)] == position_starts(text)


def test_without_starts_or_with_another_texts_analysis_answers(pushed, compiler):
    marks = compiler.compile(parse("Hekmat")).marks
    index, fields = next(
        (i, f) for i, f in enumerate(pushed.hits) if matched_spans(f["text"], marks)
    )
    assert spans_of(pushed, index, None, marks) is None
    assert spans_of(pushed, index, fields[STARTS_FIELD][:-3], marks) is None


def spans_of(window: Window, index: int, starts: str | None, marks):
    """`text_spans` as the engine calls it for passage `index` of the window."""
    found = window.occurrences(marked_terms(marks), [index]).get(index, {})
    count = int(window.text.position_counts[index])
    return text_spans(found, count, starts, window.hits[index]["text"], marks)
