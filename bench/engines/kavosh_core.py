"""Kavosh's search core, in process: `indexer.build.build_index` then
`app.search.SearchService`, as the web app and the CLI use them.

Kavosh returns passages, not files. On SciFact each abstract is a file
`<_id>.md`, so abstracts are asked for as documents (`group="document"`, one
hit per document, its best passage shown; the API's `group=document`), in
one call of `k` results.
Kavosh gets the query as typed (its own parser handles free text); a phrase
query is wrapped in double quotes, its phrase syntax.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from bench.corpora import Corpus
from bench.engines import BuildInfo, Engine, package_version
from bench.queries import Query


def query_text(query: Query) -> str:
    return f'"{query.text}"' if query.kind == "phrase" else query.text


def file_ids(files: Iterable[str]) -> list[str]:
    """SciFact's document ids: the names of the files the hits cite."""
    return [Path(file).stem for file in files]


class KavoshCore(Engine):
    name = "kavosh"

    def build(self, corpus: Corpus, workdir: Path) -> BuildInfo:
        from indexer.build import build_index

        folder = workdir / "index"
        report = build_index(corpus.kavosh_source, folder)
        self.folder = folder
        self.by_document = corpus.by_document
        self.texts: dict[str, str] = {}
        return BuildInfo([folder], {"passages": f"{report.passages:,}"})

    def start(self) -> None:
        """Open the index as `kavosh serve` does: its caches warmed before
        the first query (`WARM_POSTINGS`, timed as the start, not the build)."""
        from app.search import SearchService
        from app.search.whoosh_engine import WhooshEngine
        from app.settings import SETTINGS

        warm = next(s.default for s in SETTINGS if s.name == "WARM_POSTINGS")
        self.service = SearchService(WhooshEngine(self.folder, warm_postings=warm))
        self.service.wait_until_warm()

    def search(self, query: Query, k: int) -> list[str]:
        from app.search import SearchRequest

        group = "document" if self.by_document else None
        request = SearchRequest(query_text(query), page=1, per_page=k, group=group)
        results = self.service.search(request)
        if self.by_document:
            return file_ids(hit.citation.file for hit in results.hits)
        self._remember(results.hits)
        return [hit.id for hit in results.hits]

    def text_of(self, result_id: str) -> str | None:
        return self.texts.get(result_id)

    def versions(self) -> dict[str, str]:
        return {"kavosh": package_version("kavosh")}

    def close(self) -> None:
        close = getattr(getattr(self, "service", None), "close", None)
        if close:
            close()

    def _remember(self, hits: Iterable) -> None:
        self.texts.update((hit.id, hit.text) for hit in hits)
