"""Plain Whoosh: what a Python developer gets from the Whoosh documentation.

Title and text as `TEXT` fields with the stock `StemmingAnalyzer` (Porter),
BM25F scoring (Whoosh's default), and a `MultifieldParser` over both fields.
Whoosh's parser joins words with AND by default, which would answer almost no
SciFact claim; its docs recommend `OrGroup` for natural-language queries, so
that is used, as it is for every other peer.
"""

from __future__ import annotations

from pathlib import Path

from whoosh import index, scoring
from whoosh.analysis import StemmingAnalyzer
from whoosh.fields import ID, TEXT, Schema
from whoosh.qparser import MultifieldParser, OrGroup

from bench.corpora import Corpus
from bench.engines import BuildInfo, Engine, package_version, words
from bench.queries import Query


class PlainWhoosh(Engine):
    name = "whoosh"

    def build(self, corpus: Corpus, workdir: Path) -> BuildInfo:
        folder = workdir / "index"
        folder.mkdir(parents=True)
        schema = Schema(
            id=ID(stored=True, unique=True),
            title=TEXT(analyzer=StemmingAnalyzer()),
            text=TEXT(analyzer=StemmingAnalyzer()),
        )
        built = index.create_in(folder, schema)
        with built.writer() as writer:
            for unit in corpus.units:
                writer.add_document(id=unit.id, title=unit.title, text=unit.text)
        self.index = built
        self.searcher = built.searcher(weighting=scoring.BM25F())
        self.parser = MultifieldParser(["title", "text"], built.schema, group=OrGroup)
        return BuildInfo([folder], {"analyzer": "StemmingAnalyzer", "scoring": "BM25F"})

    def search(self, query: Query, k: int) -> list[str]:
        text = " ".join(words(query.text))
        if query.kind == "phrase":
            text = f'"{text}"'
        hits = self.searcher.search(self.parser.parse(text), limit=k)
        return [hit["id"] for hit in hits]

    def versions(self) -> dict[str, str]:
        return {"Whoosh-Reloaded": package_version("Whoosh-Reloaded")}

    def close(self) -> None:
        if hasattr(self, "searcher"):
            self.searcher.close()
