"""Which candidate passages hold a phrase: its words in order, each 1 to
`slop` positions after the one before (Whoosh's phrase semantics).

With the scored arrays' positions (`Postings.has_positions`), each
occurrence of a word becomes one sorted key, `passage << 32 | position`,
and each step of the phrase is a `searchsorted` over two sorted arrays.
Without them, positions are decoded from Whoosh's blocks for the
candidates still in reach, rarest word first.

Both charge what they read to the query's `Budget` and stop when it is
spent (passages not reached do not match). A phrase of function words
only (`"of the"`) is tried in its best candidates only (`best_candidates`).
"""

from __future__ import annotations

from bisect import bisect_left

import numpy as np

from app.search.budget import Budget
from app.search.postings import Postings
from app.search.proximity import in_sequence
from app.search.stopwords import STOPWORDS

# A phrase of function words only reads the positions of at most this many
# of the passages that hold all its words: those its words score best in.
FUNCTION_PHRASE_CANDIDATES = 2_000
# Up to this many candidates, a phrase's positions are read as lists and
# followed in Python (`_by_lists`): an array operation costs more than
# looking at the few positions one by one.
FEW_CANDIDATES = 16
# Candidates worked through between two looks at the budget.
CHUNK = 512
_SHIFT = np.int64(32)
_NONE = np.zeros(0, dtype=np.int64)


def best_candidates(words: list[str], candidates: np.ndarray, scored: list, budget: Budget):
    """`candidates`, cut to the best `FUNCTION_PHRASE_CANDIDATES` (by the sum
    of the words' scores, then marked `budget.cut`) for a phrase of function
    words only."""
    if len(candidates) <= FUNCTION_PHRASE_CANDIDATES or not all(w in STOPWORDS for w in words):
        return candidates
    budget.cut = True
    total = np.zeros(len(candidates))
    for ids, scores in scored:
        total += scores[np.searchsorted(ids, candidates)]
    best = np.argpartition(-total, FUNCTION_PHRASE_CANDIDATES)[:FUNCTION_PHRASE_CANDIDATES]
    return np.sort(candidates[best])


def phrase_hits(
    postings: Postings,
    budget: Budget,
    field: str,
    words: list[str],
    candidates: np.ndarray,
    slop: int,
) -> np.ndarray:
    """The candidates (ascending, each holding every one of `words`) where
    `words` stand as a phrase."""
    if postings.has_positions(field):
        if len(candidates) <= FEW_CANDIDATES:
            return _by_lists(postings, budget, field, words, candidates, slop)
        return _by_keys(postings, budget, field, words, candidates, slop)
    return _by_decoding(postings, budget, field, words, candidates, slop)


def _by_keys(postings, budget, field, words, candidates, slop) -> np.ndarray:
    """Each word's occurrences as keys, kept where they follow a kept key of
    the word before by 1 to `slop` positions; after each step only the
    passages still in reach are read for the next word (every candidate
    holds every word)."""
    reachable, within = None, candidates
    for number, word in enumerate(words):
        passages, positions = postings.occurrences(field, word, within, held=True)
        keys = (passages.astype(np.int64) << _SHIFT) | positions
        if not budget.charge_positions(len(keys)):
            return _NONE
        if reachable is not None:
            keys = keys[_follows(reachable, keys, slop)]
            if len(keys) and number + 1 < len(words):
                within = _passages(keys)
        if not len(keys):
            return _NONE
        reachable = keys
    return _NONE if reachable is None else _passages(reachable)


def _by_lists(postings, budget, field, words, candidates, slop) -> np.ndarray:
    """`_by_keys` for a few candidates: the same steps (and the same
    positions charged), over each passage's positions as a list."""
    alive = candidates.tolist()
    reachable: list[list[int]] | None = None
    for word in words:
        lists = postings.position_lists(field, word, alive)
        if not budget.charge_positions(sum(map(len, lists))):
            return _NONE
        if reachable is not None:
            kept_alive, kept_reachable = [], []
            for passage, before, here in zip(alive, reachable, lists, strict=True):
                # a position follows one of `before` by 1 to `slop` (`_follows`)
                kept = [p for p in here if _reached(before, p - slop, p)]
                if kept:
                    kept_alive.append(passage)
                    kept_reachable.append(kept)
            alive, lists = kept_alive, kept_reachable
        if not alive:
            return _NONE
        reachable = lists
    return np.array(alive, dtype=np.int64)


