"""The Typesense engine: the passages of the collection an alias names on a
Typesense cluster, behind the same `Engine` seam as the Whoosh engine.

A search runs in two phases: Typesense finds a window of candidates
(`candidates`: every passage holding the query's rarest terms, an exact
filter it does well), and Kavosh re-scores the window with the Whoosh
engine's BM25F, tiers and bonuses (`window`, `rescore`) from the statistics
`kavosh index` stored with the collection. Only the page asked for is then
fetched whole. What stays ours (in the front): the query language, its
analysis, "did you mean", completions, the marks and the excerpts. What
Typesense does: the candidates, filters, facets and totals past the window,
replication and fail-over (the client retries on the next node).

The live collection is whatever the alias names. Searches go through the alias
(each node switches atomically); the alias target and its metadata collection
are re-read at most every `ALIAS_TTL` seconds, so a `kavosh index` run is live
within about a second with no restart.
"""

from __future__ import annotations

import threading
import time

from app.search.engine import Page, Query, Snapshot
from app.search.errors import IndexUnavailableError, KavoshError
from app.search.typesense.candidates import (
    merged,
    searches,
    selective_terms,
    terms_of,
    unread,
)
from app.search.typesense.collection import Collection, open_collection, shown_twin
from app.search.typesense.own_ranking import typesense_page
from app.search.typesense.query import search_params
from app.search.typesense.reads import ClusterReads, Moved
from app.search.typesense.rescore import rescore
from app.search.typesense.shown import shown, shown_searches
from app.search.typesense.spans import marked_terms
from app.search.typesense.totals import total_and_facets
from app.search.typesense.window import Window
from indexer.typesense.client import TypesenseClient
from indexer.typesense.schema import DEFAULT_ALIAS

ALIAS_TTL = 1.0
WINDOW = 250  # the default of the TYPESENSE_WINDOW setting
# A page past the window widens it, doubling, up to this many times its size;
# past that the answer ends (its total is then an estimate, and says so).
WIDEST = 4
# A page of documents starts from a window of at least this many times its
# passages (`_first_budget`).
DOCUMENT_SPREAD = 2


