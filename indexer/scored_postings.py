"""Each searched field's postings as flat arrays, scored once when a
generation is built (eager scoring, as bm25s does).

Whoosh keeps postings in compressed, pickled blocks, and a search decoding
them (and the positions of phrases) spent most of its time doing so. The
build's writer (`bulk.BulkWriter`) gathers every posting list of the text
fields as it writes the segment, and writes beside it, for each field `F`
of `TEXT_FIELDS`:

    scored-F-terms.txt      the field's terms, one a line, in index order
    scored-F-starts.npy     int64: where each term's postings start (and the end)
    scored-F-ids.npy        int32: passage numbers, ascending within a term
    scored-F-counts.npy     float32: the term's count in each passage
    scored-F-scores.npy     float64: each posting's BM25F score

and for the passage text also `scored-text-offsets.npy` (int64, where each
posting's positions start) and `scored-text-positions.npy` (int32). A
serving process reads them whole when it opens the generation (not
memory-mapped: a truncated file must raise, not crash a worker), and
workers forked after that share the pages instead of decoding copies.
The build lists them in the manifest like every other file.

The BM25F parameters and formula live here, and the search core scores
what these arrays lack with the same function, so stored and computed
scores are the same to the last bit. `scored-meta.json` records the
parameters; arrays written with others are not used.
"""

from __future__ import annotations

import json
import pickle
from itertools import accumulate, chain
from pathlib import Path

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.util.numeric import byte_to_length

from indexer.bm25f import FIELD_B, K1, B, bm25f, field_b, idf
from indexer.npy_stream import NpyStream
from indexer.schema import TEXT_FIELDS

META = "scored-meta.json"
POSITIONS_FIELD = "text"
LENGTH_OF_BYTE = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)


def parameters() -> dict:
    return {"k1": K1, "b": B, "field_b": FIELD_B, "fields": list(TEXT_FIELDS)}


def write_meta(folder: Path) -> None:
    """Record the parameters the arrays were scored with (written last)."""
    (folder / META).write_text(json.dumps(parameters()), "utf-8")


class ScoredField:
    """One field's arrays, gathered term by term in index order, scored and
    written a chunk of postings at a time (so the build holds none of them
    whole), and finished by `save`."""

    # Postings held before they are scored and written out.
    CHUNK = 1 << 18

    def __init__(self, field: str, with_positions: bool, folder: Path, scoring: dict):
        """:param scoring: `doc_count`, `lengths` (every passage's quantized
        length in the field) and `total_length` (the field's exact length
        over the collection)."""
        self.field, self.with_positions, self.folder = field, with_positions, Path(folder)
        self.doc_count = scoring["doc_count"]
        self.lengths = scoring["lengths"]
        self.average = (scoring["total_length"] / (self.doc_count or 1)) or 1
        self.terms, self.starts = [], [0]
        self._ids, self._counts, self._weights, self._sizes = [], [], [], []
        self._positions, self._offsets, self.placed = [], [], 0
        self._decode = _PositionsDecoder()
        prefix = self.folder / f"scored-{field}"
        kinds = {"ids": np.int32, "counts": np.float32, "scores": np.float64}
        if with_positions:
            kinds.update(offsets=np.int64, positions=np.int32)
        self._out = {kind: NpyStream(f"{prefix}-{kind}.npy", t) for kind, t in kinds.items()}
        if with_positions:
            self._out["offsets"].write([0])

    def add(self, term: bytes | str, term_ids: list, term_counts: list, values):
        """One term's passage numbers (ascending), counts and raw positions values."""
        text = term.decode("utf-8") if isinstance(term, bytes) else term
        if "\n" in text:  # cannot be one line of the terms file: left to Whoosh
            return
        self.terms.append(text)
        self.starts.append(self.starts[-1] + len(term_ids))
        # A fresh generation has no deletions: a term's postings are its frequency.
        self._weights.append(idf(self.doc_count, len(term_ids)))
        self._sizes.append(len(term_ids))
        self._ids += term_ids
        self._counts += term_counts
        if self.with_positions and values:
            # Each posting's positions, and where the next one starts: in C
            # loops (`map`, `chain`, `accumulate`), not one Python step a posting.
            found = list(map(self._decode.__getitem__, values))
            self._positions += chain.from_iterable(found)
            ends = accumulate(map(len, found), initial=self.placed)
            next(ends)
            self._offsets += ends
            self.placed = self._offsets[-1]
        if len(self._ids) >= self.CHUNK:
            self._write_chunk()

    def _write_chunk(self) -> None:
        """Score the postings held, element by element exactly as term by term
        or in one pass over the field, and append them to the files."""
        out = self._out
        ids = np.array(self._ids, dtype=np.int32)
        counts = np.array(self._counts, dtype=np.float32)
        per_posting = np.repeat(np.asarray(self._weights, dtype=np.float64), self._sizes)
        tf = counts.astype(np.float64)
        scores = bm25f(tf, self.lengths[ids], self.average, per_posting, field_b(self.field))
        out["ids"].write(ids)
        out["counts"].write(counts)
        out["scores"].write(scores)
        if self.with_positions:
            out["offsets"].write(self._offsets)
            out["positions"].write(self._positions)
        self._ids, self._counts, self._weights, self._sizes = [], [], [], []
        self._positions, self._offsets = [], []

    def save(self) -> None:
        """Write what is left and the terms, and finish the files."""
        self._write_chunk()
        prefix = self.folder / f"scored-{self.field}"
        (self.folder / f"scored-{self.field}-terms.txt").write_text("\n".join(self.terms), "utf-8")
        np.save(f"{prefix}-starts.npy", np.asarray(self.starts, dtype=np.int64))
        for stream in self._out.values():
            stream.close()

    def abandon(self) -> None:
        """Remove the unfinished files (the build failed)."""
        for stream in self._out.values():
            stream.abandon()


