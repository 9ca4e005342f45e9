"""Where each index position of a passage's text starts, in characters,
recorded once when a generation is built, so that an excerpt can mark the
words a query matched from the postings' positions instead of analysing
the passage again (as Lucene's postings highlighter does).

Positions are numbered as the analysis chain numbers them: one per word
found by `WORD_PATTERN`, and one per part of a compound word, every part
pointing at the start of the whole word (the highlighter marks the whole
word, as it always has). Two files beside the scored postings:

    offsets-text-firsts.npy   int64: where each passage's positions start (and the end)
    offsets-text-starts.npy   int32: the character where each position's word starts

A word's end is not stored: the search core finds it with `WORD_PATTERN`
at the start, for the few words it marks (the same match the analysis made
there). A generation without these files is highlighted by analysis, as before.
"""

from __future__ import annotations

import re
from array import array
from pathlib import Path

import numpy as np

from indexer.analysis import WORD_PATTERN, compound_forms, fold
from indexer.npy_stream import NpyStream

FIELD = "text"
FIRSTS = f"offsets-{FIELD}-firsts.npy"
STARTS = f"offsets-{FIELD}-starts.npy"
_JOINERS = frozenset("'’-.,")
# A joiner inside a word of ASCII text (`WORD_PATTERN`'s word characters are
# `\w` there): a word that may take more than one position.
_JOINED = re.compile(r"\w['\-.,]\w", re.ASCII)


class TokenOffsets:
    """The two arrays above, written passage by passage as the build adds
    them (`bulk.BulkWriter`), a chunk of positions at a time: the starts
    of a corpus are never held whole, nor read back from the segment."""

    # Positions held before they are appended to the file.
    CHUNK = 1 << 18

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._firsts = array("q", [0])
        self._pending: list[int] = []
        self._placed = 0
        self._starts = NpyStream(self.folder / STARTS, np.int32)

    def add(self, text: str) -> None:
        """The next passage's text (its number is the count added before)."""
        found = position_starts(text)
        self._placed += len(found)
        self._firsts.append(self._placed)
        self._pending += found
        if len(self._pending) >= self.CHUNK:
            self._starts.write(self._pending)
            self._pending = []

    def save(self) -> None:
        self._starts.write(self._pending)
        self._pending = []
        self._starts.close()
        np.save(self.folder / FIRSTS, np.frombuffer(self._firsts, dtype=np.int64))

    def abandon(self) -> None:
        self._starts.abandon()


def position_starts(text: str) -> list[int]:
    """The character start of the word at each index position of `text`."""
    if text.isascii() and not _JOINED.search(text):  # every word takes one position
        return [match.start() for match in WORD_PATTERN.finditer(text)]
    found: list[int] = []
    for match in WORD_PATTERN.finditer(text):
        word = match.group()
        if word.isascii() and _JOINERS.isdisjoint(word):  # one position: no need to fold
            found.append(match.start())
            continue
        _, parts = compound_forms(fold(word))
        found.extend([match.start()] * (len(parts) or 1))
    return found
