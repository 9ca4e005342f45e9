"""Excerpts marked from stored offsets read exactly as excerpts marked by
analysing the passage again.

A Whoosh generation records where each of its text's positions starts
(`indexer.token_offsets`), and a page marks the matched words from the
postings' positions (`app.search.stored_spans`). The analysis path
(`highlight.matched_spans`) stays for the source viewer, the Typesense
backend and generations built before. Here an index of the seeds and a
sample of WikiText-2 is searched with the relevance table's queries, typed
variants of every kind the highlighter knows (stems, typos, synonyms,
compounds, Persian in Arabic letters, phrases, prefixes, titles) and random
words and phrases from the sample; every hit's spans must be read from the
offsets and be the analysis' spans, and its excerpt and matched words the
ones the analysis gives.
"""

from __future__ import annotations

import gzip
import random
import re
import shutil

import numpy as np
import pytest

from app.search import SearchRequest, SearchService
from app.search.highlight import _SENTENCE_END, excerpt, matched_spans
from app.search.stored_spans import page_spans
from app.search.whoosh_engine import WhooshEngine
from indexer.build import build_index
from indexer.generations import GenerationStore
from indexer.token_offsets import FIRSTS
from tests.conftest import SEEDS, WIKITEXT
from tests.test_relevance import TABLE

SAMPLE_LINES = 2500  # of WikiText-2's validation split
RANDOM_QUERIES = 150
TYPED = [
    "when did Mansoor Hekmat die",
    '"I oppose all forms of exploitation"',
    "killings",
    "television station",
    "حزب كمونيست كارگري",
    "javanan",
    "Worker-communist party",
    "worker communist",
    "Hekmt~1 Modaressi",
    "hekm*",
    "how many civilians were killed",
    '"the party" Iran',
    "title:Hekmat died",
    "12,000 people",
    '"of the" war',
]


@pytest.fixture(scope="module")
def searched(tmp_path_factory):
    """(service, engine, sample text) over the seeds and the WikiText-2 sample."""
    with gzip.open(WIKITEXT / "valid.txt.gz", "rt", encoding="utf-8") as lines:
        sample = "".join(next(lines) for _ in range(SAMPLE_LINES))
    source = tmp_path_factory.mktemp("offsets-source")
    shutil.copytree(SEEDS, source, dirs_exist_ok=True)
    (source / "wikitext-sample.txt").write_text(sample, "utf-8")
    index_dir = tmp_path_factory.mktemp("offsets-index")
    build_index(source, index_dir)
    engine = WhooshEngine(index_dir, verify=False)
    return SearchService(engine), engine, sample


def _random_queries(sample: str) -> list[str]:
    words = re.findall(r"[A-Za-z][A-Za-z'-]+", sample)
    chosen = random.Random(13)
    queries = []
    for _ in range(RANDOM_QUERIES):
        at = chosen.randrange(len(words) - 3)
        kind = chosen.choice(["word", "words", "phrase"])
        if kind == "word":
            queries.append(words[at])
        elif kind == "words":
            queries.append(" ".join(words[at : at + 3]))
        else:
            queries.append('"' + " ".join(words[at : at + 2]) + '"')
    return queries


def _matched_words(texts, marks) -> tuple[str, ...]:
    """The words the analysis marks in `texts`, first spelling of each."""
    words: dict[str, str] = {}
    for text in texts:
        for start, end in matched_spans(text, marks):
            words.setdefault(text[start:end].casefold(), text[start:end])
    return tuple(words.values())


def test_the_build_records_the_offsets(searched):
    _, engine, _ = searched
    assert (GenerationStore(engine.store.root).current() / FIRSTS).exists()
    assert engine.snapshot().state.offsets is not None


def test_spans_from_offsets_are_the_analysis_spans(searched):
    service, engine, sample = searched
    state = engine.snapshot().state
    queries = [row[0] for row in TABLE] + TYPED + _random_queries(sample)
    compared = 0
    for query in queries:
        results = service.search(SearchRequest(query, per_page=20))
        marks = service.marks(query)
        hits = results.hits
        docnums = [state.searcher.document_number(id=hit.id) for hit in hits]
        stored = page_spans(state.postings, state.offsets, docnums, [h.text for h in hits], marks)
        for hit, spans in zip(hits, stored, strict=True):
            assert spans is not None, (query, hit.id)
            assert spans == matched_spans(hit.text, marks), (query, hit.id)
            assert hit.excerpt == excerpt(hit.text, marks), (query, hit.id)
            assert hit.matched_terms == _matched_words((hit.title, hit.text), marks)
            compared += bool(spans)
    assert compared > 1000  # most hits have marks: the comparison is not empty


def test_a_phrase_is_marked_only_where_its_words_follow_each_other(searched):
    service, _, _ = searched
    hit = service.search(SearchRequest('"I oppose all forms of exploitation"')).hits[0]
    assert "<mark>I</mark> <mark>oppose</mark> <mark>all</mark>" in hit.excerpt
    assert hit.excerpt.count("<mark>I</mark>") == 1


def test_offsets_that_do_not_fit_the_text_are_not_trusted(searched):
    """A passage whose offsets say fewer positions than its postings (another
    text than the one indexed) is left to the analysis (None), never misread."""
    _, engine, _ = searched
    state = engine.snapshot().state
    service = SearchService(engine)
    hit = service.search(SearchRequest("Hekmat")).hits[0]
    docnum = state.searcher.document_number(id=hit.id)
    marks = service.marks("Hekmat")
    (right,) = page_spans(state.postings, state.offsets, [docnum], [hit.text], marks)
    assert right
    squeezed = type(state.offsets)(np.zeros_like(state.offsets.firsts), state.offsets.starts)
    (wrong,) = page_spans(state.postings, squeezed, [docnum], [hit.text], marks)
    assert wrong is None


def test_sentence_ends_are_where_the_look_behind_pattern_found_them(searched):
    """`highlight._SENTENCE_END` lost its look-behind (for speed): on the
    sample's passages and edge cases it ends sentences where that did."""
    _, _, sample = searched
    before = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+")
    texts = sample.split("\n") + ["a.) b", "a.. b", "x!?  y", "end.", ". . .", "…” x", "a.\n\nb"]
    for text in texts:
        assert [m.end() for m in _SENTENCE_END.finditer(text)] == [
            m.end() for m in before.finditer(text)
        ], text
