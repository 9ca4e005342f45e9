"""The search core over a Typesense cluster: `TypesenseSearchService` answers
the same calls as `SearchService` (search, passage, documents, manifest,
passage_count, suggest, degraded, store) with the same `Results`.

What stays ours: the query language (`querylang`), its analysis (folding,
stemming, compounds), "did you mean", completions, the vocabulary-based marks
and the excerpts. Each hit is re-rendered by our highlighter from the terms
our compiler would mark plus the tokens Typesense reports as matched, so both
backends escape identically and only `<mark>` is markup. What Typesense does:
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
from collections import OrderedDict
from dataclasses import dataclass, replace
from pathlib import Path

from app.search.compiler import QueryCompiler
from app.search.highlight import Marks
from app.search.querylang import parse
from app.search.results import FacetValue, Hit, Results, hit_from_fields
from app.search.service import _check, _suggestion
from app.search.synonyms import Synonyms
from app.search.typesense_query import FACET_LIMIT, FACETS, Catalog, search_params
from app.search.vocabulary import Vocabulary, suggestions
from indexer.errors import IndexError_, NoIndexError
from indexer.typesense_client import TypesenseClient, is_not_found
from indexer.typesense_schema import DEFAULT_ALIAS, meta_name

ALIAS_TTL = 1.0


@dataclass
class _Collection:
    """Everything read once for one live collection."""

    name: str
    manifest: dict
    documents: dict[str, dict]
    catalog: Catalog
    vocabulary: Vocabulary
    compiler: QueryCompiler


class _AliasStore:
    """What the web layer asks of `SearchService.store`: where the index is and
    the name of the live generation (here, the collection behind the alias)."""

    def __init__(self, service: TypesenseSearchService):
        self._service = service
        self.root = f"Typesense alias {service.alias!r} on {', '.join(service.nodes)}"

    def current_name(self) -> str | None:
        return self._service.collection().name


class TypesenseSearchService:
    """Searches the collection that `alias` names on a Typesense cluster."""

    def __init__(
        self,
        nodes: list[str],
        api_key: str,
        *,
        alias: str = DEFAULT_ALIAS,
        synonyms_file: Path | None = None,
        cache_size: int = 512,
        client=None,
    ):
        self.nodes = list(nodes)
        self.alias = alias
        self.client = client or TypesenseClient(self.nodes, api_key)
        self.synonyms_file = synonyms_file
        self.cache_size = cache_size
        self.store = _AliasStore(self)
        self._cache: OrderedDict = OrderedDict()
        self._lock = threading.RLock()
        self._current: _Collection | None = None
        self._checked = 0.0

    # -- the live collection --------------------------------------------------------

    def collection(self) -> _Collection:
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

    def _open(self, name: str) -> _Collection:
        meta = {}
        for part in self.client.export(meta_name(name)):
            meta.setdefault(part["part"], []).append(json.loads(part["json"]))
        forms: dict[str, list] = {}
        for chunk in meta.get("vocabulary", []):
            forms.update(chunk)
        documents = meta["documents"][0]
        catalog_data = meta["catalog"][0]
        vocabulary = Vocabulary(forms)
        catalog = Catalog(
            sources=tuple(sorted({d["path"] for d in documents})),
            titles={d["id"]: d["title"] for d in documents},
            sections=tuple(catalog_data["sections"]),
            speakers=tuple(catalog_data["speakers"]),
        )
        synonyms = Synonyms.load(self.synonyms_file)
        return _Collection(
            name=name,
            manifest=meta["manifest"][0],
            documents={d["id"]: d for d in documents},
            catalog=catalog,
            vocabulary=vocabulary,
            compiler=QueryCompiler(vocabulary, synonyms, list(catalog.sources)),
        )

    def _error(self, error: Exception):
        if is_not_found(error):
            return NoIndexError(self.store.root, "no collection has been pushed")
        return IndexError_(
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

    def close(self) -> None:
        self.client.close()

    # -- searching --------------------------------------------------------------------

    def search(
        self,
        query: str,
        *,
        sources: tuple[str, ...] | list[str] = (),
        section: str | None = None,
        speaker: str | None = None,
        page: int = 1,
        per_page: int = 10,
        group: str | None = None,
    ) -> Results:
        """Rank the passages that answer `query`; see `SearchService.search`.
        With `group="document"` Typesense groups by document and ranks each
        group by its best passage (no whole-document score)."""
        started = time.perf_counter()
        _check(query, page, per_page, group)
        collection = self.collection()
        key = (collection.name, query.strip(), tuple(sources), section, speaker, page, per_page)
        key += (group,)
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return replace(cached, took_ms=(time.perf_counter() - started) * 1000)
        results = self._search(collection, query, sources, section, speaker, page, per_page, group)
        results = replace(results, took_ms=(time.perf_counter() - started) * 1000)
        with self._lock:
            self._cache[key] = results
            if len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return results

    def _search(
        self, collection, query, sources, section, speaker, page, per_page, group
    ) -> Results:
        clauses = parse(query)
        compiled = collection.compiler.compile(clauses)
        base = dict(
            query=query,
            page=page,
            per_page=per_page,
            took_ms=0.0,
            suggestion=_suggestion(query, compiled, collection.vocabulary),
            generation=collection.name,
            notes=tuple(compiled.notes),
        )
        if compiled.empty:
            return Results(**base, total=0, hits=[])
        wanted = search_params(
            clauses,
            collection.catalog,
            collection.compiler.synonyms,
            sources=sources,
            section=section,
            speaker=speaker,
            page=page,
            per_page=per_page,
            group=group,
        )
        if wanted.matches_nothing:
            return Results(**base, total=0, hits=[], facets={name: [] for name in FACETS})
        try:
            answer = self.client.search(self.alias, wanted.params)
        except Exception as error:
            raise self._error(error) from error
        answered_by = answer.get("request_params", {}).get("collection_name", collection.name)
        if answered_by != collection.name:
            self._checked = 0.0  # the alias moved: re-read it on the next call
        first = (page - 1) * per_page + 1
        if "grouped_hits" in answer:
            answer = {**answer, "hits": [g["hits"][0] for g in answer["grouped_hits"] if g["hits"]]}
        hits = [
            hit_from_fields(
                found["document"], float(found["text_match"]), rank, _marks(found, compiled)
            )
            for rank, found in enumerate(answer["hits"], start=first)
        ]
        return replace(
            Results(**base, total=answer["found"], hits=hits, facets=_facets(answer)),
            generation=answered_by,
        )

    # -- other look-ups ----------------------------------------------------------------

    def passage(self, passage_id: str) -> Hit | None:
        """One passage by id, or None."""
        self.collection()
        try:
            fields = self.client.document(self.alias, passage_id)
        except Exception as error:
            if is_not_found(error):
                return None
            raise self._error(error) from error
        return hit_from_fields(fields, 0.0, 0, Marks())

    def documents(self) -> list[dict]:
        return list(self.collection().documents.values())

    def manifest(self) -> dict:
        return self.collection().manifest

    def passage_count(self) -> int:
        return int(self.collection().manifest["passages"])

    def suggest(self, prefix: str, limit: int = 8) -> list[str]:
        """Completions for a search box: words, then matching document titles."""
        collection = self.collection()
        return suggestions(prefix, collection.vocabulary, collection.catalog.titles.values(), limit)


def _marks(found: dict, compiled) -> Marks:
    """Our compiler's marks plus the terms Typesense says it matched (typo matches)."""
    matched = {
        token.lower()
        for highlight in found.get("highlights", [])
        for token in highlight.get("matched_tokens", [])
        if isinstance(token, str)
    }
    return Marks(terms=compiled.marks.terms | matched, phrases=list(compiled.marks.phrases))


def _facets(answer: dict) -> dict[str, list[FacetValue]]:
    by_field = {f["field_name"]: f.get("counts", []) for f in answer.get("facet_counts", [])}
    facets = {}
    for name, column in FACETS.items():
        values = [FacetValue(str(c["value"]), c["count"]) for c in by_field.get(column, [])]
        values.sort(key=lambda v: (-v.count, v.value))
        facets[name] = values[:FACET_LIMIT]
    return facets
