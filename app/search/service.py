"""The search front: one long-lived `SearchService` per process, answering
`search(SearchRequest) -> Results` over any `Engine`. It knows nothing of
Flask, and nothing of which engine it has.

A search is parsed and compiled here once (query language, analysis,
synonyms), ranked by the engine, and assembled into `Results` with excerpts
and "did you mean". Answers are cached per snapshot (index generation or
collection) and synonyms version; editing the synonyms file needs neither a
rebuild nor a restart.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import replace
from pathlib import Path

from app.search.budget import DEFAULT_BUDGET_MS
from app.search.compiler import QueryCompiler
from app.search.engine import Engine, Page, Query, Snapshot, no_facets
from app.search.highlight import Marks
from app.search.querylang import Clause, cut, parse, shown
from app.search.request import MAX_TERMS, SearchRequest
from app.search.results import Hit, Results, hit_from_fields, hits_of_page
from app.search.spelling import did_you_mean
from app.search.synonyms import SynonymsFile
from app.search.vocabulary import suggestions
from app.search.whoosh_engine import WhooshEngine


class SearchService:
    """Searches what `engine` serves.

    :param engine: a `WhooshEngine` or a `TypesenseEngine` (see `open_search`),
        or an index folder, for a `WhooshEngine` over it.
    :param synonyms_file: the instance's synonyms file, if any.
    :param cache_size: answers kept, least recently used dropped first.
    :param warm_postings: with an index folder: postings to warm on opening.
    :param budget_ms: milliseconds a search may take before it answers the
        best found so far, marked `partial` (`QUERY_BUDGET_MS`; 0: no limit).
    """

    def __init__(
        self,
        engine: Engine | Path | str,
        synonyms_file: Path | None = None,
        cache_size: int = 512,
        warm_postings: int = 0,
        budget_ms: float = DEFAULT_BUDGET_MS,
    ):
        if isinstance(engine, Path | str):  # an index folder: the default engine
            engine = WhooshEngine(Path(engine), warm_postings)
        self.engine: Engine = engine
        self.cache_size = cache_size
        self.budget_ms = budget_ms
        self._synonyms = SynonymsFile(synonyms_file)
        self._cache: OrderedDict = OrderedDict()
        self._lock = threading.RLock()
        self._snapshot: Snapshot | None = None
        self._compiler: QueryCompiler | None = None

    # -- the live snapshot -------------------------------------------------------------

    def _current(self) -> tuple[Snapshot, QueryCompiler]:
        """The engine's live snapshot and a compiler for it, renewed (and the
        answers forgotten) when either the snapshot or the synonyms changed."""
        snapshot = self.engine.snapshot()
        with self._lock:
            synonyms_changed = self._synonyms.changed()
            if snapshot is not self._snapshot or self._compiler is None:
                self._snapshot = snapshot
                self._compiler = QueryCompiler(
                    snapshot.vocabulary, self._synonyms.synonyms, snapshot.sources
                )
                self._cache.clear()
            elif synonyms_changed:
                self._compiler.synonyms = self._synonyms.synonyms
                self._cache.clear()
            return snapshot, self._compiler

    # -- searching ---------------------------------------------------------------------

    def search(self, request: SearchRequest | str, **options) -> Results:
        """Rank the passages that answer `request`.

        :param request: a `SearchRequest`, or its query with its other fields
            as keyword `options` (`search("Hekmat", per_page=5)`).
        :raises QueryError: for parameters a `SearchRequest` refuses.
        :raises IndexUnavailableError: when the engine has nothing to serve.
        """
        started = time.perf_counter()
        if not isinstance(request, SearchRequest):
            request = SearchRequest(request, **options)
        snapshot, compiler = self._current()
        key = (snapshot.name, request.cache_key)
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                # The key ignores outer spaces; the echoed query is this client's own.
                return _retimed(replace(cached, query=request.query), started)
        # The budget is the query's own: opening a new generation is not charged to it.
        deadline = time.perf_counter() + self.budget_ms / 1000 if self.budget_ms else None
        results = _retimed(self._search(snapshot, compiler, request, deadline), started)
        if results.partial:  # a slow moment must not stick: the next asking tries again
            return results
        with self._lock:
            self._cache[key] = results
            if len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return results

    def _search(
        self,
        snapshot: Snapshot,
        compiler: QueryCompiler,
        request: SearchRequest,
        deadline: float | None,
    ) -> Results:
        clauses, dropped = cut(parse(request.query), MAX_TERMS)
        compiled = compiler.compile(clauses)
        if compiled.empty:
            page = Page(total=0, found=[], facets=no_facets())
        else:
            query = Query(request, clauses, compiled, compiler, deadline)
            page = self.engine.rank(snapshot, query)
        first = request.first_rank
        return Results(
            query=request.query,
            total=page.total,
            page=request.start // request.per_page + 1,
            per_page=request.per_page,
            took_ms=0.0,
            hits=hits_of_page(page.found, first),
            facets=page.facets,
            suggestion=did_you_mean(request.query, compiled.words, snapshot.vocabulary),
            generation=page.generation or snapshot.name,
            notes=tuple(_notes(clauses, dropped) + compiled.notes),
            offset=request.start,
            partial=page.partial,
            total_is_estimate=page.total_is_estimate,
        )

    # -- other look-ups ----------------------------------------------------------------

    def passage(self, passage_id: str) -> Hit | None:
        """One passage by id, or None."""
        fields = self.engine.stored(self.engine.snapshot(), passage_id)
        return hit_from_fields(fields, 0.0, 0, Marks()) if fields else None

    def documents(self) -> list[dict]:
        return list(self.engine.snapshot().documents.values())

    def manifest(self) -> dict:
        return self.engine.snapshot().manifest

    def generation(self) -> str:
        """The name of the snapshot that answers now."""
        return self.engine.snapshot().name

    def passage_count(self) -> int:
        return self.engine.passage_count(self.engine.snapshot())

    def marks(self, query: str) -> Marks:
        """What the excerpts mark for `query` (the source viewer marks the same)."""
        if not query.strip():
            return Marks()
        _, compiler = self._current()
        return compiler.compile(parse(query)).marks

    def word_frequencies(self) -> dict[str, int]:
        """How many passages hold each word form of the live snapshot."""
        return self.engine.snapshot().vocabulary.frequency

    def suggest(self, prefix: str, limit: int = 8) -> list[str]:
        """Completions for a search box: words, then matching document titles."""
        snapshot = self.engine.snapshot()
        titles = (d["title"] for d in snapshot.documents.values())
        return suggestions(prefix, snapshot.vocabulary, titles, limit)

    # -- health and lifetime -----------------------------------------------------------

    @property
    def location(self) -> str:
        """Where the index lives: a folder, or a cluster's alias."""
        return self.engine.location

    @property
    def degraded(self) -> str | None:
        """Why less than the whole index is served, or None."""
        return self.engine.degraded

    def wait_until_warm(self, timeout: float | None = None) -> None:
        """Open the index and wait for its caches to warm (`kavosh serve`)."""
        self.engine.wait_until_warm(timeout)

    def close(self) -> None:
        self.engine.close()


def _notes(clauses: list[Clause], dropped: int) -> list[str]:
    """What the answer says about how the query was read."""
    notes = []
    excluded = [f"“{shown(c)}”" for c in clauses if c.occur == "must_not"]
    if excluded:
        words = (
            ", ".join(excluded[:-1]) + " or " + excluded[-1] if len(excluded) > 1 else excluded[0]
        )
        notes.append(
            f"Passages with {words} were left out: a minus sign (or NOT) before a word excludes it."
        )
    if dropped:
        notes.append(
            f"The query is long: its first {MAX_TERMS} terms were searched and the other "
            f"{dropped:,} left out."
        )
    return notes


def _retimed(results: Results, started: float) -> Results:
    return replace(results, took_ms=(time.perf_counter() - started) * 1000)
