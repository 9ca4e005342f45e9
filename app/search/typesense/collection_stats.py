"""The statistics of a whole collection that re-scoring a window needs, as
`kavosh index` stored them in the collection's `-meta` twin
(`indexer.typesense.statistics`): per field, how many passages hold each
term and the average length; per document, its length and its title's
terms; and the text's
terms in id order (`indexer.typesense.term_ids`). Read once, when the
engine opens the collection.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from indexer.typesense.term_ids import WIDTH


@dataclass
class CollectionStats:
    """What BM25F needs of the whole collection (see `indexer.typesense.statistics`),
    and the text's terms by id (`indexer.typesense.term_ids`)."""

    passages: int
    averages: dict[str, float]  # field -> average length per passage
    frequencies: dict[str, dict[str, int]]  # field (or "document") -> term -> holders
    document_lengths: dict[str, float]
    documents: int
    terms: list[str]  # id -> term
    # document -> its title's terms; empty when pushed before they were stored
    title_terms: dict[str, str] = field(default_factory=dict)

    def __post_init__(self):
        self.ids = {term: number for number, term in enumerate(self.terms) if number}

    @classmethod
    def from_meta(cls, meta: dict[str, list], documents: int) -> CollectionStats | None:
        """The statistics in a collection's `-meta` parts (by kind), or None
        when it was pushed without them, or with the text as words rather
        than term ids (before `text_ids`): it is then ranked by Typesense."""
        summary = (meta.get("statistics") or [{}])[0]
        if summary.get("term_id_width") != WIDTH:
            return None
        frequencies: dict[str, dict[str, int]] = {}
        for chunk in meta.get("frequencies", []):
            frequencies.setdefault(chunk["field"], {}).update(chunk["frequencies"])
        terms = [term for chunk in meta.get("terms", []) for term in chunk]
        passages = summary["passages"]
        averages = {name: total / (passages or 1) for name, total in summary["totals"].items()}
        titles = {}
        for chunk in meta.get("titles", []):
            titles.update(chunk)
        lengths = summary["document_lengths"]
        return cls(passages, averages, frequencies, lengths, documents, terms, titles)

    def frequency(self, field: str, term: str) -> int:
        return self.frequencies.get(field, {}).get(term, 0)

    @property
    def document_average(self) -> float:
        return sum(self.document_lengths.values()) / (self.documents or 1)
