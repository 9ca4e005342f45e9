"""Posting lists of one index generation as NumPy arrays, scored once.

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

A generation built with scored arrays (`indexer.scored_postings`, opened by
`scored.open_scored`) needs none of that for its text fields: a term's
postings, scores and positions are slices of arrays read once per generation, scored
when the generation was built by the same `bm25f`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from whoosh.codec.whoosh3 import W3LeafMatcher

from app.search.scored import FieldArrays
from indexer.bm25f import bm25f, idf
from indexer.scored_postings import LENGTH_OF_BYTE, block_arrays, field_length_bytes

# Decoded postings kept per generation, counted in postings (16 bytes each:
# a 4-byte document number, an 8-byte score, a 4-byte count).
CACHE_POSTINGS = 4_000_000
# Terms a server decodes when it opens an index (see `most_frequent`).
WARM_TERMS = 3_000
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
class _Term:
    ids: np.ndarray
    scores: np.ndarray
    frequencies: np.ndarray  # the term's weight in each passage: its count there
    blocks: list[_Block] | None  # None when the codec has no blocks to seek


class Postings:
    """Scored posting arrays for the terms of one open searcher.

    :param searcher: a Whoosh searcher; its reader may have several segments.
    :param b: BM25 length normalization per field name (fields not named use
        `default_b`), as `whoosh.scoring.BM25F` takes them.
    :param arrays: the generation's scored arrays by field (`scored.open_scored`),
        used for the fields they cover when the index has no deletions.
    """

    def __init__(
        self,
        searcher,
        k1: float,
        default_b: float,
        b: dict[str, float],
        arrays: dict[str, FieldArrays] | None = None,
    ):
        self.searcher = searcher
        self.reader = searcher.reader()
        self.leaves = list(self.reader.leaf_readers())
        self.doc_count = self.reader.doc_count_all()
        self.k1, self.default_b, self.field_b = k1, default_b, b
        self._lengths: dict[str, np.ndarray] = {}
        self._cache: OrderedDict = OrderedDict()
        self._blocks: OrderedDict = OrderedDict()
        self._cached_postings = 0
        self._lock = threading.Lock()
        self.live = self._live_mask()
        self.arrays = arrays if arrays and self.live is None else {}

    # -- terms ---------------------------------------------------------------------

    def scored(self, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(document numbers, scores) of one term, ascending by number.

        Text fields are scored by BM25F; fields without lengths (ids, filter
        columns) score each posting by its weight, as Whoosh does.
        """
        term = self._term(field, text)
        return term.ids, term.scores

    def frequencies(self, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(document numbers, the term's count in each), for scores of ours."""
        term = self._term(field, text)
        return term.ids, term.frequencies

    def _term(self, field: str, text: str) -> _Term:
        stored = self.arrays.get(field)
        if stored is not None:
            start, end = stored.span(text)
            ids = stored.ids[start:end]
            return _Term(ids, stored.scores[start:end], stored.counts[start:end], None)
        key = (field, text)
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return cached
        ids, weights, blocks = self._read(field, text)
        counts = weights.astype(np.float64)
        scores = self._bm25(field, text, ids, counts) if self._scorable(field) else counts
        term = _Term(ids, scores, weights, blocks)
        with self._lock:
            self._cache[key] = term
            self._cached_postings += len(ids)
            while self._cached_postings > CACHE_POSTINGS and len(self._cache) > 1:
                _, old = self._cache.popitem(last=False)
                self._cached_postings -= len(old.ids)
        return term

    def most_frequent(self, field: str, budget: int, limit: int = WARM_TERMS) -> list[str]:
        """The field's `limit` most frequent terms, by falling document
        frequency, as many as fit in `budget` postings (what a server warms:
        the long tail of rare words costs a read each and is rarely asked).
        Empty for a field the scored arrays hold: nothing to decode there."""
        if field in self.arrays:
            return []
        frequencies = sorted(
            ((info.doc_frequency(), term) for term, info in self.reader.iter_field(field)),
            reverse=True,
        )
        chosen = []
        for frequency, term in frequencies[:limit]:
            if frequency <= budget:
                budget -= frequency
                chosen.append(_text(term))
        return chosen

    def has(self, field: str, text: str) -> bool:
        stored = self.arrays.get(field)
        if stored is not None:
            return text in stored.index
        return (field, text) in self.reader

    def has_positions(self, field: str) -> bool:
        """Whether the scored arrays hold `field`'s positions (`occurrences`)."""
        stored = self.arrays.get(field)
        return stored is not None and stored.positions is not None

    def occurrences(
        self, field: str, text: str, within: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(passage, position) of each occurrence of a term in the passages
        `within`, ascending, from the scored arrays (see `has_positions`)."""
        return self.arrays[field].occurrences(text, within)

    def expand_prefix(self, field: str, prefix: str) -> list[str]:
        return [_text(t) for t in self.reader.expand_prefix(field, prefix)]

    def positions(self, field: str, text: str, wanted: np.ndarray) -> dict[int, list[int]]:
        """Positions of a term in each of the `wanted` passages (ascending
        document numbers) that hold it, reading only the blocks that can."""
        found: dict[int, list[int]] = {}
        decode = self.searcher.schema[field].format.decode_positions
        term = self._term(field, text)
        if term.blocks is None:  # not Whoosh's own codec: walk the postings
            for leaf, base in self.leaves:
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
        leaf, base = self.leaves[block.leaf]
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

    # -- reading -------------------------------------------------------------------

    def _read(self, field: str, text: str):
        id_parts, weight_parts, blocks = [], [], []
        for number, (leaf, base) in enumerate(self.leaves):
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
        if self.live is not None:
            keep = self.live[ids]
            ids, weights = ids[keep], weights[keep]
        return ids.astype(np.int32), weights.astype(np.float32), blocks

    def _scorable(self, field: str) -> bool:
        return bool(self.searcher.schema[field].scorable)

    def _bm25(self, field: str, text: str, ids: np.ndarray, tf: np.ndarray) -> np.ndarray:
        """Whoosh's BM25F per field: idf · tf·(k1+1) / (tf + k1·(1−b+b·len/avglen))."""
        if not len(ids):
            return _EMPTY_SCORES
        weight = idf(self.doc_count, self.reader.doc_frequency(field, text))
        average = self.reader.field_length(field) / (self.doc_count or 1)
        b = self.field_b.get(field, self.default_b)
        return bm25f(tf, self.field_lengths(field)[ids], average, weight, b, self.k1)

    def field_lengths(self, field: str) -> np.ndarray:
        """Every passage's length in `field`, as Whoosh stores it (one byte)."""
        lengths = self._lengths.get(field)
        if lengths is None:
            lengths = LENGTH_OF_BYTE[field_length_bytes(self.reader, field)]
            self._lengths[field] = lengths
        return lengths

    def _live_mask(self) -> np.ndarray | None:
        if not self.reader.has_deletions():
            return None
        live = np.ones(self.doc_count, dtype=bool)
        for leaf, base in self.leaves:
            for docnum in leaf.deleted_docs():
                live[base + docnum] = False
        return live


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


def _text(term) -> str:
    return term.decode("utf-8") if isinstance(term, bytes) else term
