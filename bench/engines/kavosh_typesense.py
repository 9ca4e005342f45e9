"""Kavosh with its Typesense backend, over HTTP: a three-node Typesense
0.24.1 cluster on loopback (`bench.typesense_server.start_cluster`), the
passages pushed by `kavosh index` with `KAVOSH_BACKEND=typesense` (a new
collection, then the alias swap), and `kavosh serve` on a free port asking
the cluster, so it stands beside `kavosh-http` (the Whoosh backend served the
same way) with the same queries, the same JSON and the same load test.
It measures the two-phase engine as deployed: Typesense finds the window of
candidates (`TYPESENSE_WINDOW`, its default) and Kavosh re-scores it.

The build time is the `kavosh index` push alone; starting the cluster is
reported apart (`cluster_start_seconds`). Every node is stopped by its PID.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from bench import typesense_server
from bench.corpora import Corpus
from bench.engines import BuildInfo, package_version
from bench.engines.kavosh_http import KAVOSH, KavoshHttp, _last_line

API_KEY = "bench-key"
NODES = 3


class KavoshTypesense(KavoshHttp):
    name = "kavosh-typesense"

    def build(self, corpus: Corpus, workdir: Path) -> BuildInfo:
        started = time.perf_counter()
        self.cluster = typesense_server.start_cluster(workdir / "cluster", NODES, api_key=API_KEY)
        cluster_seconds = time.perf_counter() - started
        self.env = {
            **os.environ,
            "KAVOSH_BACKEND": "typesense",
            "KAVOSH_TYPESENSE_NODES": ",".join(server.url for server in self.cluster),
            "KAVOSH_TYPESENSE_API_KEY": API_KEY,
            "KAVOSH_SOURCE_DIR": str(corpus.kavosh_source),
            "KAVOSH_INDEX_DIR": str(workdir / "unused-index"),
        }
        started = time.perf_counter()
        index = subprocess.run(
            [KAVOSH, "index", "--source", corpus.kavosh_source],
            env=self.env,
            capture_output=True,
            text=True,
        )
        push_seconds = time.perf_counter() - started
        if index.returncode not in (0, 3):
            raise RuntimeError(f"kavosh index failed: {_last_line(index.stderr or index.stdout)}")
        self.by_document = corpus.by_document
        self.texts: dict[str, str] = {}
        self.workdir = workdir
        notes = {
            "backend": f"Typesense {typesense_server.VERSION}, {NODES} nodes on loopback",
            "workers": "default (2 per core, at most 8)",
        }
        figures = {
            "push_seconds": round(push_seconds, 2),
            "cluster_start_seconds": round(cluster_seconds, 2),
        }
        return BuildInfo([server.data_dir for server in self.cluster], notes, figures)

    def versions(self) -> dict[str, str]:
        return {
            **super().versions(),
            "typesense-server": typesense_server.VERSION,
            "typesense (client)": package_version("typesense"),
        }

    def close(self) -> None:
        try:
            super().close()
        finally:
            for server in getattr(self, "cluster", []):
                server.stop()
