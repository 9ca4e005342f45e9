"""Sparse sets of scored passages: ascending passage numbers with a score
each, and the few operations the evaluator combines them with.

A query's clauses touch the postings of their words, not the whole index,
so each result holds only the passages it matched (`Matches`), and every
operation costs what its inputs hold: a sum is a stable sort and one
`bincount` over the concatenated postings, an intersection is a
`searchsorted` of the smaller side into the larger. Only a sum whose
postings outnumber a fraction of the index (`DENSE_SHARE`) counts into an
array the size of the index, where that is cheaper than sorting.

Scores are added in the order the dense evaluation added them (each
passage's terms left to right, starting from 0.0), so every sum is the same
float to the last bit and rankings, ties included, do not change.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# A sum counts into a dense array once its postings reach this share of the
# passages: below it, sorting the postings is cheaper than the array.
DENSE_SHARE = 1 / 4
_NO_IDS = np.zeros(0, dtype=np.int64)
_NO_SCORES = np.zeros(0, dtype=np.float64)


@dataclass(slots=True)
class Matches:
    """The passages a query matches (`ids`, ascending, each once) and their
    scores (`scores[i]` is passage `ids[i]`'s). Never changed once made:
    the evaluator shares one between every clause equal to its query."""

    ids: np.ndarray
    scores: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)

    def at(self, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each of `wanted` (ascending): whether it matched, and its
        score (0.0 where it did not)."""
        present, index = locate(self.ids, wanted)
        scores = np.zeros(len(wanted))
        scores[present] = self.scores[index[present]]
        return present, scores

    def scores_at(self, held: np.ndarray) -> np.ndarray:
        """The scores of `held` (ascending), every one of them matched."""
        return self.scores[self.ids.searchsorted(held)]

    def mask(self, size: int) -> np.ndarray:
        """The matched passages as a mask over `size` passages."""
        mask = np.zeros(size, dtype=bool)
        mask[self.ids] = True
        return mask


def nothing() -> Matches:
    return Matches(_NO_IDS, _NO_SCORES)


def locate(ids: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each of `wanted`: whether the ascending `ids` hold it, and where."""
    if not len(ids):
        return np.zeros(len(wanted), dtype=bool), np.zeros(len(wanted), dtype=np.int64)
    index = np.minimum(np.searchsorted(ids, wanted), len(ids) - 1)
    return ids[index] == wanted, index


def intersect(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """The numbers both ascending arrays hold, ascending."""
    if len(first) > len(second):
        first, second = second, first
    present, _ = locate(second, first)
    return first if present.all() else first[present]


def without(ids: np.ndarray, removed: np.ndarray) -> np.ndarray:
    """`ids` (ascending) less the numbers in `removed` (ascending)."""
    if not len(removed) or not len(ids):
        return ids
    present, _ = locate(removed, ids)
    return ids[~present]


def union(parts: list[np.ndarray]) -> np.ndarray:
    """Every number any of the ascending arrays holds, ascending, once."""
    parts = [part for part in parts if len(part)]
    if not parts:
        return _NO_IDS
    if len(parts) == 1:
        return parts[0]
    return np.unique(np.concatenate(parts))


def summed(parts: list[tuple[np.ndarray, np.ndarray]], size: int) -> Matches:
    """The sum of scored passage sets (`(ids, scores)`, each ascending and
    unique): every passage any holds, its scores added in `parts` order."""
    parts = [part for part in parts if len(part[0])]
    if not parts:
        return nothing()
    if len(parts) == 1:
        ids, scores = parts[0]
        return Matches(ids, 0.0 + scores)
    ids = np.concatenate([part[0] for part in parts])
    scores = np.concatenate([part[1] for part in parts])
    if len(ids) >= DENSE_SHARE * size:
        totals = np.bincount(ids, weights=scores, minlength=size)
        matched = np.flatnonzero(np.bincount(ids, minlength=size))
        return Matches(matched, totals[matched])
    # A stable sort keeps each passage's scores in `parts` order; timsort
    # merges the already ascending runs of the parts in about linear time.
    order = np.argsort(ids, kind="stable")
    ordered = ids[order]
    first = np.empty(len(ordered), dtype=bool)
    first[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    matched = ordered[first]
    slot = np.cumsum(first) - 1
    return Matches(matched, np.bincount(slot, weights=scores[order], minlength=len(matched)))
