"""Opening a collection on a Typesense cluster: what `kavosh index` stored
beside its passages (the meta collection: manifest, documents, catalog,
vocabulary and the statistics re-scoring needs) and whether what its passages
show lives apart, read once per alias move into the `Snapshot` every search
of it shares.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from app.search.engine import TAGS_FIELD, Snapshot
from app.search.highlight import know_stems
from app.search.typesense.collection_stats import CollectionStats
from app.search.typesense.query import Catalog
from app.search.typesense.reads import collection_exists
from app.search.vocabulary import Vocabulary
from indexer.typesense.schema import LENGTH_FIELD, index_terms, meta_name, shown_name
from indexer.typo_index import DeletionIndex


@dataclass(frozen=True)
class Collection:
    """What the engine opened of one collection (its snapshot's `state`)."""

    catalog: Catalog
    stats: CollectionStats | None  # None: pushed before statistics were stored
    tagged: bool = True  # False: pushed before tags were
    measured: bool = True  # False: pushed before passage lengths were
    # The collection of what its passages show; None: pushed before it was
    # split off, so the passages show their own fields.
    shown_in: str | None = None
    title_terms: TitleTerms | None = None


class TitleTerms:
    """Each document's title terms, as `kavosh index` pushed them with every
    passage of it: the window is read without them, since a document's
    passages share them, and they were a third of the bytes of a SciFact
    candidate (a window round of 4.6 ms took 4.3 without). Stored with the
    statistics; for a collection pushed before they were, found from the
    document's title (`index_terms`, as `kavosh index` finds them) the
    first time a window holds it."""

    def __init__(self, stored: dict[str, str], documents: dict[str, dict]):
        self._terms = dict(stored)
        self._documents = documents

    def __call__(self, document: str) -> str:
        terms = self._terms.get(document)
        if terms is None:
            title = self._documents.get(document, {}).get("title")
            terms = self._terms[document] = index_terms(title)
        return terms


def open_collection(client, name: str) -> Snapshot:
    """The snapshot of collection `name`, from its meta collection and its
    schema (which fields a collection pushed by an older Kavosh lacks)."""
    meta: dict[str, list] = {}
    for part in client.export(meta_name(name)):
        meta.setdefault(part["part"], []).append(json.loads(part["json"]))
    forms: dict[str, list] = {}
    for chunk in meta.get("vocabulary", []):
        forms.update(chunk)
    documents = meta["documents"][0]
    catalog_data = meta["catalog"][0]
    catalog = Catalog(
        sources=tuple(sorted({d["path"] for d in documents})),
        titles={d["id"]: d["title"] for d in documents},
        sections=tuple(catalog_data["sections"]),
        speakers=tuple(catalog_data["speakers"]),
    )
    stats = CollectionStats.from_meta(meta, len(documents))
    fields = {field["name"] for field in client.get(f"/collections/{name}")["fields"]}
    vocabulary = Vocabulary(forms, deletions=DeletionIndex.of(forms))
    know_stems(vocabulary.stems)  # titles are marked by analysis: stems by look-up
    by_id = {d["id"]: d for d in documents}
    return Snapshot(
        name=name,
        manifest=meta["manifest"][0],
        documents=by_id,
        vocabulary=vocabulary,
        sources=list(catalog.sources),
        state=Collection(
            catalog,
            stats,
            TAGS_FIELD in fields,
            LENGTH_FIELD in fields,
            shown_twin(client, name),
            TitleTerms(stats.title_terms if stats else {}, by_id),
        ),
    )


def shown_twin(client, name: str) -> str | None:
    """The `-shown` twin of collection `name`, or None if it has none."""
    twin = shown_name(name)
    return twin if collection_exists(client, twin) else None
