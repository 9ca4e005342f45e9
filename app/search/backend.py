"""Which engine answers: `open_backend(settings)` returns the Whoosh
`SearchService` (the default: nothing to install, nothing to run) or, with
`BACKEND = "typesense"`, a `TypesenseSearchService` on the cluster named by
`TYPESENSE_NODES`. Both answer the same calls with the same `Results`.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from app.search.service import SearchService
from app.search.synonyms import Group, parse_groups
from indexer.errors import KavoshError

BACKENDS = ("whoosh", "typesense")


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


def open_backend(settings: dict[str, Any], *, serving: bool = False):
    """The search service the settings ask for (see the module docstring).

    :param serving: for a long-lived server, which warms its caches when it
        opens an index (`WARM_POSTINGS`); a one-off command does not.
    """
    if backend_name(settings) == "typesense":
        from app.search.typesense_backend import TypesenseSearchService

        return TypesenseSearchService(
            typesense_nodes(settings),
            settings.get("TYPESENSE_API_KEY") or "",
            synonyms_file=settings.get("SYNONYMS_FILE"),
            cache_size=settings.get("CACHE_SIZE", 512),
        )
    return SearchService(
        settings["INDEX_DIR"],
        synonyms_file=settings.get("SYNONYMS_FILE"),
        cache_size=settings.get("CACHE_SIZE", 512),
        warm_postings=settings.get("WARM_POSTINGS", 0) if serving else 0,
    )


def synonym_groups(override: Path | None) -> list[Group]:
    """The synonym groups `kavosh index` pushes to Typesense: the instance file
    if it exists, else the shipped one (as `Synonyms.load` chooses)."""
    if override is not None and Path(override).is_file():
        text = Path(override).read_text("utf-8")
    else:
        text = resources.files("app.search").joinpath("data/synonyms.txt").read_text("utf-8")
    return parse_groups(text)
