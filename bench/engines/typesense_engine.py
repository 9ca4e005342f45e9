"""Typesense 0.24.1, a real single-node server on loopback.

One collection with `title` and `text` string fields, searched with
`query_by=title,text` and every other search parameter at its default
(typo tolerance on, prefix search on, all words required, dropping words
from the right only when nothing matches). Typesense 0.24 has no stemming.
Documents go in through the bulk JSONL import endpoint, 5,000 at a time.

The REST API is spoken directly with `urllib` and `bench.http_load.Client`:
the `typesense` Python client of today targets much newer servers, and the
search timings must not depend on a client library anyway.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from pathlib import Path

from bench import typesense_server
from bench.corpora import Corpus
from bench.engines import BuildInfo, Engine, HttpTarget, words
from bench.http_load import Client
from bench.queries import Query

COLLECTION = "units"
BATCH = 5000
# Typesense refuses per_page above 250.
MAX_PER_PAGE = 250


class Typesense(Engine):
    name = "typesense"

    def build(self, corpus: Corpus, workdir: Path) -> BuildInfo:
        data = workdir / "data"
        self.server = typesense_server.start(data)
        self.headers = {"X-TYPESENSE-API-KEY": self.server.api_key}
        schema = {
            "name": COLLECTION,
            "fields": [{"name": "title", "type": "string"}, {"name": "text", "type": "string"}],
        }
        self._call("POST", "/collections", json.dumps(schema).encode())
        for start in range(0, len(corpus.units), BATCH):
            batch = corpus.units[start : start + BATCH]
            lines = "\n".join(
                json.dumps({"id": unit.id, "title": unit.title, "text": unit.text})
                for unit in batch
            )
            answer = self._call(
                "POST", f"/collections/{COLLECTION}/documents/import?action=create", lines.encode()
            )
            failed = [line for line in answer.splitlines() if '"success":true' not in line]
            if failed:
                raise RuntimeError(f"{len(failed)} documents refused, first: {failed[0][:200]}")
        self.client = Client(self.server.api_port, self.headers)
        return BuildInfo([data], {"query_by": "title,text", "stemming": "none (0.24)"})

    def search(self, query: Query, k: int) -> list[str]:
        answer = self.client.get_json(self._path(query, k))
        return [hit["document"]["id"] for hit in answer["hits"]]

    def server_pid(self) -> int | None:
        return self.server.pid if hasattr(self, "server") else None

    def http_target(self) -> HttpTarget:
        return HttpTarget(typesense_server.HOST, self.server.api_port, self._path, self.headers)

    def versions(self) -> dict[str, str]:
        return {"typesense-server": typesense_server.VERSION}

    def close(self) -> None:
        if hasattr(self, "client"):
            self.client.close()
        if hasattr(self, "server"):
            self.server.stop()

    def _path(self, query: Query, k: int) -> str:
        text = " ".join(words(query.text))
        if query.kind == "phrase":
            text = f'"{text}"'
        parameters = {"q": text, "query_by": "title,text", "per_page": min(k, MAX_PER_PAGE)}
        return f"/collections/{COLLECTION}/documents/search?{urllib.parse.urlencode(parameters)}"

    def _call(self, method: str, path: str, body: bytes) -> str:
        request = urllib.request.Request(
            self.server.url + path, data=body, method=method, headers=self.headers
        )
        with urllib.request.urlopen(request, timeout=600) as response:
            return response.read().decode()
