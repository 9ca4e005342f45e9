"""Facet counts (by source file, by section, by tag) for any set of matched
passages, and the filter on tags.

Each facet column is read from the index once per generation and turned into
an array of value codes, so counting the values of every matched passage is
one `bincount`, however many passages match. Tags are not a column (a passage
may have several, and a sortable KEYWORD field leaked file descriptors): each
tag's postings are read once, and a tag's count is how many of them matched.

A facet counts what `total` counts: passages, or with results grouped by
document, documents (a document counted once per value its matched passages
have).
"""

from __future__ import annotations

import numpy as np
from whoosh.query import Or, Term

from app.search.engine import FACET_COLUMNS
from app.search.results import FacetValue

TAGS_FIELD = "tags"


class Facets:
    """The facet columns and tag postings of one open index, per passage."""

    def __init__(self, reader):
        self._columns: dict[str, tuple[np.ndarray, list[str], np.ndarray]] = {}
        for name, column in FACET_COLUMNS.items():
            codes: dict[str, int] = {"": 0}  # code 0: no value, never listed
            per_passage = [
                codes.setdefault(_text(value), len(codes)) for value in reader.column_reader(column)
            ]
            values = list(codes)
            alphabetical = np.empty(len(values), dtype=np.int64)
            alphabetical[sorted(range(len(values)), key=values.__getitem__)] = np.arange(
                len(values)
            )
            self._columns[name] = (np.asarray(per_passage, dtype=np.int64), values, alphabetical)
        self._tags: list[tuple[str, np.ndarray]] = []
        if TAGS_FIELD in reader.schema:
            for tag in reader.lexicon(TAGS_FIELD):
                docnums = reader.postings(TAGS_FIELD, tag).all_ids()
                self._tags.append((_text(tag), np.fromiter(docnums, dtype=np.int64)))

    def counts(
        self, matched: np.ndarray, limit: int, document_of: np.ndarray | None = None
    ) -> dict[str, list[FacetValue]]:
        """The `limit` most frequent values of each facet among `matched` (a
        mask over passages); ties by value, empty values left out. With
        `document_of` (each passage's document), documents are counted."""
        facets = {}
        for name, (codes, values, alphabetical) in self._columns.items():
            if document_of is None:
                counts = np.bincount(codes[matched], minlength=len(values))
            else:
                pairs = np.unique(document_of[matched] * len(values) + codes[matched])
                counts = np.bincount(pairs % len(values), minlength=len(values))
            counts[0] = 0
            present = np.flatnonzero(counts)
            best = present[np.lexsort((alphabetical[present], -counts[present]))][:limit]
            facets[name] = [FacetValue(values[c], int(counts[c])) for c in best.tolist()]
        facets[TAGS_FIELD] = self._tag_counts(matched, limit, document_of)
        return facets

    def _tag_counts(self, matched: np.ndarray, limit: int, document_of) -> list[FacetValue]:
        counted = []
        for tag, docnums in self._tags:
            inside = docnums[matched[docnums]]
            count = len(inside) if document_of is None else len(np.unique(document_of[inside]))
            if count:
                counted.append(FacetValue(tag, count))
        counted.sort(key=lambda value: (-value.count, value.value))
        return counted[:limit]


def tag_filter(tags: tuple[str, ...]):
    """Passages whose document has any of `tags` (as written in front matter)."""
    return Or([Term(TAGS_FIELD, tag) for tag in tags])


def _text(value) -> str:
    if value is None:
        return ""
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)
