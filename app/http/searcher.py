"""One long-lived `SearchService` per worker process, shared by every request.

Following flaskr's `db.py`: the resource is created lazily by `get_service()`
and owned by the app; it reopens itself when a new index generation appears,
so it is never opened per request. `open_backend` picks the engine from the
settings: the Whoosh index by default, or a Typesense cluster.
"""

from __future__ import annotations

from flask import Flask, current_app

from app.search import SearchService
from app.search.backend import open_backend

_KEY = "kavosh.search"


def init_app(app: Flask) -> None:
    app.extensions[_KEY] = open_backend(app.config)


def get_service() -> SearchService:  # or TypesenseSearchService, with the same calls
    return current_app.extensions[_KEY]
