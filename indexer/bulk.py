"""A Whoosh writer for building a whole generation in one go, in bounded memory.

Whoosh's `SegmentWriter` is made for adding a few documents to a live index.
A build adds every passage of a corpus at once. `BulkWriter` changes only how
the segment is written, never what it holds (each file in the segment, and the
table of contents, match a `SegmentWriter`'s byte for byte):

- Whoosh pools every posting as a 5-tuple and sorts them all at the end.
  Documents arrive in order, so the postings of one term are already sorted:
  `_TermPool` keeps one flat list per term, `[docnum, weight, value, ...]`,
  and sorts only the terms. Past its memory budget it writes the terms, in
  order, to a run file on disk and starts afresh; the runs are merged term by
  term at the end (a term's postings from an earlier run all come first), so
  memory stays flat however large the corpus.
- Documents can come already analysed (`add_analysed`), so the analysis can
  run in another process (see `indexer.pipeline`).
- Writing the postings out, Whoosh reads the document's field length once per
  posting, and for a field without lengths asks the disk every time.
  `_Lengths` reads each field's lengths once, and `posting_blocks` fills the
  codec's blocks a block at a time rather than a call per posting, and has
  them compressed elsewhere (the analysis process, in a build).
- Given a folder, it also writes the text fields' scored arrays
  (`scored_postings`) as the terms go by, and each passage's token offsets
  (`token_offsets`) as it is added: nothing is read back from the segment.
"""

from __future__ import annotations

import heapq
import pickle
from collections.abc import Iterator
from operator import itemgetter

import numpy as np
from whoosh.codec.whoosh3 import W3PerDocReader, _lenfield
from whoosh.writing import SegmentWriter

from indexer.field_postings import FieldPostings
from indexer.posting_blocks import BlockWriter
from indexer.schema import TEXT_FIELDS
from indexer.scored_postings import POSITIONS_FIELD, ScoredField, write_meta
from indexer.token_offsets import FIELD as OFFSETS_FIELD
from indexer.token_offsets import TokenOffsets

# The default budget of the posting pool (see `_TermPool.cost`).
POOL_MB = 256
MB = 1024 * 1024
# Bytes a pooled posting and a new term take, beside the posting's value and
# the term's text: three list slots and a docnum int; a key tuple, its bytes
# object, its list and the dictionary's slot. Measured on WikiText-2.
_POSTING_COST = 3 * 8 + 28 + 16
_TERM_COST = 64 + 33 + 56 + 100


class Analyser:
    """What `SegmentWriter.add_document` derives from a document's fields, as
    plain data: for each field in name order, its postings `(term bytes,
    weight, value)` (None when not indexed) and its length. Pure, so another
    process can do it.

    A passage repeats its neighbour's title, document, source and section, so
    each field's last analysis is kept and reused when the value repeats.
    """

    def __init__(self, schema):
        self.schema = schema
        self._last: dict[str, tuple[object, list | None, int]] = {}
        # The text fields' chain without Whoosh's tokens (see `field_postings`).
        self._direct = {name: FieldPostings.for_field(field) for name, field in schema.items()}

    def __call__(self, fields: dict) -> list[tuple[str, list | None, int]]:
        analysed = []
        for fieldname in sorted(fields):
            value = fields[fieldname]
            if value is None:
                continue
            last = self._last.get(fieldname)
            if last is not None and last[0] == value:
                analysed.append((fieldname, last[1], last[2]))
                continue
            postings, length = self._field(fieldname, value)
            self._last[fieldname] = (value, postings, length)
            analysed.append((fieldname, postings, length))
        return analysed

    def _field(self, fieldname: str, value) -> tuple[list | None, int]:
        field = self.schema[fieldname]
        if not field.indexed:
            return None, 0
        direct = self._direct[fieldname]
        if direct is not None and isinstance(value, str):
            postings, length = direct(value)
            return postings, (length if field.scorable else 0)
        postings, length, scorable = [], 0, field.scorable
        for term, frequency, weight, encoded in field.index(value):
            if scorable:
                length += frequency
            # `* 1.0` as Whoosh applies the (unit) field boost: ints become floats.
            postings.append((term, weight * 1.0, encoded))
        return postings, length


