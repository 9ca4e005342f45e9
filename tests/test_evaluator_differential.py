"""The NumPy evaluator answers exactly as Whoosh's own matchers do.

`app.search.evaluator` computes query trees over whole posting arrays
instead of stepping Whoosh's matchers; its docstring says the answers are
the same. Hypothesis builds random trees (terms in the four searched
fields, phrases with slop, And, Or, AndMaybe, DisjunctionMax, boosts,
prefix filters) from the real vocabulary of an index of the seeds and a
sample of WikiText-2, and each tree is run both ways: the matching passages
must be the same set, and each passage's score the same (to float32
rounding). The last test shows the comparison fails when a score changes.

One Whoosh bug is corrected in the reference: `DisjunctionMaxMatcher.score`
takes the max of both sides even when they stand on different passages,
so a passage matched by one side gets the other side's score for another
passage (`test_whoosh_dismax_matcher_mixes_passages` pins it).
"""

from __future__ import annotations

import gzip
import shutil

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whoosh import index as whoosh_index
from whoosh.matching import binary
from whoosh.query import And, AndMaybe, DisjunctionMax, Or, Phrase, Prefix, Term
from whoosh.scoring import BM25F

from app.search.budget import Budget
from app.search.evaluator import Evaluator
from app.search.phrases import FEW_CANDIDATES, _by_keys, _by_lists
from app.search.postings import Postings
from app.search.scored import open_scored
from app.search.sparse import intersect
from app.search.whoosh_engine import FIELD_B, K1, B
from indexer.analysis import stemming_analyzer
from indexer.build import build_index
from indexer.generations import GenerationStore
from tests.conftest import SEEDS, WIKITEXT

SAMPLE_LINES = 2500  # of WikiText-2's validation split: about 150 articles' worth
FIELDS = ("text", "title", "section", "speaker")
# Scores are float32 sums; Whoosh sums in float64 in another order.
RELATIVE = 1e-4


@pytest.fixture(scope="module", params=["scored arrays", "decoded postings"])
def opened(request, tmp_path_factory):
    """(searcher, postings, vocabulary per field, text phrases) of one index,
    its postings read from the arrays scored at build time (what a server
    uses) or decoded from Whoosh's segment (what it falls back to)."""
    with gzip.open(WIKITEXT / "valid.txt.gz", "rt", encoding="utf-8") as lines:
        sample = [next(lines) for _ in range(SAMPLE_LINES)]
    source = tmp_path_factory.mktemp("differential-source")
    shutil.copytree(SEEDS, source, dirs_exist_ok=True)
    (source / "wikitext-sample.txt").write_text("".join(sample), "utf-8")
    index_dir = tmp_path_factory.mktemp("differential-index")
    build_index(source, index_dir)
    folder = GenerationStore(index_dir).current()
    weighting = BM25F(B=B, K1=K1, **{f"{name}_B": b for name, b in FIELD_B.items()})
    searcher = whoosh_index.open_dir(str(folder)).searcher(weighting=weighting)
    reader = searcher.reader()
    vocabulary = {
        name: sorted(t.decode() if isinstance(t, bytes) else t for t in reader.field_terms(name))
        for name in FIELDS
    }
    phrases = [_terms_of(line)[:4] for line in sample if len(_terms_of(line)) >= 4][:400]
    arrays = open_scored(folder) if request.param == "scored arrays" else None
    assert (arrays is not None) == (request.param == "scored arrays")
    yield searcher, Postings(searcher, K1, B, FIELD_B, arrays), vocabulary, phrases
    searcher.close()


def _terms_of(line: str) -> list[str]:
    return [t.text for t in stemming_analyzer(exact_forms=False)(line)]


