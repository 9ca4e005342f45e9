"""The analysis chain, word by word: folding (case, accents, Arabic letters
to Persian, digits), Snowball stemming, compounds, and the index terms the
full-text fields hold."""

from __future__ import annotations

import pytest

from indexer.analysis import compound_forms, exact_term, fold, stem, stemming_analyzer, words


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("Running", "running"),
        ("Javânân", "javanan"),
        ("naïve", "naive"),
        ("Straße", "strasse"),
        ("كمونيست", "کمونیست"),  # Arabic kaf and yeh become Persian
        ("ي", "ی"),
        ("ك", "ک"),
        ("۱۲۳", "123"),  # Persian digits
        ("١٢٣", "123"),  # Arabic-Indic digits
        ("حزب", "حزب"),
    ],
)
def test_fold(typed, folded):
    assert fold(typed) == folded


@pytest.mark.parametrize(
    ("form", "stemmed"),
    [("runs", "run"), ("running", "run"), ("ran", "ran"), ("naive", "naiv"), ("حزب", "حزب")],
)
def test_snowball_stems(form, stemmed):
    assert stem(form) == stemmed


def test_runs_and_running_are_one_index_term():
    analyze = stemming_analyzer(exact_forms=False)
    assert [t.text for t in analyze("runs")] == [t.text for t in analyze("Running")] == ["run"]


def test_the_text_field_keeps_exact_forms_beside_stems():
    analyze = stemming_analyzer()
    assert [t.text for t in analyze("The runners were running")] == [
        "the", "runner", "=runners", "were", "run", "=running",
    ]  # fmt: skip
    assert exact_term("running") == "=running"
    assert exact_term("ran") is None  # its own stem: nothing to add


@pytest.mark.parametrize(
    ("folded", "whole", "parts"),
    [
        ("worker-communist", ("worker-communist",), ("worker", "communist")),
        ("wpi-h", ("wpi-h",), ("wpi", "h")),
        ("12,000", ("12,000", "12000"), ()),  # a grouped number, also ungrouped
        ("o'brien", ("o'brien",), ()),
        ("javanan", ("javanan",), ()),
    ],
)
def test_compounds(folded, whole, parts):
    assert compound_forms(folded) == (whole, parts)


def test_a_compound_is_indexed_whole_and_in_parts():
    analyze = stemming_analyzer(exact_forms=False)
    assert [t.text for t in analyze("Worker-communist WPI-H")] == [
        "worker-communist", "worker", "communist", "wpi-h", "wpi", "h",
    ]  # fmt: skip


def test_words_keeps_compounds_whole_and_splits_at_a_half_space():
    """A zero-width non-joiner (the Persian half space before a suffix)
    separates words, as the index's tokenizer does."""
    assert words("Worker-communist party, کتاب\u200cها and حزب كمونيست") == [
        "worker-communist", "party", "کتاب", "ها", "and", "حزب", "کمونیست",
    ]  # fmt: skip
