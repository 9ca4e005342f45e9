"""Posting lists of one index generation as NumPy arrays, scored once.

A generation built with scored arrays (`indexer.scored_postings`, opened by
`scored.open_scored`) serves a text field's postings, scores and positions
as slices of arrays read once per generation, scored when the generation
was built by the same `bm25f`. A field they do not hold (or an index with
deletions) is decoded from Whoosh's segments and scored on first use
(`decoded.SegmentPostings`). Either way a term is two ascending arrays,
its passages and their scores, and nothing above this module asks which.
"""

from __future__ import annotations

import numpy as np

from app.search.decoded import CACHE_POSTINGS, SegmentPostings
from app.search.scored import FieldArrays
from indexer.bm25f import bm25f, idf
from indexer.scored_postings import LENGTH_OF_BYTE, field_length_bytes

__all__ = ["CACHE_POSTINGS", "WARM_TERMS", "Postings"]

# Terms a server decodes when it opens an index (see `most_frequent`).
WARM_TERMS = 3_000
_EMPTY_SCORES = np.zeros(0, dtype=np.float64)


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
        self.fields = frozenset(searcher.schema.names())
        self.k1, self.default_b, self.field_b = k1, default_b, b
        self._lengths: dict[str, np.ndarray] = {}
        self.live = self._live_mask()
        self.arrays = arrays if arrays and self.live is None else {}
        self.decoded = SegmentPostings(self)

    # -- terms ---------------------------------------------------------------------

    def scored(self, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(document numbers, scores) of one term, ascending by number.

        Text fields are scored by BM25F; fields without lengths (ids, filter
        columns) score each posting by its weight, as Whoosh does.
        """
        stored = self.arrays.get(field)
        if stored is not None:
            return stored.scored(text)
        term = self.decoded.term(field, text)
        return term.ids, term.scores

    def frequencies(self, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(document numbers, the term's count in each), for scores of ours."""
        stored = self.arrays.get(field)
        if stored is not None:
            start, end = stored.span(text)
            return stored.ids[start:end], stored.counts[start:end]
        term = self.decoded.term(field, text)
        return term.ids, term.frequencies

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
        self, field: str, text: str, within: np.ndarray, held: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """(passage, position) of each occurrence of a term in the passages
        `within`, ascending, from the scored arrays (see `has_positions`);
        `held`: all of `within` hold the term."""
        return self.arrays[field].occurrences(text, within, held)

    def position_lists(self, field: str, text: str, within: list[int]) -> list[list[int]]:
        """`occurrences` for a few passages, all holding the term: each one's
        positions as a list (see `has_positions`)."""
        return self.arrays[field].position_lists(text, within)

    def expand_prefix(self, field: str, prefix: str) -> list[str]:
        return [_text(t) for t in self.reader.expand_prefix(field, prefix)]

    def positions(self, field: str, text: str, wanted: np.ndarray) -> dict[int, list[int]]:
        """Positions of a term in each of the `wanted` passages (ascending
        document numbers) that hold it, decoded from Whoosh's segment."""
        return self.decoded.positions(field, text, wanted)

    # -- scoring -------------------------------------------------------------------

    def scorable(self, field: str) -> bool:
        return bool(self.searcher.schema[field].scorable)

    def bm25(self, field: str, text: str, ids: np.ndarray, tf: np.ndarray) -> np.ndarray:
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


def _text(term) -> str:
    return term.decode("utf-8") if isinstance(term, bytes) else term
