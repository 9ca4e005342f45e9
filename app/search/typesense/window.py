"""Scoring a compiled query over the window of candidates Typesense found,
the way the Whoosh engine scores it over the whole index.

The compiler's query tree (`Term`, `Or`, `And`, `AndMaybe`, `DisjunctionMax`,
`Phrase`, `Prefix`) means here what it means to the Whoosh evaluator: an `Or`
sums, an `And` needs every child and sums, `AndMaybe` adds the optional side,
`DisjunctionMax` keeps the best (plus its tiebreak), a `Phrase` matches its
words in order within `slop` positions and scores their sum, a boost
multiplies. Each term is weighed by the shared BM25F (`indexer.bm25f`)
with the collection's own statistics (`collection_stats`, stored by `kavosh
index`), so a passage gets the score it would get from the Whoosh engine.

Each node is an array over the window (a few hundred passages), computed
from the passages' analysed terms as Typesense returns them (their term
ids, `indexer.typesense.term_ids`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from whoosh.query import And, AndMaybe, DisjunctionMax, NullQuery, Or, Phrase, Prefix, Term
from whoosh.util.numeric import byte_to_length

from app.search.proximity import in_sequence
from app.search.typesense.collection_stats import CollectionStats
from indexer.bm25f import bm25f, field_b, idf
from indexer.typesense.schema import TERM_FIELDS
from indexer.typesense.term_ids import IDS_FIELD, decode

# Exact-value columns a filter can name: they match on the stored value and
# score 1, as unscored columns do in Whoosh.
COLUMNS = ("source", "section_path", "speaker_name", "document", "kind", "language")
_NULL = type(NullQuery)


@dataclass
class Matches:
    """Which window passages a query matches (`mask`) and their scores."""

    mask: np.ndarray
    scores: np.ndarray


class Window:
    """The candidates of one search: their stored fields, terms and lengths.

    The text's terms are arrays over the whole window (`term_ids.decode`),
    so a term's counts in every passage are one comparison; the short fields
    are counted per distinct value (`_short_field`)."""

    def __init__(
        self,
        hits: list[dict],
        stats: CollectionStats,
        title_terms: Callable[[str], str] | None = None,
    ):
        """:param title_terms: a document's title terms (`collection.TitleTerms`),
        when the hits do not carry their own."""
        self.hits = hits
        self.stats = stats
        self.size = len(hits)
        self.text = decode([h.get(IDS_FIELD, "") for h in hits])
        # Each passage's place in the corpus (ties are ranked by it), and its
        # document as a number: `documents[owners[i]]` holds passage i.
        self.positions = np.fromiter(
            (int(h.get("position", 0)) for h in hits), dtype=np.int64, count=self.size
        )
        numbers: dict[str, int] = {}
        self.owners = np.fromiter(
            (numbers.setdefault(h["document"], len(numbers)) for h in hits),
            dtype=np.intp,
            count=self.size,
        )
        self.documents = list(numbers)
        # A short field's term counts, once per distinct value, and which
        # value each passage holds.
        self.counts: dict[str, tuple[list[Counter], np.ndarray]] = {}
        self.lengths = {"text": quantized_lengths(self.text.lengths)}
        for name, column in TERM_FIELDS.items():
            if name == "text":
                continue
            if name == "title" and title_terms is not None:  # once per document
                distinct = [_counted(title_terms(document)) for document in self.documents]
                held = self.owners
                self.lengths[name] = _lengths(distinct)[held]
            else:
                distinct, held, self.lengths[name] = _short_field([h.get(column, "") for h in hits])
            self.counts[name] = (distinct, held)
        self._scored: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
        self._tf: dict[tuple[str, str], np.ndarray] = {}

    def tf(self, field: str, term: str) -> np.ndarray:
        """How often each passage of the window holds `term` in `field`
        (remembered: scoring and the documents' BM25 both ask)."""
        key = (field, term)
        found = self._tf.get(key)
        if found is None:
            if field == "text":
                held = self.text.passages[self.text.ids == self.stats.ids.get(term, -1)]
                found = np.bincount(held, minlength=self.size).astype(np.float64)
            elif field in self.counts:
                distinct, held = self.counts[field]
                found = np.array([c.get(term, 0) for c in distinct], dtype=np.float64)[held]
            elif field in COLUMNS:
                found = np.array([float(h.get(field) == term) for h in self.hits])
            else:
                found = np.zeros(self.size)
            self._tf[key] = found
        return found

    def scored(self, field: str, term: str) -> tuple[np.ndarray, np.ndarray]:
        """(holds the term, its BM25F score) in each passage of the window."""
        key = (field, term)
        found = self._scored.get(key)
        if found is None:
            tf = self.tf(field, term)
            if field in self.lengths:
                stats = self.stats
                weight = idf(stats.passages, stats.frequency(field, term))
                average = stats.averages.get(field, 0.0)
                scores = bm25f(tf, self.lengths[field], average, weight, field_b(field))
            else:
                scores = tf
            found = self._scored[key] = (tf > 0, np.where(tf > 0, scores, 0.0))
        return found

    def occurrences(
        self, terms: frozenset[str], among: list[int]
    ) -> dict[int, dict[str, list[int]]]:
        """Where each of `terms` stands in the text of each passage `among`
        that holds one, ascending: a phrase's candidates (the passages holding
        every word, a few of the window or none), a page's marks (a tenth of
        the window's positions, or less). Found for the whole window at
        once, the positions of a long claim's phrases were a tenth of its
        search."""
        wanted = {self.stats.ids[t]: t for t in terms if t in self.stats.ids}
        text = self.text
        if not wanted or not among:
            return {}
        # Membership by look-up tables, not `np.isin`, which sorts: a tenth
        # of a SciFact claim's re-scoring.
        is_wanted = np.zeros(
            max(len(self.stats.terms), self.text.ids.max(initial=0) + 1), dtype=bool
        )
        is_wanted[list(wanted)] = True
        is_among = np.zeros(self.size, dtype=bool)
        is_among[among] = True
        picked = np.flatnonzero(is_wanted[text.ids])
        picked = picked[is_among[text.passages[picked]]]
        found: dict[int, dict[str, list[int]]] = {}
        for passage, term_id, position in zip(
            text.passages[picked].tolist(),
            text.ids[picked].tolist(),
            text.positions[picked].tolist(),
            strict=True,
        ):
            found.setdefault(passage, {}).setdefault(wanted[term_id], []).append(position)
        return found

    def text_terms(self) -> list[str]:
        """Every distinct term of the window's texts (for a prefix)."""
        return [self.stats.terms[i] for i in np.unique(self.text.ids).tolist() if i]


# The length each of Whoosh's 256 length bytes stands for, ascending: a
# length is stored as the first byte whose length is at least it, so a
# window's lengths are looked up at once, not quantized one by one.
_BYTE_LENGTHS = np.array([byte_to_length(byte) for byte in range(256)], dtype=np.float64)


def quantized_lengths(lengths) -> np.ndarray:
    """Field lengths as Whoosh stores them (`quantized`), for a whole window."""
    byte = np.searchsorted(_BYTE_LENGTHS, np.asarray(lengths, dtype=np.float64), side="left")
    return _BYTE_LENGTHS[np.minimum(byte, 255)]


def _short_field(values: list[str]) -> tuple[list[Counter], np.ndarray, np.ndarray]:
    """Term counts of a title, heading or speaker field, once per distinct
    value (a document's passages share its title, a section's its heading),
    the distinct value each passage holds, and each passage's length."""
    number: dict[str, int] = {}
    held = np.array([number.setdefault(v, len(number)) for v in values], dtype=np.intp)
    distinct = [_counted(value) for value in number]
    return distinct, held, _lengths(distinct)[held]


def _lengths(distinct: list[Counter]) -> np.ndarray:
    """The quantized length of each distinct value of a short field."""
    return quantized_lengths([terms.total() for terms in distinct])


@lru_cache(maxsize=1 << 16)
def _counted(value: str) -> Counter:
    """The term counts of one short field's value, remembered by the process:
    the windows of SciFact's claims held 240 titles each, counted 72,000
    times in 300 searches. (Shared: never changed by the caller.)"""
    return Counter(value.split())


class WindowEvaluator:
    """`Matches` of query trees over one `Window`, remembered per query object."""

    def __init__(self, window: Window):
        self.window = window
        self._memo: dict[int, tuple[object, Matches]] = {}

    def nothing(self) -> Matches:
        return Matches(np.zeros(self.window.size, dtype=bool), np.zeros(self.window.size))

    def evaluate(self, query) -> Matches:
        remembered = self._memo.get(id(query))
        if remembered is not None and remembered[0] is query:
            return remembered[1]
        matches = self._compute(query)
        self._memo[id(query)] = (query, matches)
        return matches

    def _compute(self, query) -> Matches:
        if query is None or isinstance(query, _NULL):
            return self.nothing()
        if isinstance(query, Term):
            mask, scores = self.window.scored(query.fieldname, query.text)
            return Matches(mask, scores * query.boost)
        if isinstance(query, Or):
            parts = [self.evaluate(child) for child in query.subqueries]
            return self._combine(parts, any_of=True, boost=query.boost)
        if isinstance(query, And):
            parts = [self.evaluate(child) for child in query.subqueries]
            return self._combine(parts, any_of=False, boost=query.boost)
        if isinstance(query, AndMaybe):
            required, optional = self.evaluate(query.a), self.evaluate(query.b)
            scores = np.where(required.mask, required.scores + optional.scores, 0.0)
            return Matches(required.mask, scores * query.boost)
        if isinstance(query, DisjunctionMax):
            return self._best(query)
        if isinstance(query, Phrase):
            return self._phrase(query)
        if isinstance(query, Prefix):
            return self._prefix(query)
        raise TypeError(f"the window cannot score a {type(query).__name__}")

    def _combine(self, parts: list[Matches], any_of: bool, boost: float) -> Matches:
        if not parts:
            return self.nothing()
        masks = [p.mask for p in parts]
        mask = np.logical_or.reduce(masks) if any_of else np.logical_and.reduce(masks)
        scores = np.sum([p.scores for p in parts], axis=0)
        return Matches(mask, np.where(mask, scores * boost, 0.0))

    def _best(self, query: DisjunctionMax) -> Matches:
        parts = [self.evaluate(child) for child in query.subqueries]
        if not parts:
            return self.nothing()
        stacked = np.vstack([p.scores for p in parts])
        best = stacked.max(axis=0)
        if query.tiebreak:
            best = best + query.tiebreak * (stacked.sum(axis=0) - best)
        return Matches(np.logical_or.reduce([p.mask for p in parts]), best * query.boost)

    def _phrase(self, query: Phrase) -> Matches:
        words = list(query.words)
        if not words or query.fieldname != "text":
            return self.nothing()
        scored = [self.window.scored("text", w) for w in words]
        candidates = np.flatnonzero(np.logical_and.reduce([mask for mask, _ in scored]))
        matches = self.nothing()
        # Only the passages holding every word are looked at: a long claim's
        # phrase is held whole by a few passages of the window, or none.
        among = candidates.tolist()
        where = self.window.occurrences(frozenset(words), among) if among else {}
        for index in among:
            found = where.get(index, {})
            positions = [found.get(w, []) for w in words]
            if in_sequence(positions, query.slop):
                matches.mask[index] = True
                matches.scores[index] = sum(s[index] for _, s in scored) * query.boost
        return matches

    def _prefix(self, query: Prefix) -> Matches:
        window, field = self.window, query.fieldname
        if field in COLUMNS:
            mask = np.array([str(h.get(field) or "").startswith(query.text) for h in window.hits])
            return Matches(mask, mask * query.boost)
        if field == "text":
            held = window.text_terms()
        else:
            held = {t for c in window.counts.get(field, ([], None))[0] for t in c}
        terms = {t for t in held if t.startswith(query.text)}
        return self._combine([self.evaluate(Term(field, t)) for t in sorted(terms)], True, 1.0)