class BulkWriter(SegmentWriter):
    """A `SegmentWriter` with a term-grouped, spilling pool and lengths read once.

    :param limitmb: megabytes of postings pooled in memory before a run is
        written to disk.
    :param scored_folder: if given, also write the text fields' scored
        arrays there (`scored_postings.ScoredField`) as the postings go by.
    """

    def __init__(self, index, limitmb: float = POOL_MB, scored_folder=None):
        super().__init__(index, limitmb=limitmb)
        # Where to write the scored arrays of the text fields, from the pool
        # as the segment is written, instead of reading the segment back.
        self.scored_folder = scored_folder
        for name, field in self.schema.items():
            if field.separate_spelling() or field.vector:
                raise ValueError(f"BulkWriter does not write spelling or vectors ({name})")
        self.pool = _TermPool(self._tempstorage, limit=int(limitmb * MB))
        self.analyse = Analyser(self.schema)
        # The text's token offsets go beside the scored arrays as passages come.
        self.offsets = TokenOffsets(scored_folder) if scored_folder is not None else None
        # What pickles and compresses the posting blocks (`posting_blocks`):
        # None for this process; a build sets the analysis process's.
        self.compressor = None

    def add_document(self, **fields):
        """As `SegmentWriter.add_document`, for fields without `_` options."""
        self.add_analysed(fields, self.analyse(fields))

    def add_analysed(self, fields: dict, analysed: list | None) -> None:
        """Add a document from `fields` and what an `Analyser` made of them
        (analysed here when None)."""
        if analysed is None:
            analysed = self.analyse(fields)
        self._check_state()
        schema, perdoc, docnum = self.schema, self.perdocwriter, self.docnum
        pool = self.pool
        perdoc.start_doc(docnum)
        for fieldname, postings, length in analysed:
            field = schema[fieldname]
            if postings:
                pool.add(fieldname, docnum, postings)
            value = fields[fieldname]
            perdoc.add_field(fieldname, field, value if field.stored else None, length)
            if field.column_type:
                perdoc.add_column_value(fieldname, field.column_type, field.to_column_value(value))
        perdoc.finish_doc()
        if self.offsets is not None:
            self.offsets.add(fields.get(OFFSETS_FIELD) or "")
        self._added = True
        self.docnum += 1

    def commit(self, *args, **kwargs):
        if not self._added and self.offsets is not None:  # no segment, so no offsets either
            self.offsets.abandon()
        super().commit(*args, **kwargs)

    def cancel(self):
        if self.offsets is not None:
            self.offsets.abandon()
        super().cancel()

    def per_document_reader(self):
        if not self.perdocwriter.is_closed:
            raise RuntimeError("the per-document writer is still open")
        return _Lengths(self.storage, self.get_segment())

    def _flush_segment(self):
        self.perdocwriter.close()
        lengths = self.per_document_reader()
        writer = self.fieldwriter
        scored = self._scored_fields(lengths)
        try:
            self._write_postings(writer, lengths, scored)
            for arrays in scored.values():
                arrays.save()
            if self.scored_folder is not None:
                self.offsets.save()
                write_meta(self.scored_folder)
        except BaseException:
            for arrays in scored.values():
                arrays.abandon()
            raise
        lengths.close()

    def _write_postings(self, writer, lengths, scored) -> None:
        blocks = BlockWriter(writer, self.compressor)
        current = arrays = None
        for (fieldname, term), flat in self.pool.terms():
            if fieldname != current:
                if current is not None:
                    writer.finish_field()
                blocks.start_field(fieldname, self.schema[fieldname])
                field_lengths = lengths.all_lengths(fieldname)
                current = fieldname
                arrays = scored.get(fieldname)
            ids, weights, values = flat[0::3], flat[1::3], flat[2::3]
            blocks.add_term(term, ids, weights, values, field_lengths)
            if arrays is not None:
                arrays.add(term, ids, weights, values if arrays.with_positions else ())
        blocks.finish()
        if current is not None:
            writer.finish_field()
        writer.close()

    def _scored_fields(self, lengths) -> dict[str, ScoredField]:
        if self.scored_folder is None:
            return {}
        scored = {}
        for name in TEXT_FIELDS:
            if name not in self.schema:
                continue
            scoring = {
                "doc_count": self.docnum,
                "lengths": np.array([n or 0 for n in lengths.all_lengths(name)], float),
                "total_length": self.perdocwriter._fieldlengths.get(name, 0),
            }
            with_positions = name == POSITIONS_FIELD
            scored[name] = ScoredField(name, with_positions, self.scored_folder, scoring)
        return scored


