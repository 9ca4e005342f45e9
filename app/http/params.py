"""Reading a `SearchRequest` from a query string, shared by the page and the
API so both accept and refuse exactly the same things.

Only the HTTP part is here (which arguments, strings to whole numbers, names
no endpoint knows, two names for one thing); the checks of the values and
their wording are `SearchRequest`'s.
"""

from __future__ import annotations

import re

from werkzeug.datastructures import MultiDict

from app.search import QueryError, SearchRequest
from app.search.request import DEFAULT_FACET_LIMIT, DEFAULT_PER_PAGE

# Every parameter of /api/search (and the page), as the README and OpenAPI list them.
SEARCH_PARAMETERS = (
    "q",
    "source",
    "section",
    "speaker",
    "tags",
    "group",
    "page",
    "per_page",
    "offset",
    "limit",
    "facet_limit",
)
# Pairs that say the same thing two ways: a request may use one of each.
_EITHER = (("page", "offset"), ("per_page", "limit"))

# ASCII digits only: `int()` would also take "1_0", "０" (full width) and "٢",
# which the OpenAPI contract's `integer` does not promise. Anything else is
# passed on as -1, which `SearchRequest` refuses with its own message.
_WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")


def known_only(args: MultiDict, known: tuple[str, ...]) -> None:
    """Refuse parameters an endpoint does not take, naming those it does (as
    Meilisearch does), so a misspelt `limt=1` is not silently ignored.

    :raises QueryError: naming the unknown parameters and the known ones.
    """
    unknown = sorted(set(args) - set(known))
    if unknown:
        listed = ", ".join(f"`{name}`" for name in unknown)
        raise QueryError(
            f"unknown parameter{'s' if len(unknown) > 1 else ''} {listed}: "
            f"this endpoint takes {', '.join(f'`{name}`' for name in known) or 'none'}",
            "unknown_parameter",
        )


def search_request(args: MultiDict) -> SearchRequest:
    """The request the query string asks for (`limit` is `per_page` by its
    other name; `offset` counts results from 0 instead of pages).

    :raises QueryError: with a message naming the parameter and its limits.
    """
    # Plain lists: werkzeug's `MultiDict.get` raises (and catches) an HTTP
    # exception for every absent name, and a search asks for eleven names
    # of which it usually sends three.
    sent = args.to_dict(flat=False)
    for first, second in _EITHER:
        if _first(sent, first).strip() and _first(sent, second).strip():
            raise QueryError(
                f"`{first}` and `{second}` say the same thing two ways: send one",
                f"{first}_and_{second}",
            )
    limit = _integer(sent, "limit", None)
    return SearchRequest(
        query=_first(sent, "q"),
        sources=tuple(sent.get("source", ())),
        section=_first(sent, "section", None),
        speaker=_first(sent, "speaker", None),
        tags=tuple(tag for value in sent.get("tags", ()) for tag in value.split(",")),
        page=_integer(sent, "page", 1),
        per_page=limit if limit is not None else _integer(sent, "per_page", DEFAULT_PER_PAGE),
        offset=_integer(sent, "offset", None),
        group=_first(sent, "group").strip() or None,
        facet_limit=_integer(sent, "facet_limit", DEFAULT_FACET_LIMIT),
    )


def _first(sent: dict[str, list[str]], name: str, absent: str | None = "") -> str | None:
    """The first value sent for `name` (as `MultiDict.get`: an empty one is kept)."""
    values = sent.get(name)
    return values[0] if values else absent


def _integer(sent: dict[str, list[str]], name: str, default: int | None) -> int | None:
    raw = (_first(sent, name) or "").strip()
    if not raw:
        return default
    return int(raw) if _WHOLE_NUMBER.fullmatch(raw) else -1