class TypesenseEngine:
    """The `Engine` over the collection that `alias` names on a Typesense cluster.

    :param window: how many candidates Typesense finds for Kavosh to re-score.
    """

    def __init__(
        self,
        nodes: list[str],
        api_key: str,
        *,
        alias: str = DEFAULT_ALIAS,
        client=None,
        window: int = WINDOW,
    ):
        if window < 1:
            raise KavoshError(f"TYPESENSE_WINDOW is {window}; it must be at least 1")
        self.nodes = list(nodes)
        self.alias = alias
        self.window = window
        self.widest = window * WIDEST
        self._api_key = None if client else api_key
        self.reads = ClusterReads(client or TypesenseClient(self.nodes, api_key), alias, self.nodes)
        self._lock = threading.RLock()
        self._current: Snapshot | None = None
        self._checked = 0.0

    @property
    def client(self) -> TypesenseClient:
        return self.reads.client

    @property
    def location(self) -> str:
        return self.reads.location

    def snapshot(self) -> Snapshot:
        """The live collection's metadata, re-read when the alias moved."""
        with self._lock:
            current = self._current
            if current is not None and time.monotonic() - self._checked < ALIAS_TTL:
                return current
            try:
                name = self.client.get(f"/aliases/{self.alias}")["collection_name"]
                if current is None or current.name != name:
                    current = open_collection(self.client, name)
            except Exception as error:
                if current is not None:
                    # A node that lags or is away: serve the collection we have;
                    # the search itself says so if the cluster cannot answer.
                    return current
                raise self.reads.error(error) from error
            self._current, self._checked = current, time.monotonic()
            return current

    def _expire(self) -> None:
        """Read the alias again on the next call: it has moved."""
        with self._lock:
            self._checked = float("-inf")

    @property
    def degraded(self) -> str | None:
        """Which nodes the client is skipping, if any: the others serve meanwhile."""
        down = self.client.unhealthy_nodes()
        if not down:
            return None
        return f"Typesense node(s) {', '.join(down)} not answering; the others are serving"

    def wait_until_warm(self, timeout: float | None = None) -> None:
        """Open the live collection now (`kavosh serve` does, before forking
        its workers), so that every worker starts with its vocabulary and
        statistics, shared: opening SciFact's took 1.1 s, which each
        worker's first search paid. The connections that opened it are
        then dropped: a connection shared by forked workers would mix their
        answers, so each worker opens its own."""
        try:
            self.snapshot()
        finally:
            if self._api_key is not None:  # a client of our own, not one given
                self.client.close()
                self.reads.client = TypesenseClient(self.nodes, self._api_key)

    def close(self) -> None:
        self.client.close()

    def rank(self, snapshot: Snapshot, query: Query) -> Page:
        """Two phases: Typesense finds the window of candidates, Kavosh
        re-scores it (`rescore`) and returns the page asked for. A collection
        pushed without statistics is ranked by Typesense alone.

        A rebuild that drops the collection being read, between the window
        and its page, is searched again on the collection the alias names now."""
        try:
            return self._rank(snapshot, query)
        except Moved:
            self._expire()
        try:
            return self._rank(self.snapshot(), query)
        except Moved as error:
            raise IndexUnavailableError(
                f"the collection {error} was dropped while it was read (a rebuild): try again"
            ) from error

    def _rank(self, snapshot: Snapshot, query: Query) -> Page:
        collection: Collection = snapshot.state
        stats = collection.stats
        if stats is None:
            return self._rank_by_typesense(snapshot, query)
        request = query.request
        wanted = search_params(
            query.clauses,
            collection.catalog,
            query.compiler.synonyms,
            request,
            window=self.window,
            frequency=lambda term: stats.frequency("text", term),
            tagged=collection.tagged,
        )
        if wanted.matches_nothing:
            return Page(total=0, found=[])
        start, end = request.start, request.end
        params = wanted.params
        budget = self._first_budget(snapshot, request)
        answers: list[dict] = []
        read: set[tuple[str, str]] = set()
        scored = -1  # how many answers the window and its ranking hold
        while True:  # a page past the window widens it (see `WIDEST`)
            selection = selective_terms(query.compiled.ranked, stats, budget)
            fresh = unread(selection, read, stats)  # a wider window reads only what it adds
            wanted_searches = searches(
                params, fresh, self.widest, collection.measured, with_own=not answers
            )
            if wanted_searches or not answers:  # else the same window
                answers += self.reads.searches(wanted_searches)
                read |= terms_of(selection)
            candidates = merged(answers, selection)  # maybe now known whole
            last = candidates.complete or budget >= self.widest
            if not last and _too_few(candidates.hits, end, request.group):
                budget = min(budget * 2, self.widest)
                continue  # the page cannot be filled: wider, unscored
            if scored != len(answers):
                window = Window(candidates.hits, stats, collection.title_terms)
                ranking = rescore(window, query.compiled, request.group)
                scored = len(answers)
            if last or len(ranking.order) >= end:
                break
            budget = min(budget * 2, self.widest)
        answered_by = self._answered_by(answers[-1], snapshot)
        page = ranking.order[start:end]
        # What the page shows is read apart from the window (`shown`), from
        # the twin of the collection that answered, and its marks are found
        # meanwhile.
        shown_in = self._shown_in(snapshot, answered_by)
        wanted_ids = [window.hits[index]["id"] for index, _ in page]
        reading = self.reads.send(shown_searches(wanted_ids), shown_in)
        marks = query.compiled.marks
        where = window.occurrences(marked_terms(marks), among=[index for index, _ in page])
        total, facets = total_and_facets(candidates, window, ranking, request)
        found = shown(self.reads.answers(reading, shown_in), page, window, where, marks)
        return Page(total, found, facets, answered_by, total_is_estimate=not candidates.complete)

    def _first_budget(self, snapshot: Snapshot, request) -> int:
        """The first window's budget: the setting, or for a page of documents
        at least `DOCUMENT_SPREAD` times the passages its documents hold on
        average, since a document's passages share words and the union's
        holders overlap. A window of 250 filled SciFact's pages of 100
        documents (2.3 passages each) in only half the claims; each other
        one was widened, a second round trip of 19 ms at p50 on top of 12."""
        if request.group != "document":
            return self.window
        documents = max(1, len(snapshot.documents))
        spread = DOCUMENT_SPREAD * request.end * self.passage_count(snapshot) / documents
        return min(self.widest, max(self.window, round(spread)))

    def _answered_by(self, answer: dict, snapshot: Snapshot) -> str:
        answered_by = answer.get("request_params", {}).get("collection_name", snapshot.name)
        if answered_by != snapshot.name:
            self._expire()
        return answered_by

    def _shown_in(self, snapshot: Snapshot, answered_by: str) -> str | None:
        """Where the passages of collection `answered_by` show their fields:
        its `-shown` twin, or None (the alias: pushed before the split)."""
        if answered_by == snapshot.name:
            return snapshot.state.shown_in
        try:
            return shown_twin(self.client, answered_by)
        except Exception as error:
            raise self.reads.error(error) from error

    def _rank_by_typesense(self, snapshot: Snapshot, query: Query) -> Page:
        """Typesense's own ranking (a collection pushed before statistics were
        stored). With `group="document"` Typesense ranks each document by its
        best passage."""
        request = query.request
        collection: Collection = snapshot.state
        wanted = search_params(
            query.clauses,
            collection.catalog,
            query.compiler.synonyms,
            request,
            tagged=collection.tagged,
        )
        if wanted.matches_nothing:
            return Page(total=0, found=[])
        answer = self.reads.search(wanted.params)
        answered_by = self._answered_by(answer, snapshot)
        return typesense_page(answer, wanted.skip, request, query.compiled.marks, answered_by)

    def stored(self, snapshot: Snapshot, passage_id: str) -> dict | None:
        """A passage's shown fields, from the collection the alias names now:
        a passage not found in `snapshot`'s is looked for again once the
        alias is read afresh (a rebuild since may hold it)."""
        try:
            fields = self.reads.document(snapshot.state.shown_in or self.alias, passage_id)
        except Moved:
            fields = None
        if fields is not None or snapshot.state.shown_in is None:
            return fields
        self._expire()
        fresh = self.snapshot()
        if fresh.name == snapshot.name:
            return None
        try:
            return self.reads.document(fresh.state.shown_in or self.alias, passage_id)
        except Moved:
            return None

    def passage_count(self, snapshot: Snapshot) -> int:
        return int(snapshot.manifest["passages"])


def _too_few(hits: list[dict], end: int, group: str | None) -> bool:
    """Whether a window of `hits` certainly ranks fewer than `end` results:
    it holds fewer passages, or fewer documents for a page of documents.
    Such a window is widened without being scored first: SciFact's claims,
    100 documents a page, were scored twice in 157 of 300 searches."""
    if group == "document":
        return len({hit["document"] for hit in hits}) < end
    return len(hits) < end
