"""Kavosh's search core, in process: `indexer.build.build_index` then
`app.search.SearchService`, as the web app and the CLI use them.

Kavosh returns passages, not files. On SciFact each abstract is a file
`<_id>.md`, so an abstract is ranked by its best passage: pages of passages
are read until `k` distinct abstracts are in hand or the results run out.
Kavosh gets the query as typed (its own parser handles free text); a phrase
query is wrapped in double quotes, its phrase syntax.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from bench.corpora import Corpus
from bench.engines import BuildInfo, Engine, package_version
from bench.queries import Query

# Passages asked per page when ranking abstracts (the API's and the core's
# maximum); most abstracts are 2-4 passages, so 100 abstracts take 3-4 pages.
DOCUMENT_PAGE = 100
MAX_PAGES = 10


def query_text(query: Query) -> str:
    return f'"{query.text}"' if query.kind == "phrase" else query.text


def best_passage_per_file(
    fetch_page: Callable[[int], tuple[list[tuple[str, str]], int]], k: int
) -> list[str]:
    """Rank files by their best passage until `k` distinct files are found.

    :param fetch_page: page number -> ([(passage id, file)], total passages).
    """
    ranked: list[str] = []
    seen: set[str] = set()
    for page in range(1, MAX_PAGES + 1):
        hits, total = fetch_page(page)
        for _passage, file in hits:
            stem = Path(file).stem
            if stem not in seen:
                seen.add(stem)
                ranked.append(stem)
        if len(ranked) >= k or not hits or page * DOCUMENT_PAGE >= total:
            break
    return ranked[:k]


class KavoshCore(Engine):
    name = "kavosh"

    def build(self, corpus: Corpus, workdir: Path) -> BuildInfo:
        from indexer.build import build_index

        folder = workdir / "index"
        report = build_index(corpus.kavosh_source, folder)
        from app.search import SearchService

        self.service = SearchService(folder)
        self.by_document = corpus.by_document
        self.texts: dict[str, str] = {}
        return BuildInfo([folder], {"passages": f"{report.passages:,}"})

    def search(self, query: Query, k: int) -> list[str]:
        text = query_text(query)
        if self.by_document:
            return best_passage_per_file(lambda page: self._page(text, page), k)
        results = self.service.search(text, page=1, per_page=k)
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

    def _page(self, text: str, page: int) -> tuple[list[tuple[str, str]], int]:
        results = self.service.search(text, page=page, per_page=DOCUMENT_PAGE)
        return [(hit.id, hit.citation.file) for hit in results.hits], results.total

    def _remember(self, hits: Iterable) -> None:
        self.texts.update((hit.id, hit.text) for hit in hits)
