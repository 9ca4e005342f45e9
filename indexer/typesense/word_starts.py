"""Where each position of a passage's text starts, pushed with the passage
(`text_starts`), so that the Typesense engine marks the words a query
matched without analysing the text again, as the Whoosh engine marks them
from the offsets its generations store (`indexer.token_offsets`).

The positions are the analysis chain's (`token_offsets.position_starts`:
one per word, one per part of a compound, every part at the start of its
word), the same the passage's `text_ids` numbers. Each start is written
in three base-64 digits (up to 262,143 characters into the text), so the
start of position p is read from the value's characters 3p to 3p + 3,
without decoding the rest: a few hundred bytes a passage.
"""

from __future__ import annotations

from indexer.token_offsets import position_starts

STARTS_FIELD = "text_starts"
WIDTH = 3
_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz+/"
_VALUE = {digit: value for value, digit in enumerate(_DIGITS)}
_LIMIT = len(_DIGITS) ** WIDTH


def encoded_starts(text: str) -> str | None:
    """The `text_starts` value of a passage text (None past the longest
    text three digits can point into: it is then marked by analysis)."""
    starts = position_starts(text)
    if starts and starts[-1] >= _LIMIT:
        return None
    return "".join(_DIGITS[s >> 12] + _DIGITS[(s >> 6) & 63] + _DIGITS[s & 63] for s in starts)


def positions_in(value: str) -> int:
    """How many positions a `text_starts` value holds."""
    return len(value) // WIDTH


def start_of(value: str, position: int) -> int:
    """The character where `position`'s word starts, from a `text_starts` value."""
    at = position * WIDTH
    return (_VALUE[value[at]] << 12) | (_VALUE[value[at + 1]] << 6) | _VALUE[value[at + 2]]
