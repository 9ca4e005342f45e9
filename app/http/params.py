"""Reading search parameters from a query string, shared by the page and the
API so both accept and refuse exactly the same things."""

from __future__ import annotations

import re

from werkzeug.datastructures import MultiDict

from app.search import GROUPS, MAX_PAGE, MAX_PER_PAGE, MAX_QUERY_CHARS
from indexer.errors import QueryError

DEFAULT_PER_PAGE = 10
# ASCII digits only: `int()` would also take "1_0", "０" (full width) and "٢",
# which the OpenAPI contract's `integer` does not promise.
_WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")


def search_params(args: MultiDict) -> dict:
    """The keyword arguments of `SearchService.search`, validated.

    :raises QueryError: with a message naming the parameter and its limits.
    """
    query = args.get("q")
    if query is None or not query.strip():
        raise QueryError("the q parameter is required: the words to search for", "missing_query")
    if len(query) > MAX_QUERY_CHARS:
        raise QueryError(
            f"q is {len(query):,} characters long; the limit is {MAX_QUERY_CHARS:,}",
            "query_too_long",
        )
    return {
        "query": query,
        "page": _integer(args, "page", 1, 1, MAX_PAGE),
        "per_page": _integer(args, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE),
        "sources": tuple(s for s in args.getlist("source") if s.strip()),
        "section": (args.get("section") or "").strip() or None,
        "speaker": (args.get("speaker") or "").strip() or None,
        "group": _choice(args, "group", GROUPS),
    }


def _choice(args: MultiDict, name: str, choices: tuple[str, ...]) -> str | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    if raw not in choices:
        allowed = ", ".join(choices)
        raise QueryError(f"{name} must be one of: {allowed} (or left out)", f"bad_{name}")
    return raw


def _integer(args: MultiDict, name: str, default: int, low: int, high: int) -> int:
    raw = (args.get(name) or "").strip()
    if not raw:
        return default
    if not _WHOLE_NUMBER.fullmatch(raw):
        message = f"{name} must be a whole number from {low} to {high}"
        raise QueryError(message, f"bad_{name}")
    value = int(raw)
    if not low <= value <= high:
        raise QueryError(f"{name} must be from {low} to {high}, not {value}", f"bad_{name}")
    return value