def block_arrays(matcher) -> tuple[np.ndarray, np.ndarray]:
    """The current block's ids and weights, decoded with NumPy: Whoosh's
    codec stores ids as deltas and weights as a tuple, one float for all,
    or nothing when all are 1."""
    if matcher._byteids:  # ids that are not document numbers: the codec's own way
        matcher._read_ids()
        matcher._read_weights()
        return np.asarray(matcher._ids), np.asarray(matcher._weights, dtype=np.float64)
    if matcher._data is None:
        matcher._read_data()
    deltas, weights = matcher._data[0], matcher._data[1]
    ids = np.cumsum(np.array(deltas, dtype=np.int64))
    if weights is None:
        return ids, np.ones(len(ids))
    if isinstance(weights, float):
        return ids, np.full(len(ids), weights)
    return ids, np.array(weights, dtype=np.float64)


class _PositionsDecoder(dict):
    """A posting's positions (Whoosh's `Positions.decode_positions`) by its
    value, each distinct value decoded once: most postings share a few
    short values. A dict, so that a `map` of its `__getitem__` runs in C."""

    KEPT = 200_000

    def __missing__(self, value: bytes) -> tuple[int, ...]:
        if len(self) >= self.KEPT:
            self.clear()
        found = self[value] = _positions(value)
        return found


def _positions(value: bytes) -> tuple[int, ...]:
    codes = pickle.loads(value[4:] if value.endswith(b".") else value[4:] + b".")
    found, position = [], 0
    for code in codes:
        position += code
        found.append(position)
    return tuple(found)


def field_length_bytes(reader, field: str) -> np.ndarray:
    """Every passage's stored length byte for `field`, over all segments."""
    parts = []
    for leaf, _ in reader.leaf_readers():
        count = leaf.doc_count_all()
        lengths = np.zeros(count, dtype=np.uint8)
        try:
            column = leaf._perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
        except AttributeError:  # another codec: ask document by document
            for docnum in range(count):
                length = leaf.doc_field_length(docnum, field) or 0
                lengths[docnum] = min(255, np.searchsorted(LENGTH_OF_BYTE, length))
            parts.append(lengths)
            continue
        if column is not None:
            stored = min(count, column._count)
            raw = column._dbfile.get(column._basepos, stored)
            lengths[:stored] = np.frombuffer(raw, dtype=np.uint8)
        parts.append(lengths)
    return np.concatenate(parts) if parts else np.zeros(0, np.uint8)
