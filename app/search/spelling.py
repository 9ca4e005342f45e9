""" "Did you mean": the reader's query with unknown words replaced by their
likeliest intended forms, written the way the reader wrote them."""

from __future__ import annotations

import re

from app.search.vocabulary import Vocabulary


def did_you_mean(query: str, words: list[str], vocabulary: Vocabulary) -> str | None:
    """`query` with each of its folded content `words` the vocabulary would
    correct replaced, or None when nothing changed."""
    suggestion, changed = query, False
    for word in dict.fromkeys(words):
        correction = vocabulary.correction(word)
        if correction and correction != word:
            pattern = re.compile(rf"(?<!\w){re.escape(word)}(?!\w)", re.I)
            suggestion, count = pattern.subn(
                lambda typed, c=correction: same_case(typed.group(), c), suggestion
            )
            changed = changed or count > 0
    return suggestion if changed else None


def same_case(typed: str, correction: str) -> str:
    """`correction` written the way the reader wrote the word: HEKMAT, Hekmat, hekmat."""
    if typed.isupper() and len(typed) > 1:
        return correction.upper()
    if typed[:1].isupper():
        return correction[:1].upper() + correction[1:]
    return correction
