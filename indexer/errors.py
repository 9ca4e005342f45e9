"""Every error Kavosh reports to a person or a client, in one place.

    KavoshError                     base: `message` says what went wrong and how to fix it
    ├── IndexUnavailableError       the index cannot serve                 (HTTP 503)
    │   ├── NoIndexError            no generation has been built yet
    │   ├── IndexLockedError        another build holds the lock too long
    │   └── IndexCorruptError       the live generation cannot be opened
    ├── BuildError                  a rebuild failed; the previous generation still serves
    ├── SourceError                 the source folder is missing or unreadable
    └── app.search.QueryError       a client's query or parameters are out of bounds (HTTP 400)

`QueryError` belongs to the search core (`app.search.errors`): the indexer
never sees a query.

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


class IndexUnavailableError(KavoshError):
    code = "index_unavailable"


class NoIndexError(IndexUnavailableError):
    code = "no_index"

    def __init__(self, root: Path, detail: str = "no index has been built"):
        super().__init__(f"{detail} in {root}: run `kavosh index` to build it")
        self.root = root


class IndexLockedError(IndexUnavailableError):
    code = "index_locked"

    def __init__(self, root: Path, timeout: float):
        super().__init__(
            f"another `kavosh index` is still building {root} after {timeout:g} s: "
            "wait for it to finish, or raise --lock-timeout"
        )


class IndexCorruptError(IndexUnavailableError):
    code = "index_corrupt"


class BuildError(KavoshError):
    code = "build_failed"


class SourceError(KavoshError):
    code = "source_unavailable"
