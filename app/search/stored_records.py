"""A generation's stored fields read from its own records
(`indexer.stored_records`) instead of Whoosh's stored column: a page of
hits costs a slice and a JSON parse per passage, no `pread`, no zlib.

The records are read whole when the generation opens, not memory-mapped,
for the reason `scored` gives: a file truncated while serving must raise,
not crash a worker with SIGBUS. Opened in `kavosh serve`'s master before
the workers fork, the pages are shared by every worker. A generation built
without the records answers None here, and is read from Whoosh.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from indexer.stored_records import RECORDS, STARTS, decode


class StoredRecords:
    """The stored fields of each passage, by passage number."""

    def __init__(self, records: bytes, starts: np.ndarray):
        self._records = records
        self._starts = starts  # an array, not a list: its pages stay shared after a fork

    def __call__(self, docnum: int) -> dict:
        """The dict `searcher.stored_fields(docnum)` returns."""
        starts = self._starts
        return decode(self._records[starts[docnum] : starts[docnum + 1]])


def open_records(folder: Path, doc_count: int, whoosh_stores: bool) -> StoredRecords | None:
    """Generation `folder`'s records, or None for one built without them
    (whose Whoosh index stores the fields: `whoosh_stores`).

    :raises ValueError: the files do not fit each other or the passages.
    :raises FileNotFoundError: they are missing, and Whoosh stores nothing.
    """
    folder = Path(folder)
    try:
        starts = np.load(folder / STARTS, allow_pickle=False)
        records = (folder / RECORDS).read_bytes()
    except FileNotFoundError:
        if whoosh_stores:
            return None
        raise
    if (
        starts.dtype != np.int64
        or len(starts) != doc_count + 1
        or int(starts[0]) != 0
        or int(starts[-1]) != len(records)
        or np.any(np.diff(starts) <= 0)
    ):
        raise ValueError(f"{STARTS} does not fit the passages or {RECORDS}")
    return StoredRecords(records, starts)
