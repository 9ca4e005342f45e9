"""SQLite FTS5, the full-text engine already on every user's machine.

One FTS5 table with title and text columns, the `porter unicode61` tokenizer
(FTS5's English stemmer over its default tokenizer) and ranking by `bm25()`
with its default column weights. FTS5 joins bare words with AND, so words are
quoted and joined with OR, as a search box over FTS5 would do it (quoting also
keeps FTS5 from reading words such as NOT or NEAR as operators).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bench.corpora import Corpus
from bench.engines import BuildInfo, Engine, words
from bench.queries import Query


class SqliteFts5(Engine):
    name = "sqlite-fts5"

    def build(self, corpus: Corpus, workdir: Path) -> BuildInfo:
        workdir.mkdir(parents=True, exist_ok=True)
        path = workdir / "index.sqlite"
        self.db = sqlite3.connect(path)
        with self.db:
            self.db.execute(
                "CREATE VIRTUAL TABLE units USING fts5("
                "id UNINDEXED, title, text, tokenize = 'porter unicode61')"
            )
            self.db.executemany(
                "INSERT INTO units (id, title, text) VALUES (?, ?, ?)",
                ((unit.id, unit.title, unit.text) for unit in corpus.units),
            )
        return BuildInfo([path], {"tokenizer": "porter unicode61", "scoring": "bm25()"})

    def search(self, query: Query, k: int) -> list[str]:
        terms = [f'"{word}"' for word in words(query.text)]
        if not terms:
            return []
        match = f'"{" ".join(words(query.text))}"' if query.kind == "phrase" else " OR ".join(terms)
        rows = self.db.execute(
            "SELECT id FROM units WHERE units MATCH ? ORDER BY bm25(units) LIMIT ?", (match, k)
        )
        return [row[0] for row in rows]

    def versions(self) -> dict[str, str]:
        return {"SQLite": sqlite3.sqlite_version}

    def close(self) -> None:
        if hasattr(self, "db"):
            self.db.close()
