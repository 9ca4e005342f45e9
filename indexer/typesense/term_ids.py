"""A passage's analysed text as numbers: each term the Whoosh analysis chain
indexes (stems and `=exact` forms, compounds whole and by part), in position
order, as a term id, pushed with the passage (`text_ids`) so that the
Typesense engine re-scores a window of candidates without reading words.

Counting the terms of SciFact's windows from a text of words (`Counter`
over each passage's split terms) was a sixth of a search's time; decoding
the ids of the whole window is a few NumPy operations (`decode`). The value
is also less than half the bytes of the words (4 characters a term against
7 on SciFact), and those bytes were the biggest part of a window's answer.

Each term is four base-64 digits (24 bits). The top bit says that the term
stands at the same position as the one before it (a word's stem and its
exact form, a compound's parts); the other 23 bits are the id. Ids are given
in the order terms are first met while pushing (`TermIds`), and the terms,
in id order, are stored with the collection's statistics. Id 0 is no term:
a position the analysis left empty.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from indexer.errors import BuildError

IDS_FIELD = "text_ids"
WIDTH = 4
SAME_POSITION = 1 << 23
MOST_TERMS = SAME_POSITION - 1  # ids 1 .. 8,388,607
NO_TERM = 0
_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz+/"
_VALUES = np.zeros(256, dtype=np.int64)
_VALUES[np.frombuffer(_DIGITS.encode("ascii"), dtype=np.uint8)] = np.arange(64)


class TermIds:
    """The ids of one push's terms, given as they are first met."""

    def __init__(self, most: int = MOST_TERMS):
        self.terms: list[str] = [""]  # id 0: no term
        self._ids: dict[str, int] = {}
        self._most = most

    def encoded(self, groups: list[list[str]]) -> str:
        """The `text_ids` value of a passage, from its terms grouped by position."""
        digits = []
        for group in groups:
            for number, term in enumerate(group or [None]):
                word = NO_TERM if term is None else self._id(term)
                if number:
                    word |= SAME_POSITION
                digits.append(
                    _DIGITS[word >> 18]
                    + _DIGITS[(word >> 12) & 63]
                    + _DIGITS[(word >> 6) & 63]
                    + _DIGITS[word & 63]
                )
        return "".join(digits)

    def _id(self, term: str) -> int:
        found = self._ids.get(term)
        if found is None:
            found = len(self.terms)
            if found > self._most:
                raise BuildError(
                    f"the passages' texts hold more than {self._most:,} distinct terms, "
                    "more than a Typesense collection of Kavosh can number"
                )
            self._ids[term] = found
            self.terms.append(term)
        return found


@dataclass(frozen=True)
class DecodedWindow:
    """Every term of a window of passages, as parallel arrays in passage order.

    `bounds[i]:bounds[i + 1]` are passage i's terms; `lengths` counts its
    terms (its field length), `position_counts` its positions.
    """

    ids: np.ndarray
    passages: np.ndarray  # which passage each term is in
    positions: np.ndarray  # its position in that passage
    bounds: np.ndarray
    lengths: np.ndarray
    position_counts: np.ndarray


def decode(values: list[str]) -> DecodedWindow:
    """The terms of many `text_ids` values at once. A value that is not one
    (not ASCII, or not whole terms) counts as a passage without terms."""
    values = [v if v.isascii() and len(v) % WIDTH == 0 else "" for v in values]
    sizes = np.fromiter((len(v) // WIDTH for v in values), dtype=np.int64, count=len(values))
    joined = np.frombuffer("".join(values).encode("ascii"), dtype=np.uint8)
    digits = _VALUES[joined].reshape(-1, WIDTH)
    words = (digits[:, 0] << 18) | (digits[:, 1] << 12) | (digits[:, 2] << 6) | digits[:, 3]
    ids = words & MOST_TERMS
    passages = np.repeat(np.arange(len(values)), sizes)
    bounds = np.concatenate(([0], np.cumsum(sizes)))
    counted = np.cumsum(words < SAME_POSITION)  # positions up to and including each term
    before = np.concatenate(([0], counted))[bounds[:-1]]  # positions before each passage
    positions = counted - 1 - before[passages]
    holds = np.bincount(passages[ids != NO_TERM], minlength=len(values))
    return DecodedWindow(
        ids=ids,
        passages=passages,
        positions=positions,
        bounds=bounds,
        lengths=holds,
        position_counts=np.concatenate(([0], counted))[bounds[1:]] - before,
    )
