"""A real Kavosh server in a subprocess, for tests that need HTTP over a socket
(the browser, load, and rebuild-while-serving tests).

It runs `kavosh serve` (granian, the index opened and warmed once before the
workers are forked), on a free loopback port, with the index
and source folders given; its output is kept so a failing test can
show what the server said.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LiveServer:
    """`with LiveServer(index_dir, source_dir) as server: server.get_json(path)`."""

    def __init__(
        self,
        index_dir: Path,
        source_dir: Path | None,
        workers: int = 2,
        *,
        flags: bool = False,
    ):
        """:param flags: name the folders with `--index`/`--source` rather than
        `KAVOSH_*` variables; `source_dir=None` names no source folder."""
        self.index_dir = Path(index_dir)
        self.source_dir = Path(source_dir) if source_dir else None
        self.workers = workers
        self.flags = flags
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.TemporaryFile("w+")
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> LiveServer:
        folders = {"INDEX_DIR": self.index_dir, "SOURCE_DIR": self.source_dir}
        env = dict(os.environ)
        kavosh = Path(sys.executable).parent / "kavosh"
        command = [str(kavosh), "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        command += ["--workers", str(self.workers)]
        for name, folder in folders.items():
            env.pop(f"KAVOSH_{name}", None)
            if folder is not None and self.flags:
                command += [f"--{name.removesuffix('_DIR').lower()}", str(folder)]
            elif folder is not None:
                env[f"KAVOSH_{name}"] = str(folder)
        self.process = subprocess.Popen(
            command, cwd=PROJECT, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited:\n{self.output()}")
            try:
                status, _, _ = self.get("/api/health")
                if status in (200, 503):
                    return self
            except OSError:
                time.sleep(0.1)
        self.__exit__(None, None, None)
        raise RuntimeError(f"the server did not answer in 30 s:\n{self.output()}")

    def __exit__(self, *exc_info) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()

    def get(self, path: str, headers: dict | None = None, timeout: float = 30):
        """(status, headers (case-insensitive names), body bytes) of one GET on a
        fresh connection."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request("GET", path, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.headers, response.read()
        finally:
            connection.close()

    def get_json(self, path: str):
        status, headers, body = self.get(path)
        return status, headers, json.loads(body)

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read()[-5000:]
