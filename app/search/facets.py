"""Facet counts (by source file, by section) for any set of matched passages.

Each facet column is read from the index once per generation and turned into
an array of value codes, so counting the values of every matched passage is
one `bincount`, however many passages match.
"""

from __future__ import annotations

import numpy as np

from app.search.engine import FACET_COLUMNS, FACET_LIMIT
from app.search.results import FacetValue


class Facets:
    """The facet columns of one open index, as codes per passage."""

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

    def counts(self, matched: np.ndarray) -> dict[str, list[FacetValue]]:
        """The `FACET_LIMIT` most frequent values of each facet among `matched`
        (a mask over passages); ties by value, empty values left out."""
        facets = {}
        for name, (codes, values, alphabetical) in self._columns.items():
            counts = np.bincount(codes[matched], minlength=len(values))
            counts[0] = 0
            present = np.flatnonzero(counts)
            best = present[np.lexsort((alphabetical[present], -counts[present]))][:FACET_LIMIT]
            facets[name] = [FacetValue(values[c], int(counts[c])) for c in best.tolist()]
        return facets


def _text(value) -> str:
    if value is None:
        return ""
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)
