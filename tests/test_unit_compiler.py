"""The compiler's memory of plain words, on a small hand-made vocabulary: a
word compiles to the same queries and marks the second time, and sharing
a remembered word never changes an answer compiled before."""

from __future__ import annotations

from app.search import compiler as compiler_module
from app.search.compiler import QueryCompiler
from app.search.querylang import parse
from app.search.synonyms import Synonyms
from app.search.vocabulary import Vocabulary
from indexer.analysis import stem

FREQUENCIES = {"hekmat": 40, "hekmatist": 6, "party": 90, "parties": 12, "iran": 70}
VOCABULARY = Vocabulary({form: [stem(form), n] for form, n in FREQUENCIES.items()}, 1000)


def fresh() -> QueryCompiler:
    return QueryCompiler(VOCABULARY, Synonyms([]), [])


def test_a_remembered_word_compiles_as_it_did_the_first_time():
    remembering = fresh()
    first = remembering.compile(parse("hekmta party"))
    again = remembering.compile(parse("hekmta party"))
    anew = fresh().compile(parse("hekmta party"))
    assert again.ranked == anew.ranked == first.ranked
    assert again.tiers == anew.tiers
    assert again.marks == anew.marks
    assert "hekmat" in again.marks.terms  # the typo's variant is marked


def test_a_later_query_does_not_change_an_earlier_answer_s_marks():
    remembering = fresh()
    earlier = remembering.compile(parse("party"))
    marked = (set(earlier.marks.terms), list(earlier.marks.phrases))
    remembering.compile(parse("party iran hekmta"))
    remembering.compile(parse("party e-mail"))
    assert (earlier.marks.terms, earlier.marks.phrases) == marked


def test_the_memory_starts_again_when_full(monkeypatch):
    monkeypatch.setattr(compiler_module, "WORD_MEMORY", 2)
    remembering = fresh()
    remembering.compile(parse("iran party hekmat"))
    assert len(remembering._words) <= 2
    assert remembering.compile(parse("iran")).ranked == fresh().compile(parse("iran")).ranked
