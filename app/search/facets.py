"""Facet counts (by source file, by section, by tag) for any set of matched
passages, and the filter on tags.

Each facet column is read from the index once per generation and turned into
an array of value codes, so counting the values of the matched passages is
one `bincount` (or, for a few matched passages among many values, one
`unique`): its cost follows the passages matched, not the index. Tags are
not a column (a passage may have several, and a sortable KEYWORD field
leaked file descriptors): every tag's postings are read once, and kept as
(passage, tag) pairs sorted by passage, so the tags of the matched passages
are a `searchsorted` away.

A facet counts what `total` counts: passages, or with results grouped by
document, documents (a document counted once per value its matched passages
have).
"""

from __future__ import annotations

import numpy as np
from whoosh.query import Or, Term

from app.search.engine import FACET_COLUMNS, TAGS_FIELD
from app.search.results import FacetValue


class Facets:
    """The facet columns and tag postings of one open index, per passage."""

    def __init__(self, reader):
        # Each column's values numbered in alphabetical order (0: no value,
        # never listed), so a value's code is its place among ties too.
        self._columns: dict[str, tuple[np.ndarray, list[str]]] = {}
        for name, column in FACET_COLUMNS.items():
            texts = [_text(value) for value in reader.column_reader(column)]
            values = sorted(set(texts) | {""})
            code_of = dict(zip(values, range(len(values)), strict=True))
            codes = np.fromiter(map(code_of.__getitem__, texts), dtype=np.int64, count=len(texts))
            self._columns[name] = (codes, values)
        passages, tags = [], []
        self._tag_names: list[str] = []
        if TAGS_FIELD in reader.schema:
            for number, tag in enumerate(reader.lexicon(TAGS_FIELD)):
                docnums = np.fromiter(reader.postings(TAGS_FIELD, tag).all_ids(), dtype=np.int64)
                self._tag_names.append(_text(tag))
                passages.append(docnums)
                tags.append(np.full(len(docnums), number, dtype=np.int64))
        order = np.argsort(np.concatenate(passages), kind="stable") if passages else []
        # Each (passage, tag) pair, sorted by passage: the tags of a passage are a run.
        self._tag_passages = np.concatenate(passages)[order] if passages else np.zeros(0, int)
        self._tag_codes = np.concatenate(tags)[order] if passages else np.zeros(0, int)

    def counts(
        self, matched: np.ndarray, limit: int, document_of: np.ndarray | None = None
    ) -> dict[str, list[FacetValue]]:
        """The `limit` most frequent values of each facet among `matched`
        (ascending passage numbers); ties by value, empty values left out.
        With `document_of` (each passage's document), documents are counted."""
        facets = {}
        owners = None if document_of is None else document_of[matched]
        for name, (codes, values) in self._columns.items():
            present, counts = _counts(codes[matched], owners, len(values))
            if len(present) and present[0] == 0:  # code 0: no value
                present, counts = present[1:], counts[1:]
            best = _most_frequent(counts, present, len(values), limit)
            facets[name] = [
                FacetValue(values[c], n)
                for c, n in zip(present[best].tolist(), counts[best].tolist(), strict=True)
            ]
        facets[TAGS_FIELD] = self._tag_counts(matched, limit, document_of)
        return facets

    def _tag_counts(self, matched: np.ndarray, limit: int, document_of) -> list[FacetValue]:
        if not len(self._tag_codes) or not len(matched):
            return []
        starts = np.searchsorted(self._tag_passages, matched)
        ends = np.searchsorted(self._tag_passages, matched, side="right")
        lengths = ends - starts
        pairs = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
        owners = None if document_of is None else document_of[self._tag_passages[pairs]]
        present, counts = _counts(self._tag_codes[pairs], owners, len(self._tag_names))
        counted = [
            FacetValue(self._tag_names[code], count)
            for code, count in zip(present.tolist(), counts.tolist(), strict=True)
        ]
        counted.sort(key=lambda value: (-value.count, value.value))
        return counted[:limit]


def _most_frequent(counts: np.ndarray, ranks: np.ndarray, size: int, limit: int) -> np.ndarray:
    """Where the `limit` largest `counts` are, best first, ties by `ranks`
    (each value's place in alphabetical order, below `size`): the values
    past the first `limit` are never sorted."""
    key = -counts.astype(np.int64) * size + ranks
    if limit <= 0:
        return np.zeros(0, dtype=np.int64)
    if len(key) > limit:
        key_best = np.argpartition(key, limit - 1)[:limit]
        return key_best[np.argsort(key[key_best])]
    return np.argsort(key)


def _counts(codes: np.ndarray, owners: np.ndarray | None, size: int):
    """(each code present, how many passages have it) among the counted
    passages' `codes` (of `size` possible), ascending by code; with
    `owners`, how many distinct owners (documents) have it."""
    if owners is not None:
        codes = np.unique(owners * size + codes) % size
    if len(codes) * 8 >= size:
        counts = np.bincount(codes, minlength=size)
        present = np.flatnonzero(counts)
        return present, counts[present]
    return np.unique(codes, return_counts=True)


def tag_filter(tags: tuple[str, ...]):
    """Passages whose document has any of `tags` (as written in front matter)."""
    return Or([Term(TAGS_FIELD, tag) for tag in tags])


def _text(value) -> str:
    if value is None:
        return ""
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)
