"""The collection statistics a Typesense collection carries, so that Kavosh
can re-score the candidates Typesense finds with its own BM25F, exactly as
the Whoosh index would score them.

Whoosh keeps these in its index; Typesense keeps none it shows. So `kavosh
index` counts them as it pushes:

- each passage's text as Whoosh's analysis chain indexes it, positions and
  exact forms (`=word`) included, as term ids in one stored field
  (`text_ids`), for term counts, lengths and phrases, and the terms in id
  order;
- per field, how many passages hold each term (document frequency) and the
  total length (for the average), and the passage count;
- per document, its length as whole-document BM25 counts it (the passages'
  text and the title once), how many documents hold each term, and its
  title's terms (which the window is read without: its passages share them).

They are stored in the collection's `-meta` twin (`stored_parts`) and read
back by the Typesense engine when it opens the collection.
"""

from __future__ import annotations

import json
from collections import Counter

from whoosh.util.numeric import byte_to_length, length_to_byte

from indexer.analysis import EXACT_MARK, stemming_analyzer
from indexer.typesense.schema import LENGTH_FIELD, TERM_FIELDS
from indexer.typesense.term_ids import IDS_FIELD, WIDTH, TermIds

FREQUENCY_CHUNK = 20_000


def terms_by_position(text: str, analyzer=None) -> list[list[str]]:
    """A passage text's terms, grouped by position (a group may be empty)."""
    analyzer = analyzer or stemming_analyzer()
    groups: list[list[str]] = []
    for token in analyzer(text, positions=True):
        while len(groups) <= token.pos:
            groups.append([])
        groups[token.pos].append(token.text)
    return groups


class CollectionStatistics:
    """Counts the statistics of one push, passage by passage (in document order)."""

    def __init__(self):
        self.passages = 0
        self.totals: Counter[str] = Counter()
        self.frequencies: dict[str, Counter[str]] = {name: Counter() for name in TERM_FIELDS}
        self.document_frequencies: Counter[str] = Counter()
        self.document_lengths: dict[str, float] = {}
        self.title_terms: dict[str, str] = {}
        self._document: str | None = None
        self._document_terms: set[str] = set()
        self._title_length = 0.0
        self._analyzer = stemming_analyzer()
        self.term_ids = TermIds()

    def add(self, fields: dict) -> None:
        """Count one passage (its Typesense document), adding its `text_ids`
        and `text_length`."""
        groups = terms_by_position(fields["text"], self._analyzer)
        fields[IDS_FIELD] = self.term_ids.encoded(groups)
        terms = {"text": [term for group in groups for term in group]}
        fields[LENGTH_FIELD] = len(terms["text"])
        for name, column in TERM_FIELDS.items():
            if name != "text":
                terms[name] = fields.get(column, "").split()
        self.passages += 1
        for name, found in terms.items():
            self.totals[name] += len(found)
            self.frequencies[name].update(set(found))
        if fields["document"] != self._document:
            self._close_document()
            self._document = fields["document"]
            self._title_length = quantized(len(terms["title"]))
            self.document_lengths[self._document] = self._title_length
            self.title_terms[self._document] = " ".join(terms["title"])
        self.document_lengths[self._document] += quantized(len(terms["text"]))
        self._document_terms.update(t for t in terms["text"] if not t.startswith(EXACT_MARK))
        self._document_terms.update(terms["title"])

    def _close_document(self) -> None:
        self.document_frequencies.update(self._document_terms)
        self._document_terms = set()

    def stored_parts(self) -> list[dict]:
        """The statistics as `-meta` documents: a summary, the text's terms
        in id order in chunks, the documents' title terms in chunks, then the
        frequencies in chunks (one field's, or the documents', per chunk)."""
        self._close_document()
        summary = {
            "passages": self.passages,
            "totals": dict(self.totals),
            "document_lengths": self.document_lengths,
            "term_id_width": WIDTH,
        }
        parts = [_part("statistics", "statistics", summary)]
        for number, chunk in _chunks(self.term_ids.terms):
            parts.append(_part(f"terms-{number:04d}", "terms", chunk))
        for number, chunk in _chunks(sorted(self.title_terms.items())):
            parts.append(_part(f"titles-{number:04d}", "titles", dict(chunk)))
        tables = {**self.frequencies, "document": self.document_frequencies}
        for name, table in tables.items():
            for number, chunk in _chunks(sorted(table.items())):
                value = {"field": name, "frequencies": dict(chunk)}
                parts.append(_part(f"frequencies-{name}-{number:04d}", "frequencies", value))
        return parts


def quantized(length: int) -> float:
    """A field length as Whoosh stores it, in one byte (a little rounded)."""
    return float(byte_to_length(length_to_byte(length)))


def _chunks(items: list) -> list[tuple[int, list]]:
    """`items` in numbered slices of at most `FREQUENCY_CHUNK`."""
    return [
        (number, items[start : start + FREQUENCY_CHUNK])
        for number, start in enumerate(range(0, len(items), FREQUENCY_CHUNK))
    ]


def _part(part_id: str, part: str, value) -> dict:
    return {"id": part_id, "part": part, "json": json.dumps(value, ensure_ascii=False)}