class _TermPool:
    """Postings by term; sorted runs on disk past `limit` bytes (see the module)."""

    def __init__(self, tempstorage, limit: int):
        self.tempstorage = tempstorage
        self.limit = limit
        # By field, then term: no key tuple to build and hash per posting.
        self.postings: dict[str, dict[bytes, list]] = {}
        self.cost = 0
        self.runs: list[str] = []
        self._weights: dict[float, float] = {}

    def add(self, fieldname: str, docnum: int, postings: list) -> None:
        pool, weights = self.postings.get(fieldname), self._weights
        if pool is None:
            pool = self.postings[fieldname] = {}
        cost = self.cost
        for term, weight, value in postings:
            flat = pool.get(term)
            if flat is None:
                flat = pool[term] = []
                cost += _TERM_COST + len(term)
            flat += (docnum, weights.setdefault(weight, weight), value)
            cost += _POSTING_COST + (len(value) if value else 0)
        self.cost = cost
        if cost > self.limit:
            self.spill()

    def spill(self) -> None:
        """Write the pooled terms, sorted, to a new run file; empty the pool."""
        name = f"run-{len(self.runs):05d}.postings"
        with self.tempstorage.create_file(name).raw_file() as handle:
            # One pickle per term, so that reading a run back remembers
            # nothing of the terms before (an `Unpickler` would).
            for key, flat in self._sorted():
                pickle.dump((key, flat), handle, pickle.HIGHEST_PROTOCOL)
        self.runs.append(name)
        self.postings = {}
        self.cost = 0

    def terms(self) -> Iterator[tuple[tuple[str, bytes], list]]:
        """Every term in order with all its postings, runs first to last."""
        in_memory = self._sorted()
        if not self.runs:
            yield from in_memory
            return
        sources = [self._read(name) for name in self.runs] + [in_memory]
        merged = heapq.merge(*sources, key=itemgetter(0))
        key, flat = next(merged)
        for next_key, more in merged:
            if next_key == key:
                flat += more
            else:
                yield key, flat
                key, flat = next_key, more
        yield key, flat

    def _sorted(self) -> Iterator[tuple[tuple[str, bytes], list]]:
        """The pooled terms in (field, term) order."""
        for fieldname in sorted(self.postings):
            terms = self.postings[fieldname]
            for term in sorted(terms):
                yield (fieldname, term), terms[term]

    def _read(self, name: str) -> Iterator[tuple[tuple[str, bytes], list]]:
        with self.tempstorage.open_file(name).raw_file() as handle:
            while True:
                try:
                    yield pickle.load(handle)
                except EOFError:
                    return

    def cleanup(self) -> None:
        for name in self.runs:
            try:
                self.tempstorage.delete_file(name)
            except OSError:
                pass
        self.runs = []


class _Lengths(W3PerDocReader):
    """Field lengths read once per field, not once per posting."""

    def __init__(self, storage, segment):
        super().__init__(storage, segment)
        self._lengths: dict[tuple[str, int], list] = {}

    def doc_field_length(self, docnum, fieldname, default=0):
        return self.all_lengths(fieldname, default)[docnum]

    def all_lengths(self, fieldname: str, default=0) -> list:
        """Every document's length of `fieldname`, as Whoosh's reader gives it."""
        lengths = self._lengths.get((fieldname, default))
        if lengths is None:
            lengths = self._lengths[fieldname, default] = self._read(fieldname, default)
        return lengths

    def _read(self, fieldname: str, default) -> list:
        if not self.has_column(_lenfield(fieldname)):
            return [default] * self.doc_count_all()
        read = super().doc_field_length
        return [read(docnum, fieldname, default) for docnum in range(self.doc_count_all())]
