"""tantivy through its Python binding (`tantivy` on PyPI).

Title and text as text fields with tantivy's `en_stem` tokenizer (its English
stemmer), default writer settings, and tantivy's query parser over both
fields, whose default is OR with BM25 scoring.
"""

from __future__ import annotations

from pathlib import Path

import tantivy

from bench.corpora import Corpus
from bench.engines import BuildInfo, Engine, package_version, words
from bench.queries import Query


class Tantivy(Engine):
    name = "tantivy"

    def build(self, corpus: Corpus, workdir: Path) -> BuildInfo:
        folder = workdir / "index"
        folder.mkdir(parents=True)
        builder = tantivy.SchemaBuilder()
        builder.add_text_field("id", stored=True, tokenizer_name="raw")
        builder.add_text_field("title", tokenizer_name="en_stem")
        builder.add_text_field("text", tokenizer_name="en_stem")
        self.index = tantivy.Index(builder.build(), path=str(folder))
        writer = self.index.writer()
        for unit in corpus.units:
            writer.add_document(tantivy.Document(id=unit.id, title=unit.title, text=unit.text))
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        self.searcher = self.index.searcher()
        return BuildInfo([folder], {"tokenizer": "en_stem", "scoring": "BM25"})

    def search(self, query: Query, k: int) -> list[str]:
        text = " ".join(words(query.text))
        if query.kind == "phrase":
            text = f'"{text}"'
        parsed = self.index.parse_query(text, ["title", "text"])
        hits = self.searcher.search(parsed, k).hits
        return [self.searcher.doc(address)["id"][0] for _score, address in hits]

    def versions(self) -> dict[str, str]:
        return {"tantivy": package_version("tantivy")}