class Words:
    """The index's terms per field and some runs of text terms, with a short
    repr: Hypothesis prints a strategy's arguments, and thousands of terms
    would make that megabytes."""

    def __init__(self, vocabulary: dict[str, list[str]], phrases: list[list[str]]):
        self.vocabulary, self.phrases = vocabulary, phrases

    def __repr__(self) -> str:
        return f"Words({sum(map(len, self.vocabulary.values()))} terms)"


BOOSTS = [1.0, 1.0, 0.3, 0.5, 2.0, 4.0]


@st.composite
def trees(draw, words: Words, depth: int = 0):
    """A random query tree over the index's real terms and word runs."""
    boost = draw(st.sampled_from(BOOSTS))
    if depth >= 3 or draw(st.integers(0, 2)) == 0:
        if draw(st.integers(0, 3)) == 0:
            run = draw(st.sampled_from(range(len(words.phrases))))
            length, slop = draw(st.integers(2, 4)), draw(st.integers(1, 3))
            return Phrase("text", words.phrases[run][:length], slop=slop, boost=boost)
        name = draw(st.sampled_from(FIELDS))
        terms = words.vocabulary[name]
        return Term(name, terms[draw(st.integers(0, len(terms) - 1))], boost=boost)
    kind = draw(st.sampled_from(["or", "and", "dismax", "alone", "andmaybe"]))
    if kind == "alone":
        return Or([draw(trees(words, depth + 1))])
    if kind == "andmaybe":
        return AndMaybe(draw(trees(words, depth + 1)), draw(trees(words, depth + 1)))
    # Siblings differ: Whoosh's matchers add a repeated child twice, its
    # `normalize()` once; the compiler never repeats one.
    children = draw(st.lists(trees(words, depth + 1), min_size=2, max_size=4, unique_by=repr))
    return {"or": Or, "and": And, "dismax": DisjunctionMax}[kind](children, boost=boost)


def _dismax_score(self) -> float:
    """`DisjunctionMaxMatcher.score`, scoring only the side(s) on the current passage."""
    a, b = self.a, self.b
    if not a.is_active() or (b.is_active() and b.id() < a.id()):
        return b.score()
    if not b.is_active() or a.id() < b.id():
        return a.score()
    return max(a.score(), b.score())


@pytest.fixture(autouse=True)
def corrected_dismax(request):
    if "whoosh_as_is" in request.keywords:
        yield
        return
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(binary.DisjunctionMaxMatcher, "score", _dismax_score)
        yield


def whoosh_answer(searcher, query) -> dict[int, float]:
    """Each matched passage with its score, from Whoosh's own matcher tree."""
    theirs: dict[int, float] = {}
    matcher = query.matcher(searcher)
    while matcher.is_active():
        theirs[matcher.id()] = matcher.score()
        matcher.next()
    return theirs


def differences(evaluator: Evaluator, searcher, query) -> list[str]:
    """How the evaluator's answer to `query` differs from Whoosh's matchers'."""
    ours = evaluator.evaluate(query)
    theirs = whoosh_answer(searcher, query)
    score_of = dict(zip(ours.ids.tolist(), ours.scores.tolist(), strict=True))
    found = set(score_of)
    problems = []
    if found != set(theirs):
        extra, missing = sorted(found - set(theirs))[:5], sorted(set(theirs) - found)[:5]
        problems.append(f"{query}: matched also {extra}, not {missing}")
    for docnum in sorted(found & set(theirs)):
        if not np.isclose(score_of[docnum], theirs[docnum], rtol=RELATIVE, atol=1e-6):
            problems.append(f"{query}: passage {docnum} {score_of[docnum]} != {theirs[docnum]}")
    return problems


@pytest.mark.slow
def test_random_trees_match_and_score_as_whoosh_matchers_do(opened):
    searcher, postings, vocabulary, phrases = opened
    evaluator = Evaluator(postings)

    @settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(trees(Words(vocabulary, phrases)))
    def check(query):
        assert differences(evaluator, searcher, query) == []

    check()


