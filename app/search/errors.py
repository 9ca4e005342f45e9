"""The search core's errors: a refused query, and the index errors it passes
on from the indexer (re-exported so callers of the core import one module)."""

from __future__ import annotations

from indexer.errors import IndexCorruptError, IndexUnavailableError, KavoshError, NoIndexError

__all__ = [
    "IndexCorruptError",
    "IndexUnavailableError",
    "KavoshError",
    "NoIndexError",
    "QueryError",
]


class QueryError(KavoshError):
    """A client's query or parameters are out of bounds (HTTP 400); `code`
    names which (`missing_query`, `bad_page`, …)."""

    code = "bad_query"

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        if code:
            self.code = code
