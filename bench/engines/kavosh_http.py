"""Kavosh over HTTP, as `make run` serves it: `kavosh index`, then
`kavosh serve` (granian) on a free loopback port, asked through
`GET /api/search`.

The server is started after `kavosh index` and timed apart from it: the
time to its first answer includes the server forking its workers and each
worker opening the index.

The build is `kavosh index --if-missing`, as in `make run`, in a child
process. The in-process engine runs first and builds the same index from the
same folder with the same code, so when its index is there it is served as
it is (building it twice would spend a sixth of the run's time budget on
nothing new), and the build figures are the in-process engine's. Run alone
(`--engine kavosh-http`), it builds, and its time and memory are the CLI's.
The server is stopped by its PID (SIGTERM lets gunicorn stop its workers).
"""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.parse
from pathlib import Path

from bench.corpora import Corpus
from bench.engines import BuildInfo, Engine, HttpTarget, package_version
from bench.engines.kavosh_core import file_ids, query_text
from bench.http_load import HOST, Client, wait_until
from bench.measure import TreeSampler
from bench.queries import Query
from bench.typesense_server import free_port
from indexer.generations import GenerationStore

KAVOSH = Path(sys.executable).parent / "kavosh"
# None serves with `kavosh serve`'s own default, exactly as `make run` does.
WORKERS: int | None = None
START_TIMEOUT = 60.0


class KavoshHttp(Engine):
    name = "kavosh-http"

    def build(self, corpus: Corpus, workdir: Path) -> BuildInfo:
        shared = workdir.parent / "kavosh" / "index"
        reused = GenerationStore(shared).exists()
        folder = shared if reused else workdir / "index"
        self.env = {
            **os.environ,
            "KAVOSH_INDEX_DIR": str(folder),
            "KAVOSH_SOURCE_DIR": str(corpus.kavosh_source),
        }
        command = [KAVOSH, "index", "--if-missing", "--source", corpus.kavosh_source]
        index = subprocess.Popen(
            [*command, "--index", folder],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        with TreeSampler(index.pid) as sampler:
            output, _ = index.communicate()
        if index.returncode not in (0, 3):
            raise RuntimeError(f"kavosh index failed: {_last_line(output)}")
        self.by_document = corpus.by_document
        self.texts: dict[str, str] = {}
        self.workdir = workdir
        notes = {"workers": str(WORKERS or "default (2 per core, at most 8)")}
        if reused:
            notes["index"] = "the kavosh run's (`kavosh index --if-missing`, as `make run`)"
            return BuildInfo([folder], notes, reused=True)
        figures = {"index_command_peak_rss": sampler.peak}
        return BuildInfo([folder], notes, figures)

    def search(self, query: Query, k: int) -> list[str]:
        text = query_text(query)
        if self.by_document:
            answer = self.client.get_json(_path(text, 1, k, group="document"))
            return file_ids(hit["citation"]["file"] for hit in answer["results"])
        answer = self.client.get_json(_path(text, 1, k))
        self.texts.update((hit["id"], hit["text"]) for hit in answer["results"])
        return [hit["id"] for hit in answer["results"]]

    def text_of(self, result_id: str) -> str | None:
        return self.texts.get(result_id)

    def server_pid(self) -> int | None:
        return self.server.pid if hasattr(self, "server") else None

    def http_target(self) -> HttpTarget:
        return HttpTarget(HOST, self.port, lambda query, k: _path(query_text(query), 1, k))

    def versions(self) -> dict[str, str]:
        return {"kavosh": package_version("kavosh"), "granian": package_version("granian")}

    def close(self) -> None:
        if hasattr(self, "client"):
            self.client.close()
        if hasattr(self, "server") and self.server.poll() is None:
            self.server.terminate()
            try:
                self.server.wait(20)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait()

    def start(self) -> None:
        """`kavosh serve` on a free port; ready when a search is answered."""
        workdir = self.workdir
        self.port = free_port()
        command = [KAVOSH, "serve", "--host", HOST, "--port", str(self.port)]
        if WORKERS:
            command += ["--workers", str(WORKERS)]
        self.log = workdir / "serve.log"
        with open(self.log, "ab") as log:
            self.server = subprocess.Popen(
                command,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        self.client = Client(self.port)
        wait_until(self._ready, START_TIMEOUT, f"kavosh serve (log: {self.log})")

    def _ready(self) -> bool:
        if self.server.poll() is not None:
            tail = self.log.read_text(errors="replace").strip().splitlines()[-1:] or [""]
            raise RuntimeError(f"kavosh serve exited ({self.server.returncode}): {tail[0]}")
        try:
            self.client.get_json(_path("kavosh", 1, 1))
            return True
        except (OSError, RuntimeError):
            self.client.close()
            return False


def _path(text: str, page: int, per_page: int, group: str | None = None) -> str:
    wanted = {"q": text, "page": page, "per_page": per_page}
    query = urllib.parse.urlencode({**wanted, "group": group} if group else wanted)
    return f"/api/search?{query}"


def _last_line(output: str) -> str:
    lines = output.strip().splitlines()
    return lines[-1] if lines else "no output"