@pytest.mark.slow
def test_the_trees_are_not_all_empty(opened):
    """A differential test over trees that match nothing would prove nothing."""
    searcher, postings, vocabulary, phrases = opened
    evaluator = Evaluator(postings)
    phrase = Phrase("text", phrases[0][:2])
    assert len(evaluator.evaluate(phrase))
    middle = vocabulary["text"][len(vocabulary["text"]) // 2]
    assert len(evaluator.evaluate(Term("text", middle)))


def test_a_boosted_compound_of_one_child_is_boosted(opened):
    """Whoosh's matcher for `Or([x], boost=0.4)` forgets the boost, and its
    `normalize()` keeps it; the compiler means it (one typo variant at
    `FUZZY_WEIGHT`), and so does the evaluator: it answers as the normalized
    query does."""
    searcher, postings, vocabulary, _ = opened
    evaluator = Evaluator(postings)
    for kind in (Or, And, DisjunctionMax):
        query = kind([Term("text", "parti")], boost=0.4)
        assert differences(evaluator, searcher, query.normalize()) == []
        assert differences(evaluator, searcher, query) != []


@pytest.mark.whoosh_as_is
def test_whoosh_dismax_matcher_mixes_passages(opened):
    """Uncorrected, Whoosh scores a passage that only one side of a
    `DisjunctionMax` matches with the other side's score elsewhere: here
    no passage holds both "parti" and "gammarus", so each score must be its
    own term's."""
    searcher, _, _, _ = opened
    query = DisjunctionMax([Term("text", "parti"), Term("text", "gammarus")])
    alone = {**whoosh_answer(searcher, Term("text", "parti"))}
    alone.update(whoosh_answer(searcher, Term("text", "gammarus")))
    mixed = whoosh_answer(searcher, query)
    assert set(mixed) == set(alone)
    assert any(abs(mixed[d] - alone[d]) > 1e-6 for d in alone)


def test_prefix_filters_match_what_whoosh_matches(opened):
    """`Prefix` only ever filters (`section:History` takes its subsections):
    the same passages, whatever the score."""
    searcher, postings, vocabulary, _ = opened
    evaluator = Evaluator(postings)
    for value in ("History", "His", "a", "zzz"):
        query = Prefix("section_path", value)
        ours = set(evaluator.evaluate(query).ids.tolist())
        assert ours == set(searcher.docs_for_query(query)), value


def test_the_comparison_fails_when_a_score_changes(opened):
    """Postings scored with another BM25 saturation (k1) give other scores
    for the same passages: `differences` must say so."""
    searcher, _, vocabulary, _ = opened
    changed = Evaluator(Postings(searcher, K1 * 1.05, B, FIELD_B))
    common = Term("text", "parti")
    problems = differences(changed, searcher, common)
    assert problems and all("!=" in problem for problem in problems)


@pytest.mark.parametrize("opened", ["scored arrays"], indirect=True)  # positions as arrays
def test_a_few_candidates_follow_a_phrase_as_the_arrays_do(opened):
    """Up to `FEW_CANDIDATES`, a phrase's positions are followed as lists:
    over the same candidates, of every size, both ways find the same passages."""
    _, postings, _, phrases = opened
    assert postings.has_positions("text")
    compared = found = 0
    for run in phrases[:150]:
        for length, slop in ((2, 1), (3, 2), (4, 3)):
            words = run[:length]
            candidates = postings.scored("text", words[0])[0]
            for word in words[1:]:
                candidates = intersect(candidates, postings.scored("text", word)[0])
            for cut in (candidates[:1], candidates[:FEW_CANDIDATES], candidates):
                by_lists = _by_lists(postings, Budget(), "text", words, cut, slop)
                by_keys = _by_keys(postings, Budget(), "text", words, cut, slop)
                assert by_lists.tolist() == by_keys.tolist(), (words, slop)
                compared += 1
                found += len(by_keys)
    assert compared and found  # the comparison saw phrases that stand somewhere
