"""Posting lists decoded from a generation's Whoosh segments, scored on
first use: what `Postings` serves for a field the scored arrays do not
hold (an index with deletions, or one built without the arrays).

Whoosh walks posting lists one document at a time through a tree of Python
matcher objects; on a query of twenty clauses over a few thousand matching
passages that walk is most of the time a search takes. Here each term's
posting list is decoded once, block by block, into an array of document
numbers and an array of its BM25F scores (the formula and statistics Whoosh's
`BM25F` uses, on the same quantized field lengths), and kept in a bounded LRU
cache: a reader's next query reuses the arrays of every word it shares with
earlier ones, as it would reuse pages in the operating system's cache.

Positions are decoded only when a phrase needs them, and only for the
passages that hold every word of the phrase.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from whoosh.codec.whoosh3 import W3LeafMatcher

from indexer.scored_postings import block_arrays

# Decoded postings kept per generation, counted in postings (16 bytes each:
# a 4-byte document number, an 8-byte score, a 4-byte count).
CACHE_POSTINGS = 4_000_000
# Decoded blocks (up to 128 postings with their positions) kept for phrases.
CACHE_BLOCKS = 4_000
_EMPTY_IDS = np.zeros(0, dtype=np.int64)
_EMPTY_SCORES = np.zeros(0, dtype=np.float64)


@dataclass(frozen=True)
class _Block:
    """Where one block of a posting list is: its leaf reader, the last
    document number it holds (index-wide), and its offset in the file."""

    leaf: int
    last: int
    offset: int


@dataclass(frozen=True)
class Decoded:
    """One term's decoded postings: ascending document numbers, their
    scores, the term's count in each, and where its blocks are."""

    ids: np.ndarray
    scores: np.ndarray
    frequencies: np.ndarray
    blocks: list[_Block] | None  # None when the codec has no blocks to seek


class SegmentPostings:
    """Decoded, scored posting lists of one open searcher, LRU-cached.

    :param postings: the `Postings` they serve (its reader, leaves, live
        mask and `bm25` scoring).
    """

    def __init__(self, postings):
        self.postings = postings
        self._cache: OrderedDict = OrderedDict()
        self._blocks: OrderedDict = OrderedDict()
        self._cached_postings = 0
        self._lock = threading.Lock()

    def term(self, field: str, text: str) -> Decoded:
        key = (field, text)
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return cached
        ids, weights, blocks = self._read(field, text)
        counts = weights.astype(np.float64)
        postings = self.postings
        scores = postings.bm25(field, text, ids, counts) if postings.scorable(field) else counts
        term = Decoded(ids, scores, weights, blocks)
        with self._lock:
            self._cache[key] = term
            self._cached_postings += len(ids)
            while self._cached_postings > CACHE_POSTINGS and len(self._cache) > 1:
                _, old = self._cache.popitem(last=False)
                self._cached_postings -= len(old.ids)
        return term

    def positions(self, field: str, text: str, wanted: np.ndarray) -> dict[int, list[int]]:
        """Positions of a term in each of the `wanted` passages (ascending
        document numbers) that hold it, reading only the blocks that can."""
        found: dict[int, list[int]] = {}
        decode = self.postings.searcher.schema[field].format.decode_positions
        term = self.term(field, text)
        if term.blocks is None:  # not Whoosh's own codec: walk the postings
            for leaf, base in self.postings.leaves:
                if (field, text) in leaf:
                    for docnum, value in _values_at(leaf.postings(field, text), wanted - base):
                        found[docnum + base] = decode(value)
            return found
        start = 0
        for block in term.blocks:
            stop = int(np.searchsorted(wanted, block.last, side="right"))
            if stop == start:
                continue
            ids, values = self._block(field, text, block)
            targets = wanted[start:stop]
            at = np.minimum(np.searchsorted(ids, targets), len(ids) - 1)
            present = ids[at] == targets
            for index, docnum in zip(at[present].tolist(), targets[present].tolist(), strict=True):
                found[docnum] = decode(values[index])
            start = stop
            if start == len(wanted):
                break
        return found

    def _block(self, field: str, text: str, block: _Block) -> tuple[np.ndarray, tuple]:
        """One posting block's document numbers and raw values (LRU-cached:
        the blocks of common words are what phrases read again and again)."""
        key = (field, text, block.leaf, block.offset)
        with self._lock:
            cached = self._blocks.get(key)
            if cached is not None:
                self._blocks.move_to_end(key)
                return cached
        leaf, base = self.postings.leaves[block.leaf]
        matcher = leaf.postings(field, text)
        matcher._goto(block.offset)
        matcher._read_ids()
        matcher._read_values()
        entry = (np.asarray(matcher._ids, dtype=np.int64) + base, matcher._values)
        with self._lock:
            self._blocks[key] = entry
            while len(self._blocks) > CACHE_BLOCKS:
                self._blocks.popitem(last=False)
        return entry

    def _read(self, field: str, text: str):
        id_parts, weight_parts, blocks = [], [], []
        for number, (leaf, base) in enumerate(self.postings.leaves):
            if (field, text) not in leaf:
                continue
            ids, weights, offsets = _decode(leaf.postings(field, text))
            id_parts.append(ids + base)
            weight_parts.append(weights)
            if blocks is not None and offsets is not None:
                blocks += [_Block(number, last + base, offset) for last, offset in offsets]
            else:
                blocks = None
        if not id_parts:
            return _EMPTY_IDS, _EMPTY_SCORES, []
        ids = np.concatenate(id_parts)
        weights = np.concatenate(weight_parts)
        live = self.postings.live
        if live is not None:
            keep = live[ids]
            ids, weights = ids[keep], weights[keep]
        return ids.astype(np.int32), weights.astype(np.float32), blocks


def _decode(matcher):
    """All (ids, weights) of a posting list, and where its blocks start (the
    last id and file offset of each): a block at a time for Whoosh's own
    codec, a posting at a time (and no blocks) for anything else."""
    ids, weights = [], []
    if isinstance(matcher, W3LeafMatcher):
        offsets = []
        offset = matcher._baseoffset
        while matcher.is_active():
            block_ids, block_weights = block_arrays(matcher)
            ids.append(block_ids)
            weights.append(block_weights)
            offsets.append((matcher._maxid, offset))
            offset = matcher._nextoffset
            matcher._next_block()
        if ids:
            return np.concatenate(ids), np.concatenate(weights), offsets
        return _EMPTY_IDS, _EMPTY_SCORES, offsets
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return np.asarray(ids, dtype=np.int64), np.asarray(weights, dtype=np.float64), None


def _values_at(matcher, wanted: np.ndarray):
    """(docnum, raw value) for each wanted docnum (ascending) in a posting list."""
    for target in wanted.tolist():
        if not matcher.is_active():
            return
        matcher.skip_to(target)
        if matcher.is_active() and matcher.id() == target:
            yield target, matcher.value()
