"""The Typesense engine: the passages of the collection an alias names on a
Typesense cluster, behind the same `Engine` seam as the Whoosh engine.

What stays ours (in the front): the query language, its analysis (folding,
stemming, compounds), "did you mean", completions, the marks and the
excerpts. Each hit is re-rendered by our highlighter from the terms our
compiler would mark plus the tokens Typesense reports as matched, so both
engines escape identically and only `<mark>` is markup. What Typesense does:
ranking, typo tolerance, phrases, exclusion, filters, facets, paging, synonyms,
replication and fail-over (the client retries on the next node).

The live collection is whatever the alias names. Searches go through the alias
(each node switches atomically); the alias target and its metadata collection
are re-read at most every `ALIAS_TTL` seconds, so a `kavosh index` run is live
within about a second with no restart.
"""

from __future__ import annotations

import json
import threading
import time

from app.search.engine import FACET_COLUMNS, Found, Page, Query, Snapshot, no_facets
from app.search.errors import IndexUnavailableError, NoIndexError, QueryError
from app.search.highlight import Marks
from app.search.results import FacetValue
from app.search.typesense.query import Catalog, search_params
from app.search.vocabulary import Vocabulary
from indexer.typesense.client import TypesenseClient, is_not_found
from indexer.typesense.schema import DEFAULT_ALIAS, meta_name

ALIAS_TTL = 1.0


class TypesenseEngine:
    """The `Engine` over the collection that `alias` names on a Typesense cluster."""

    def __init__(self, nodes: list[str], api_key: str, *, alias: str = DEFAULT_ALIAS, client=None):
        self.nodes = list(nodes)
        self.alias = alias
        self.client = client or TypesenseClient(self.nodes, api_key)
        self._lock = threading.RLock()
        self._current: Snapshot | None = None
        self._checked = 0.0

    @property
    def location(self) -> str:
        return f"Typesense alias {self.alias!r} on {', '.join(self.nodes)}"

    def snapshot(self) -> Snapshot:
        """The live collection's metadata, re-read when the alias moved."""
        with self._lock:
            current = self._current
            if current is not None and time.monotonic() - self._checked < ALIAS_TTL:
                return current
            try:
                name = self.client.get(f"/aliases/{self.alias}")["collection_name"]
                if current is None or current.name != name:
                    current = self._open(name)
            except Exception as error:
                if current is not None:
                    # A node that lags or is away: serve the collection we have;
                    # the search itself says so if the cluster cannot answer.
                    return current
                raise self._error(error) from error
            self._current, self._checked = current, time.monotonic()
            return current

    def _open(self, name: str) -> Snapshot:
        meta = {}
        for part in self.client.export(meta_name(name)):
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
        return Snapshot(
            name=name,
            manifest=meta["manifest"][0],
            documents={d["id"]: d for d in documents},
            vocabulary=Vocabulary(forms),
            sources=list(catalog.sources),
            state=catalog,
        )

    def _error(self, error: Exception):
        if is_not_found(error):
            return NoIndexError(self.location, "no collection has been pushed")
        return IndexUnavailableError(
            f"the Typesense cluster did not answer ({type(error).__name__}: {error}): "
            f"check that its nodes ({', '.join(self.nodes)}) are running"
        )

    @property
    def degraded(self) -> str | None:
        """Which nodes the client is skipping, if any: the others serve meanwhile."""
        down = self.client.unhealthy_nodes()
        if not down:
            return None
        return f"Typesense node(s) {', '.join(down)} not answering; the others are serving"

    def wait_until_warm(self, timeout: float | None = None) -> None:
        """Nothing to warm here: the cluster keeps its own caches."""

    def close(self) -> None:
        self.client.close()

    def rank(self, snapshot: Snapshot, query: Query) -> Page:
        """With `group="document"` Typesense groups by document and ranks each
        group by its best passage (no whole-document score)."""
        request = query.request
        if request.tags:  # tags are not pushed to the collection (indexer/typesense/schema.py)
            raise QueryError("the tags filter needs the Whoosh engine", "unsupported_filter")
        wanted = search_params(query.clauses, snapshot.state, query.compiler.synonyms, request)
        if wanted.matches_nothing:
            return Page(total=0, found=[])
        try:
            answer = self.client.search(self.alias, wanted.params)
        except Exception as error:
            raise self._error(error) from error
        answered_by = answer.get("request_params", {}).get("collection_name", snapshot.name)
        if answered_by != snapshot.name:
            self._checked = 0.0  # the alias moved: re-read it on the next call
        if "grouped_hits" in answer:
            answer = {**answer, "hits": [g["hits"][0] for g in answer["grouped_hits"] if g["hits"]]}
        hits = answer["hits"][wanted.skip : wanted.skip + request.per_page]
        found = [
            Found(hit["document"], float(hit["text_match"]), _marks(hit, query.compiled.marks))
            for hit in hits
        ]
        facets = _facets(answer, request.facet_limit)
        return Page(answer["found"], found, facets, generation=answered_by)

    def stored(self, snapshot: Snapshot, passage_id: str) -> dict | None:
        try:
            return self.client.document(self.alias, passage_id)
        except Exception as error:
            if is_not_found(error):
                return None
            raise self._error(error) from error

    def passage_count(self, snapshot: Snapshot) -> int:
        return int(snapshot.manifest["passages"])


def _marks(found: dict, marks: Marks) -> Marks:
    """Our compiler's marks plus the terms Typesense says it matched (typo matches)."""
    matched = {
        token.lower()
        for highlight in found.get("highlights", [])
        for token in highlight.get("matched_tokens", [])
        if isinstance(token, str)
    }
    return Marks(terms=marks.terms | matched, phrases=list(marks.phrases))


def _facets(answer: dict, limit: int) -> dict[str, list[FacetValue]]:
    by_field = {f["field_name"]: f.get("counts", []) for f in answer.get("facet_counts", [])}
    facets = no_facets()  # no tags: the collection has none
    for name, column in FACET_COLUMNS.items():
        values = [FacetValue(str(c["value"]), c["count"]) for c in by_field.get(column, [])]
        values.sort(key=lambda v: (-v.count, v.value))
        facets[name] = values[:limit]
    return facets
