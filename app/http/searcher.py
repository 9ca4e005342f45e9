"""One long-lived `SearchService` per worker process, shared by every request.

Following flaskr's `db.py`: the resource is created lazily by `get_service()`
and owned by the app; it reopens itself when a new index generation appears,
so it is never opened per request. `open_search` picks the engine from the
settings: the Whoosh index by default, or a Typesense cluster.
"""

from __future__ import annotations

from flask import Flask, current_app

from app.search import SearchService, open_search
from app.search.errors import KavoshError

_KEY = "kavosh.search"


def init_app(app: Flask, preload_index: bool = False) -> None:
    """Give the app its search service.

    :param preload_index: open the index and warm its caches now, before
        the first request: `kavosh serve` builds the app before it forks its
        workers, so this happens once, and every forked worker starts with
        the warm caches (shared, copy-on-write, not copied). Without an index
        yet, the service opens lazily as usual.
    """
    service = open_search(app.config, serving=True)
    app.extensions[_KEY] = service
    if preload_index:
        try:
            service.wait_until_warm()
        except KavoshError:
            pass  # reported by the first request, as without preloading


def get_service() -> SearchService:
    return current_app.extensions[_KEY]
