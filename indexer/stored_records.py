"""Each passage's stored fields in a file of our own, written as the
passages go to the writer, so that a page of hits reads its passages
without Whoosh's stored column.

Whoosh keeps a passage's stored fields as a pickled, zlib-compressed
record of a column, and reading one back costs a `pread`, a decompress and
an unpickle (0.36 s of the 3.1 s that 560 WikiText-2 queries took, about
65 us a hit). Here the same dict is one JSON record (orjson), and the
records of a generation sit end to end in two files beside the segment:

    stored-records.bin        the records, in passage number order
    stored-records-starts.npy int64: where each record starts (and the end)

A record is exactly the dict Whoosh's `searcher.stored_fields(docnum)`
gave when it stored them: the `schema.STORED_FIELDS` a passage has a value
for, in name order (the order `bulk.Analyser` adds them). A value JSON
cannot hold as it is (a tuple, a string with a lone surrogate, ...) makes
that one record a pickle instead, told apart by its first byte (a
pickle's is 0x80, a JSON object's `{`), so every record reads back equal
to what was written. Written streaming: the writer holds one int64 per
passage, never the records.

The search core reads them with `app.search.stored_records`; a generation
built without these files stores them in Whoosh and is read from there, as
before.
"""

from __future__ import annotations

import pickle
from array import array
from pathlib import Path

import numpy as np
import orjson

from indexer.schema import STORED_FIELDS

RECORDS = "stored-records.bin"
STARTS = "stored-records-starts.npy"
PICKLED = 0x80  # the first byte of a pickle of protocol 2 or later


class StoredRecordWriter:
    """Appends each passage's stored fields to `RECORDS` in `folder`, in
    the order given (passage number order); `finish` writes `STARTS`."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._starts = array("q", [0])
        self._handle = open(self.folder / RECORDS, "wb")  # closed by finish or cancel

    def add(self, fields: dict) -> None:
        """One passage's fields, as handed to the index writer."""
        record = {name: value for name in STORED_FIELDS if (value := fields.get(name)) is not None}
        encoded = encode(record)
        self._handle.write(encoded)
        self._starts.append(self._starts[-1] + len(encoded))

    def finish(self) -> None:
        self._handle.close()
        np.save(self.folder / STARTS, np.frombuffer(self._starts, dtype=np.int64))

    def cancel(self) -> None:
        self._handle.close()


def encode(record: dict) -> bytes:
    """`record` as JSON, or pickled where JSON would not read back equal."""
    try:
        encoded = orjson.dumps(record)
    except orjson.JSONEncodeError:
        return pickle.dumps(record, pickle.HIGHEST_PROTOCOL)
    return encoded if _plain(record) else pickle.dumps(record, pickle.HIGHEST_PROTOCOL)


def decode(encoded: bytes) -> dict:
    """The record `encode` wrote."""
    if encoded[:1] == bytes((PICKLED,)):
        return pickle.loads(encoded)
    return orjson.loads(encoded)


_PLAIN = (str, int, bool, type(None))


def _plain(value) -> bool:
    """Whether JSON gives `value` back as it is: strings, ints, booleans,
    None and finite floats, in dicts (of string keys) and lists."""
    kind = type(value)
    if kind in _PLAIN:
        return True
    if kind is float:
        return value == value and abs(value) != float("inf")
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str or (type(item) not in _PLAIN and not _plain(item)):
                return False
        return True
    if kind is list:
        return all(map(_plain, value))
    return False
