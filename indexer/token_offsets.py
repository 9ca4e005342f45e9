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

from pathlib import Path

import numpy as np

from indexer.analysis import WORD_PATTERN, compound_forms, fold

FIELD = "text"
FIRSTS = f"offsets-{FIELD}-firsts.npy"
STARTS = f"offsets-{FIELD}-starts.npy"
_JOINERS = frozenset("'’-.,")


def write_token_offsets(folder: Path, reader) -> None:
    """Write the two arrays above for every passage `reader` holds, in number order."""
    firsts = np.zeros(reader.doc_count_all() + 1, dtype=np.int64)
    starts: list[int] = []
    for docnum, fields in reader.iter_docs():
        firsts[docnum] = len(starts)
        starts.extend(position_starts(fields.get(FIELD) or ""))
        firsts[docnum + 1] = len(starts)
    np.save(Path(folder) / FIRSTS, firsts)
    np.save(Path(folder) / STARTS, np.asarray(starts, dtype=np.int32))


def position_starts(text: str) -> list[int]:
    """The character start of the word at each index position of `text`."""
    found: list[int] = []
    for match in WORD_PATTERN.finditer(text):
        word = match.group()
        if word.isascii() and _JOINERS.isdisjoint(word):  # one position: no need to fold
            found.append(match.start())
            continue
        _, parts = compound_forms(fold(word))
        found.extend([match.start()] * (len(parts) or 1))
    return found
