"""One long-lived `SearchService` per worker process, shared by every request.

Following flaskr's `db.py`: the resource is created lazily by `get_service()`
and owned by the app; it reopens itself when a new index generation appears,
so it is never opened per request.
"""

from __future__ import annotations

from flask import Flask, current_app

from app.search import SearchService

_KEY = "kavosh.search"


def init_app(app: Flask) -> None:
    app.extensions[_KEY] = SearchService(
        app.config["INDEX_DIR"],
        synonyms_file=app.config["SYNONYMS_FILE"],
        cache_size=app.config["CACHE_SIZE"],
    )


def get_service() -> SearchService:
    return current_app.extensions[_KEY]
