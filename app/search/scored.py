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
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from indexer.scored_postings import META, POSITIONS_FIELD, parameters

_EMPTY_IDS = np.zeros(0, dtype=np.int32)
# Terms whose (passages, scores) slices a field keeps made (forgotten all at
# once past this many): a query's words are read again by its tiers, and
# common words by most queries; a slice costs a dictionary look-up then.
SLICES_KEPT = 20_000


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
    _slices: dict = field(default_factory=dict, repr=False, compare=False)

    def scored(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(passages, scores) of `text`, ascending (empty for an unknown term)."""
        found = self._slices.get(text)
        if found is None:
            start, end = self.span(text)
            found = (self.ids[start:end], self.scores[start:end])
            if len(self._slices) >= SLICES_KEPT:
                self._slices.clear()
            self._slices[text] = found
        return found

    def span(self, text: str) -> tuple[int, int]:
        number = self.index.get(text)
        if number is None:
            return 0, 0
        return int(self.starts[number]), int(self.starts[number + 1])

    def occurrences(
        self, text: str, within: np.ndarray, held: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """(passage, position) of each occurrence of `text` in the passages
        `within` (ascending), ascending: only their positions are read.
        `held` says every one of `within` holds `text`, so none is looked for."""
        start, end = self.span(text)
        if start == end or self.offsets is None or not len(within):
            return _EMPTY_IDS, _EMPTY_IDS
        ids = self.ids[start:end]
        if held and len(within) == end - start:  # all its postings: their runs are one slice
            bounds = self.offsets[start : end + 1]
            return ids.repeat(bounds[1:] - bounds[:-1]), self.positions[bounds[0] : bounds[-1]]
        at = ids.searchsorted(within)
        if not held:
            at = at[ids[np.minimum(at, len(ids) - 1)] == within]
        firsts = self.offsets[start + at]
        counts = self.offsets[start + at + 1] - firsts
        # Each posting's run of positions, gathered in one index array.
        runs = (firsts - counts.cumsum() + counts).repeat(counts)
        gathered = runs + np.arange(len(runs))
        return ids[at].repeat(counts), self.positions[gathered]

    def position_lists(self, text: str, within: list[int]) -> list[list[int]]:
        """The positions of `text` in each of the passages `within`
        (ascending, every one holding it), as lists: for a few passages,
        where a list costs less than an array operation."""
        start, end = self.span(text)
        at = self.ids[start:end].searchsorted(within) + start
        positions = self.positions
        return [
            positions[first:end].tolist()
            for first, end in zip(
                self.offsets[at].tolist(), self.offsets[at + 1].tolist(), strict=True
            )
        ]


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
    for name in meta["fields"]:
        prefix = folder / f"scored-{name}"
        terms = (folder / f"scored-{name}-terms.txt").read_text("utf-8")
        words = terms.split("\n") if terms else []
        with_positions = name == POSITIONS_FIELD
        opened[name] = FieldArrays(
            index=dict(zip(words, range(len(words)), strict=True)),
            starts=_read(prefix, "starts"),
            ids=_read(prefix, "ids"),
            counts=_read(prefix, "counts"),
            scores=_read(prefix, "scores"),
            offsets=_read(prefix, "offsets") if with_positions else None,
            positions=_read(prefix, "positions") if with_positions else None,
        )
        if len(opened[name].starts) != len(words) + 1:
            raise ValueError(f"scored-{name}: {len(words)} terms but other starts")
    return opened


def _read(prefix: Path, name: str) -> np.ndarray:
    """One array, read whole (a short file raises ValueError, never a signal)."""
    return np.load(f"{prefix}-{name}.npy", allow_pickle=False)
