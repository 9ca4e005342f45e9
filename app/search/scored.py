"""A generation's scored posting arrays (`indexer.scored_postings`), read
whole when the generation opens: a term's postings, scores and positions
are slices of arrays, and nothing is decoded per query. They are read, not
memory-mapped, so that a file truncated while serving cannot crash a worker
with SIGBUS (as `safe_storage` does for the segment); opened in the master
before the workers fork, their pages are shared by every worker.

`open_scored` is the one function a generation's opening calls; it answers
None (the search core then decodes Whoosh's postings as before) for a
generation built without the arrays, or with other BM25F parameters.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from indexer.scored_postings import META, POSITIONS_FIELD, parameters

_EMPTY_IDS = np.zeros(0, dtype=np.int32)


@dataclass(frozen=True)
class FieldArrays:
    """One field's arrays; `offsets` and `positions` only for the text."""

    index: dict[str, int]  # term -> its number
    starts: np.ndarray
    ids: np.ndarray
    counts: np.ndarray
    scores: np.ndarray
    offsets: np.ndarray | None = None
    positions: np.ndarray | None = None

    def span(self, text: str) -> tuple[int, int]:
        number = self.index.get(text)
        if number is None:
            return 0, 0
        return int(self.starts[number]), int(self.starts[number + 1])

    def occurrences(self, text: str, within: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(passage, position) of each occurrence of `text` in the passages
        `within` (ascending), ascending: only their positions are read."""
        start, end = self.span(text)
        if start == end or self.offsets is None or not len(within):
            return _EMPTY_IDS, _EMPTY_IDS
        ids = self.ids[start:end]
        at = np.minimum(np.searchsorted(ids, within), len(ids) - 1)
        postings = start + at[ids[at] == within]
        firsts, lasts = self.offsets[postings], self.offsets[postings + 1]
        counts = lasts - firsts
        # Each posting's run of positions, gathered in one index array.
        runs = np.repeat(firsts - np.cumsum(counts) + counts, counts)
        gathered = runs + np.arange(len(runs))
        return np.repeat(self.ids[postings], counts), self.positions[gathered]


def open_scored(folder: Path) -> dict[str, FieldArrays] | None:
    """The arrays of generation `folder` by field, or None without (usable) ones."""
    folder = Path(folder)
    try:
        meta = json.loads((folder / META).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if meta != json.loads(json.dumps(parameters())):
        return None
    opened = {}
    for field in meta["fields"]:
        prefix = folder / f"scored-{field}"
        terms = (folder / f"scored-{field}-terms.txt").read_text("utf-8")
        words = terms.split("\n") if terms else []
        with_positions = field == POSITIONS_FIELD
        opened[field] = FieldArrays(
            index=dict(zip(words, range(len(words)), strict=True)),
            starts=_read(prefix, "starts"),
            ids=_read(prefix, "ids"),
            counts=_read(prefix, "counts"),
            scores=_read(prefix, "scores"),
            offsets=_read(prefix, "offsets") if with_positions else None,
            positions=_read(prefix, "positions") if with_positions else None,
        )
        if len(opened[field].starts) != len(words) + 1:
            raise ValueError(f"scored-{field}: {len(words)} terms but other starts")
    return opened


def _read(prefix: Path, name: str) -> np.ndarray:
    """One array, read whole (a short file raises ValueError, never a signal)."""
    return np.load(f"{prefix}-{name}.npy", allow_pickle=False)
