"""Vocabulary look-ups on a small hand-made vocabulary: typo budgets, typo
and transliteration variants, completions, "did you mean" and suggestions."""

from __future__ import annotations

import pytest

from app.search.vocabulary import Vocabulary, skeleton, suggestions, typo_budget
from indexer.analysis import stem

FREQUENCIES = {
    "hekmat": 40, "hekmatist": 6, "taqvaee": 3, "taghvaee": 2, "koorosh": 2, "koroosh": 1,
    "party": 90, "parties": 12, "draft": 30, "craft": 25, "drift": 20, "television": 4,
}  # fmt: skip
VOCABULARY = Vocabulary({form: [stem(form), n] for form, n in FREQUENCIES.items()}, 1000)


@pytest.mark.parametrize(("word", "budget"), [("iran", 0), ("hekma", 1), ("hekmatist", 2)])
def test_typo_budget(word, budget):
    assert typo_budget(word) == budget


def test_transliterations_share_a_skeleton():
    assert skeleton("taqvaee") == skeleton("taghvaee")
    assert skeleton("koorosh") == skeleton("koroosh")
    assert skeleton("iran") is None  # too short to guess at


def test_a_typo_finds_the_word_it_misspells():
    assert VOCABULARY.near("hekmta", 1) == ["hekmat"]
    assert "hekmat" in VOCABULARY.variants("hekmta")


def test_a_name_finds_its_other_spellings():
    assert VOCABULARY.variants("taqvaee") == ["taghvaee"]
    assert "koroosh" in VOCABULARY.variants("koorosh")


def test_a_common_word_is_not_expanded():
    """ "draft" is not a typo of "craft": common words keep their own passages."""
    assert VOCABULARY.variants("draft") == []
    assert VOCABULARY.variants("party") == []


def test_completions_most_frequent_first():
    assert VOCABULARY.completions("hekm") == ["hekmat", "hekmatist"]
    assert VOCABULARY.completions("part") == ["party", "parties"]
    assert VOCABULARY.completions("zz") == []


@pytest.mark.parametrize(
    ("typed", "corrected"),
    [("hekmatsit", "hekmatist"), ("televison", "television"), ("hekmat", None), ("parti", None)],
)
def test_correction(typed, corrected):
    """A known word, or one whose stem is known ("parti"), needs no correction."""
    assert VOCABULARY.correction(typed) == corrected


def test_suggestions_complete_the_last_word_and_match_titles():
    titles = ["Worker-communist Party of Iran", "An interview"]
    assert suggestions("Mansoor hekm", VOCABULARY, titles) == [
        "Mansoor hekmat",
        "Mansoor hekmatist",
    ]
    assert suggestions("part", VOCABULARY, titles) == ["party", "parties", titles[0]]
    assert suggestions("  ", VOCABULARY, titles) == []
