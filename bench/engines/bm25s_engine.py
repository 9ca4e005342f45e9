"""bm25s, a fast pure-Python (numpy) BM25, as its README sets it up.

bm25s has no fields, so title and text are indexed as one string. It is used
as documented: `bm25s.tokenize` with English stopwords and PyStemmer's
English Snowball stemmer, `BM25()` defaults (Lucene variant, k1 = 1.5,
b = 0.75). It has no phrase syntax, so a phrase is asked as its words.
Documents scoring zero (sharing no word with the query) are not returned,
because bm25s would otherwise fill k with arbitrary ones.
"""

from __future__ import annotations

from pathlib import Path

import bm25s
import Stemmer

from bench.corpora import Corpus
from bench.engines import BuildInfo, Engine, package_version
from bench.queries import Query


class Bm25s(Engine):
    name = "bm25s"

    def build(self, corpus: Corpus, workdir: Path) -> BuildInfo:
        self.stemmer = Stemmer.Stemmer("english")
        self.ids = [unit.id for unit in corpus.units]
        texts = [f"{unit.title} {unit.text}" for unit in corpus.units]
        tokens = bm25s.tokenize(texts, stopwords="en", stemmer=self.stemmer, show_progress=False)
        self.retriever = bm25s.BM25()
        self.retriever.index(tokens, show_progress=False)
        folder = workdir / "index"
        self.retriever.save(str(folder))
        return BuildInfo([folder], {"stemmer": "PyStemmer english", "method": "lucene"})

    def search(self, query: Query, k: int) -> list[str]:
        tokens = bm25s.tokenize(
            [query.text], stopwords="en", stemmer=self.stemmer, show_progress=False
        )
        if not tokens.ids[0]:
            return []
        k = min(k, len(self.ids))
        documents, scores = self.retriever.retrieve(tokens, k=k, show_progress=False)
        return [
            self.ids[int(document)]
            for document, score in zip(documents[0], scores[0], strict=True)
            if score > 0
        ]

    def versions(self) -> dict[str, str]:
        return {"bm25s": package_version("bm25s"), "PyStemmer": package_version("PyStemmer")}
