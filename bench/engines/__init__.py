"""The engines compared, behind one small interface.

Each engine is a class with `build(corpus, workdir) -> BuildInfo`,
`search(query, k) -> ranked ids` and `close()`; servers also expose their PID
(for memory) and an HTTP target (for requests per second). Engines are named
here and imported only inside their own worker subprocess, so a peer whose
package is missing or broken fails alone, with its reason, and never stops the
others.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench.corpora import Corpus
from bench.queries import Query

# name -> "module:Class"; the order is the order of the tables and of the run.
# Kavosh on its Typesense backend runs last: starting its three-node cluster
# and pushing the corpus is the slowest turn, and the peers the targets are
# measured against must not be the ones a short budget leaves out.
ENGINES = {
    "kavosh": "bench.engines.kavosh_core:KavoshCore",
    "kavosh-http": "bench.engines.kavosh_http:KavoshHttp",
    "whoosh": "bench.engines.whoosh_plain:PlainWhoosh",
    "tantivy": "bench.engines.tantivy_engine:Tantivy",
    "sqlite-fts5": "bench.engines.fts5:SqliteFts5",
    "bm25s": "bench.engines.bm25s_engine:Bm25s",
    "typesense": "bench.engines.typesense_engine:Typesense",
    "kavosh-typesense": "bench.engines.kavosh_typesense:KavoshTypesense",
}


@dataclass
class BuildInfo:
    """What `build` tells the measurer.

    :param index_paths: files or folders whose bytes are the index size.
    :param notes: settings worth printing beside the figures.
    :param figures: engine-specific measurements (e.g. the peak memory of the
        `kavosh index` command alone), reported as they are.
    :param reused: the index was built by another engine's run (Kavosh HTTP
        serves the in-process run's), so there is no build time to report.
    """

    index_paths: list[Path]
    notes: dict[str, str] = field(default_factory=dict)
    figures: dict[str, float] = field(default_factory=dict)
    reused: bool = False


@dataclass(frozen=True)
class HttpTarget:
    """Where a server answers searches, for the load test.

    :param path_of: the request path (with query string) for a query and k.
    """

    host: str
    port: int
    path_of: Callable[[Query, int], str]
    headers: dict[str, str] = field(default_factory=dict)


class Engine:
    """The interface; peers index `corpus.units`, Kavosh its own source folder."""

    name = "engine"

    def build(self, corpus: Corpus, workdir: Path) -> BuildInfo:
        raise NotImplementedError

    def start(self) -> None:
        """Start serving after the build (a server that needs its index first);
        timed apart from the build, as the time to the first answer."""

    def search(self, query: Query, k: int) -> list[str]:
        """Ids best first: abstract ids on SciFact, unit or passage ids elsewhere."""
        raise NotImplementedError

    def text_of(self, result_id: str) -> str | None:
        """The text of an id returned by any search so far, when the corpus does
        not know it (Kavosh's passages)."""
        return None

    def server_pid(self) -> int | None:
        return None

    def http_target(self) -> HttpTarget | None:
        return None

    def versions(self) -> dict[str, str]:
        return {}

    def close(self) -> None:
        pass


def create(name: str) -> Engine:
    """Import and construct engine `name` (inside the worker only)."""
    module_name, class_name = ENGINES[name].split(":")
    return getattr(importlib.import_module(module_name), class_name)()


def words(text: str) -> list[str]:
    """The words of a query, punctuation dropped.

    Peers get plain words because their query languages would read a claim's
    `-`, `:`, `(` or `*` as operators; every peer gets the same words.
    """
    return _WORD.findall(text)


_WORD = re.compile(r"\w+")


def package_version(distribution: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return "not installed"
