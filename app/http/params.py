"""Reading a `SearchRequest` from a query string, shared by the page and the
API so both accept and refuse exactly the same things.

Only the HTTP part is here (which arguments, strings to whole numbers); the
checks and their wording are `SearchRequest`'s.
"""

from __future__ import annotations

import re

from werkzeug.datastructures import MultiDict

from app.search import SearchRequest
from app.search.request import DEFAULT_PER_PAGE

# ASCII digits only: `int()` would also take "1_0", "０" (full width) and "٢",
# which the OpenAPI contract's `integer` does not promise. Anything else is
# passed on as 0, which `SearchRequest` refuses with its own message.
_WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")


def search_request(args: MultiDict) -> SearchRequest:
    """The request the query string asks for.

    :raises QueryError: with a message naming the parameter and its limits.
    """
    return SearchRequest(
        query=args.get("q") or "",
        sources=tuple(args.getlist("source")),
        section=args.get("section"),
        speaker=args.get("speaker"),
        page=_integer(args, "page", 1),
        per_page=_integer(args, "per_page", DEFAULT_PER_PAGE),
        group=(args.get("group") or "").strip() or None,
    )


def _integer(args: MultiDict, name: str, default: int) -> int:
    raw = (args.get(name) or "").strip()
    if not raw:
        return default
    return int(raw) if _WHOLE_NUMBER.fullmatch(raw) else 0
