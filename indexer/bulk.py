"""A Whoosh writer for building a whole generation in one go.

Whoosh's `SegmentWriter` is made for adding a few documents to a live index.
A build adds every passage of a corpus at once, and on WikiText-2 over a third of
its time went to two habits of that writer. `BulkWriter` changes only how the
segment is written, never what it holds (each file in the segment, and the
table of contents, match a `SegmentWriter`'s byte for byte):

- Whoosh pools postings in memory up to `limitmb`, then pickles them to disk
  in sorted runs and merges the runs back. `BulkWriter` pools up to
  `POOL_MB`, and shares each distinct term and weight among its postings, so
  a corpus like WikiText-2 is sorted in memory with room to spare.
- Writing the pool out, Whoosh reads the document's field length once per
  posting, and for a field without lengths asks the disk every time.
  `_Lengths` reads each field's lengths once.
"""

from __future__ import annotations

from whoosh.codec.whoosh3 import W3PerDocReader, _lenfield
from whoosh.writing import PostingPool, SegmentWriter

# Whoosh's estimate of the pool's size, above which postings go to disk in
# sorted runs. WikiText-2 (2.7 million postings) comes to about 450 MB by that
# estimate; with terms and weights shared, its build peaks under 600 MB.
POOL_MB = 640


class BulkWriter(SegmentWriter):
    """A `SegmentWriter` with a sharing posting pool and field lengths read once."""

    def __init__(self, index, limitmb: float = POOL_MB):
        super().__init__(index, limitmb=limitmb)
        self.pool = _SharingPool(self._tempstorage, self.newsegment, limitmb=limitmb)

    def per_document_reader(self):
        if not self.perdocwriter.is_closed:
            raise RuntimeError("the per-document writer is still open")
        return _Lengths(self.storage, self.get_segment())


class _SharingPool(PostingPool):
    """Postings as Whoosh pools them, with equal terms and weights shared."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._terms: dict[bytes, bytes] = {}
        self._weights: dict[float, float] = {}

    def add(self, item):
        fieldname, term, docnum, weight, value = item
        term = self._terms.setdefault(term, term)
        weight = self._weights.setdefault(weight, weight)
        self.fieldnames.add(fieldname)
        # Whoosh's own estimate (`PostingPool.add`), so runs are cut as it would.
        self.currentsize += 150 + len(fieldname) + 2 * len(term) + len(value or "")
        if self.currentsize > self.limit:
            self.save()
        self.current.append((fieldname, term, docnum, weight, value))


class _Lengths(W3PerDocReader):
    """Field lengths read once per field, not once per posting."""

    def __init__(self, storage, segment):
        super().__init__(storage, segment)
        self._lengths: dict[tuple[str, int], list] = {}

    def doc_field_length(self, docnum, fieldname, default=0):
        lengths = self._lengths.get((fieldname, default))
        if lengths is None:
            lengths = self._lengths[fieldname, default] = self._read(fieldname, default)
        return lengths[docnum]

    def _read(self, fieldname: str, default) -> list:
        if not self.has_column(_lenfield(fieldname)):
            return [default] * self.doc_count_all()
        read = super().doc_field_length
        return [read(docnum, fieldname, default) for docnum in range(self.doc_count_all())]