def _reached(ordered: list[int], low: int, high: int) -> bool:
    """Whether the ascending `ordered` holds a number from `low` to below `high`."""
    at = bisect_left(ordered, low)
    return at < len(ordered) and ordered[at] < high


def _follows(ordered: np.ndarray, keys: np.ndarray, slop: int) -> np.ndarray:
    """For each of `keys`, whether the ascending `ordered` holds one of the
    `slop` keys before it (one search: the first held key from `key - slop`
    on must come before `key`)."""
    at = ordered.searchsorted(keys - slop)
    inside = at < len(ordered)
    return inside & (ordered[np.minimum(at, len(ordered) - 1)] < keys)


def _passages(keys: np.ndarray) -> np.ndarray:
    """The passages of ascending keys, ascending, each once."""
    passages = keys >> _SHIFT
    first = np.empty(len(passages), dtype=bool)
    first[:1] = True
    np.not_equal(passages[1:], passages[:-1], out=first[1:])
    return passages[first]


def _by_decoding(postings, budget, field, words, candidates, slop) -> np.ndarray:
    """Positions of the words in the candidates that can still hold the
    phrase. The rarest words are read first, and a candidate is dropped as
    soon as two words read so far stand too far apart (word j must be
    `j - i` to `(j - i) · slop` positions after word i), so the long posting
    lists of common words are read only for the few passages left."""
    sizes = [len(postings.scored(field, w)[0]) for w in words]
    order = sorted(range(len(words)), key=sizes.__getitem__)
    found: dict = {}
    seen: list[int] = []
    alive = candidates
    for index in order:
        word = words[index]
        if word not in found:
            found[word] = _positions(postings, budget, field, word, alive)
        for other in seen:
            first, second, gap = found[words[other]], found[word], index - other
            alive = np.array(
                _keep(
                    budget,
                    alive.tolist(),
                    lambda d, a=first, b=second, g=gap: _within(
                        a.get(d, ()), b.get(d, ()), g, slop
                    ),
                ),
                dtype=np.int64,
            )
        seen.append(index)
        if not len(alive):
            return _NONE
    hits = _keep(
        budget, alive.tolist(), lambda d: in_sequence([found[w].get(d, ()) for w in words], slop)
    )
    return np.array(hits, dtype=np.int64)


def _positions(postings, budget: Budget, field: str, word: str, wanted: np.ndarray) -> dict:
    """`Postings.positions`, a chunk of passages at a time while the budget
    lasts (passages not reached count as not holding the word)."""
    found: dict = {}
    for start in range(0, len(wanted), CHUNK):
        if budget.exhausted():
            break
        chunk = postings.positions(field, word, wanted[start : start + CHUNK])
        budget.charge_positions(sum(map(len, chunk.values())))
        found.update(chunk)
    return found


def _keep(budget: Budget, candidates: list[int], test) -> list[int]:
    """The candidates that pass `test`, while the budget lasts."""
    kept = []
    for start in range(0, len(candidates), CHUNK):
        if budget.exhausted():
            break
        kept += [d for d in candidates[start : start + CHUNK] if test(d)]
    return kept


def _within(first: list[int], second: list[int], gap: int, slop: int) -> bool:
    """True if some position in `second` is `gap` to `gap · slop` positions
    after one in `first` (before it, for a negative gap)."""
    if gap < 0:
        first, second, gap = second, first, -gap
    low, high = gap, gap * slop
    later = set(second)
    return any(p + step in later for p in first for step in range(low, high + 1))
