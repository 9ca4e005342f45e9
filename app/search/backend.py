"""Which engine answers: `open_search(settings)` is the `SearchService` over
the Whoosh engine (the default: nothing to install, nothing to run) or, with
`BACKEND = "typesense"`, over the Typesense cluster named by
`TYPESENSE_NODES`. Both answer the same calls with the same `Results`.

Searching needs only a search-only Typesense key (`TYPESENSE_SEARCH_KEY`);
the admin key (`TYPESENSE_API_KEY`), which can drop collections, is for
`kavosh index`. A server given only the admin key uses it, and says so in
its log.
"""

from __future__ import annotations

import logging
from typing import Any

from app.search.budget import DEFAULT_BUDGET_MS
from app.search.engine import Engine
from app.search.errors import KavoshError
from app.search.service import SearchService
from app.search.whoosh_engine import WhooshEngine

BACKENDS = ("whoosh", "typesense")
log = logging.getLogger("kavosh")


def typesense_nodes(settings: dict[str, Any]) -> list[str]:
    """The node URLs of `TYPESENSE_NODES`; a one-line error when there are none."""
    nodes = [url.strip() for url in str(settings.get("TYPESENSE_NODES") or "").split(",")]
    nodes = [url for url in nodes if url]
    if not nodes:
        raise KavoshError(
            "BACKEND is typesense but TYPESENSE_NODES is empty: set KAVOSH_TYPESENSE_NODES "
            "to the cluster's node URLs, e.g. http://127.0.0.1:8108"
        )
    return nodes


def backend_name(settings: dict[str, Any]) -> str:
    name = str(settings.get("BACKEND") or "whoosh").strip().lower()
    if name not in BACKENDS:
        raise KavoshError(f"BACKEND is {name!r}; it must be one of {', '.join(BACKENDS)}")
    return name


def open_engine(settings: dict[str, Any], *, serving: bool = False) -> Engine:
    """The engine the settings ask for (see the module docstring).

    :param serving: for a long-lived server, which warms its caches when it
        opens an index (`WARM_POSTINGS`); a one-off command does not.
    """
    if backend_name(settings) == "typesense":
        from app.search.typesense.engine import TypesenseEngine

        return TypesenseEngine(
            typesense_nodes(settings),
            search_key(settings, serving=serving),
            window=int(settings.get("TYPESENSE_WINDOW") or 250),
        )
    warm = settings.get("WARM_POSTINGS", 0) if serving else 0
    return WhooshEngine(settings["INDEX_DIR"], warm_postings=warm, verify=serving)


def search_key(settings: dict[str, Any], *, serving: bool = False) -> str:
    """The Typesense key to search with: the search-only key, else the
    admin key (a server logs a warning: it holds more power than it needs)."""
    key = settings.get("TYPESENSE_SEARCH_KEY") or ""
    if key:
        return key
    if serving and settings.get("TYPESENSE_API_KEY"):
        log.warning(
            "TYPESENSE_SEARCH_KEY is not set: the server searches with the admin key "
            "TYPESENSE_API_KEY; give it a search-only key (KAVOSH_TYPESENSE_SEARCH_KEY)"
        )
    return settings.get("TYPESENSE_API_KEY") or ""


def open_search(settings: dict[str, Any], *, serving: bool = False) -> SearchService:
    """The search service over the engine the settings ask for."""
    return SearchService(
        open_engine(settings, serving=serving),
        synonyms_file=settings.get("SYNONYMS_FILE"),
        cache_size=settings.get("CACHE_SIZE", 512),
        budget_ms=settings.get("QUERY_BUDGET_MS", DEFAULT_BUDGET_MS),
    )
