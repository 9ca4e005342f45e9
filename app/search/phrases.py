"""Phrase matching over the scored arrays' positions, all at once.

Each occurrence of a word becomes one sorted key, `passage << 32 | position`.
A phrase matches where a key of each word stands 1 to `slop` positions
after a reachable key of the word before (Whoosh's phrase semantics, as in
`evaluator._in_sequence`): each step is a `searchsorted` over two sorted
arrays, instead of a loop over passages and their position lists.
"""

from __future__ import annotations

import numpy as np

from app.search.budget import Budget
from app.search.postings import Postings

_SHIFT = np.int64(32)


def phrase_hits(
    postings: Postings,
    budget: Budget,
    field: str,
    words: list[str],
    candidates: np.ndarray,
    slop: int,
) -> np.ndarray:
    """The candidates (ascending) where `words` stand in order within `slop`;
    empty if the budget runs out on the way."""
    reachable = None
    for word in words:
        passages, positions = postings.occurrences(field, word, candidates)
        keys = (passages.astype(np.int64) << _SHIFT) | positions
        if not budget.charge_positions(len(keys)):
            return np.zeros(0, dtype=np.int64)
        if reachable is None:
            reachable = keys
            continue
        follows = np.zeros(len(keys), dtype=bool)
        for step in range(1, slop + 1):
            follows |= _contains(reachable, keys - step)
        reachable = keys[follows]
        if not len(reachable):
            break
    if reachable is None:
        return np.zeros(0, dtype=np.int64)
    return np.unique(reachable >> _SHIFT)


def _contains(ordered: np.ndarray, values: np.ndarray) -> np.ndarray:
    """For each of `values`, whether the ascending array `ordered` holds it."""
    if not len(ordered):
        return np.zeros(len(values), dtype=bool)
    at = np.minimum(np.searchsorted(ordered, values), len(ordered) - 1)
    return ordered[at] == values
