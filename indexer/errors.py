"""Every error Kavosh reports to a person or a client, in one place.

    KavoshError                  base: `message` says what went wrong and how to fix it
    ├── IndexError_              the index cannot serve
    │   ├── NoIndexError         no generation has been built yet       (HTTP 503)
    │   ├── IndexLockedError     another build holds the lock too long
    │   └── IndexCorruptError    the live generation cannot be opened    (HTTP 503)
    ├── BuildError               a rebuild failed; the previous generation still serves
    ├── SourceError              the source folder is missing or unreadable
    └── QueryError               a client's query or parameters are out of bounds (HTTP 400)

Each carries a short machine-readable `code`; the API, the page and the CLI
show the same `message` in their own shape.
"""

from __future__ import annotations

from pathlib import Path


class KavoshError(Exception):
    code = "error"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class IndexError_(KavoshError):  # noqa: N801 - the builtin IndexError is something else
    code = "index_unavailable"


class NoIndexError(IndexError_):
    code = "no_index"

    def __init__(self, root: Path, detail: str = "no index has been built"):
        super().__init__(f"{detail} in {root}: run `kavosh index` to build it")
        self.root = root


class IndexLockedError(IndexError_):
    code = "index_locked"

    def __init__(self, root: Path, timeout: float):
        super().__init__(
            f"another `kavosh index` is still building {root} after {timeout:g} s: "
            "wait for it to finish, or raise --lock-timeout"
        )


class IndexCorruptError(IndexError_):
    code = "index_corrupt"


class BuildError(KavoshError):
    code = "build_failed"


class SourceError(KavoshError):
    code = "source_unavailable"


class QueryError(KavoshError):
    code = "bad_query"

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        if code:
            self.code = code
