"""Holding up: rebuilds under a serving server, killed and failing builds,
corrupted generations, request limits, and a short load run.

These start real servers (`kavosh serve` subprocesses) and real `kavosh index`
processes; nothing of ours is mocked.
"""

from __future__ import annotations

import json
import os
import random
import resource
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

from app import create_app
from app.http.limits import MAX_REQUEST_LINE
from indexer.build import build_index
from indexer.generations import GenerationStore
from tests.live_server import PROJECT, LiveServer

KAVOSH = [sys.executable, "-m", "app.cli"]

WIKITEXT_VALID = PROJECT.parent / "shared" / "data" / "wikitext-2" / "valid.txt.gz"


def write_version(folder: Path, version: int) -> int:
    """Corpus version `version`: `version + 3` passages mention a lighthouse."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    paragraphs = [
        f"Paragraph {n} of version {version}: the lighthouse keeper wrote entry {n}."
        for n in range(version + 3)
    ]
    (folder / "log.md").write_text("# Keeper's log\n\n" + "\n\n".join(paragraphs) + "\n")
    (folder / "other.txt").write_text("Nothing about the sea here.\n")
    return version + 3


def run_index(source: Path, index: Path, *extra: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*KAVOSH, "index", "--source", str(source), "--index", str(index), *extra],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=300,
        **kwargs,
    )


def open_descriptors(pids: list[int]) -> int:
    return sum(len(os.listdir(f"/proc/{pid}/fd")) for pid in pids)


class TestRebuildWhileServing:
    def test_five_rebuilds_fail_no_request_and_leak_nothing(self, tmp_path):
        corpus, index = tmp_path / "corpus", tmp_path / "index"
        expected = {}
        count = write_version(corpus, 0)
        build_index(corpus, index)
        expected[GenerationStore(index).current_name()] = count
        answers, stop = [], threading.Event()

        with LiveServer(index, corpus, workers=2) as server:

            def query_forever():
                while not stop.is_set():
                    try:
                        status, headers, body = server.get_json(
                            "/api/search?q=lighthouse&per_page=50"
                        )
                        answers.append(
                            (status, headers.get("X-Kavosh-Generation"), body.get("total"))
                        )
                    except Exception as error:  # any failure is a finding, keep it
                        answers.append((None, None, repr(error)))

            for _ in range(20):  # every worker has opened the first generation
                server.get("/api/search?q=lighthouse")
            baseline = open_descriptors(server.worker_pids())
            clients = [threading.Thread(target=query_forever) for _ in range(4)]
            for client in clients:
                client.start()
            for version in range(1, 6):
                count = write_version(corpus, version)
                built = run_index(corpus, index)
                assert built.returncode == 0, built.stdout + built.stderr
                expected[GenerationStore(index).current_name()] = count
                time.sleep(0.3)
            time.sleep(0.5)
            stop.set()
            for client in clients:
                client.join()
            for _ in range(20):  # every worker has moved to the last generation
                server.get("/api/search?q=lighthouse")
            after = open_descriptors(server.worker_pids())
            log = server.output()

        failures = [a for a in answers if a[0] != 200]
        assert not failures, f"{failures[:5]}\n{log}"
        mixed = [a for a in answers if expected.get(a[1]) != a[2]]
        assert not mixed, f"answers not from one complete generation: {mixed[:5]}"
        served = {generation for _, generation, _ in answers}
        assert len(served) >= 3, served  # rebuilds took effect without a restart
        assert after <= baseline + 2, f"descriptors grew from {baseline} to {after}"
        assert len([p for p in index.iterdir() if p.name.startswith("gen-")]) == 2


class TestKilledBuild:
    def test_kill_9_midway_keeps_serving_and_next_build_cleans_up(self, tmp_path):
        corpus, index = tmp_path / "corpus", tmp_path / "index"
        write_version(corpus, 2)
        build_index(corpus, index)
        live = GenerationStore(index).current_name()
        big = tmp_path / "big"
        big.mkdir()
        shutil.copy(WIKITEXT_VALID, big / "valid.txt.gz")
        rng = random.Random(3)
        with LiveServer(index, corpus, workers=1) as server:
            for _ in range(3):
                process = subprocess.Popen(
                    [*KAVOSH, "index", "--source", str(big), "--index", str(index)],
                    cwd=PROJECT,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                time.sleep(rng.uniform(0.5, 4.0))
                process.send_signal(signal.SIGKILL)
                process.wait()
                status, headers, body = server.get_json("/api/search?q=lighthouse")
                assert status == 200 and body["total"] == 5, server.output()
                assert headers["X-Kavosh-Generation"] == live
            assert GenerationStore(index).current_name() == live
            built = run_index(corpus, index)
        assert built.returncode == 0, built.stderr
        assert not [p for p in index.iterdir() if p.name.startswith(".building-")]

    def test_kill_between_the_rename_and_the_switch_is_cleaned_up(self, tmp_path):
        """Killed once the new generation is renamed into place and the next
        CURRENT is written, just before it replaces CURRENT: the old generation
        stays live, and the next build removes the unused `.CURRENT.<pid>`."""
        corpus, index = tmp_path / "corpus", tmp_path / "index"
        write_version(corpus, 1)
        build_index(corpus, index)
        killed = subprocess.run(
            [sys.executable, "-c", KILL_BEFORE_THE_SWITCH, str(corpus), str(index)],
            cwd=PROJECT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert killed.returncode == -signal.SIGKILL, killed.stderr
        assert GenerationStore(index).current_name() == "gen-000001"
        leftover = [p.name for p in index.iterdir() if p.name.startswith(".CURRENT.")]
        assert len(leftover) == 1 and (index / "gen-000002").is_dir()

        report = build_index(corpus, index)
        assert leftover[0] in report.removed_leftovers
        assert report.generation == "gen-000003"
        assert not [p for p in index.iterdir() if p.name.startswith(".CURRENT.")]


# A build that SIGKILLs itself at the moment it would switch CURRENT.
KILL_BEFORE_THE_SWITCH = """
import os, signal, sys
from indexer.build import build_index
replace = os.replace
def killed_at_the_switch(source, target):
    if os.path.basename(target) == "CURRENT":
        os.kill(os.getpid(), signal.SIGKILL)
    return replace(source, target)
os.replace = killed_at_the_switch
build_index(sys.argv[1], sys.argv[2])
"""


class TestKilledWorker:
    def test_a_killed_worker_is_replaced_and_serving_goes_on(self, tmp_path):
        corpus, index = tmp_path / "corpus", tmp_path / "index"
        write_version(corpus, 2)
        build_index(corpus, index)
        with LiveServer(index, corpus, workers=2) as server:
            first, second = server.worker_pids()
            os.kill(first, signal.SIGKILL)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and first in server.worker_pids():
                time.sleep(0.1)
            while time.monotonic() < deadline and len(server.worker_pids()) < 2:
                time.sleep(0.1)
            workers = server.worker_pids()
            answers = [server.get_json("/api/search?q=lighthouse") for _ in range(8)]
            log = server.output()
        assert second in workers and first not in workers and len(workers) == 2, log
        assert {(status, body["total"]) for status, _, body in answers} == {(200, 5)}


class TestCorruptGeneration:
    def corrupt(self, generation: Path) -> None:
        segment = max(generation.glob("*.seg"), key=lambda p: p.stat().st_size)
        data = segment.read_bytes()
        segment.write_bytes(data[: len(data) // 2])

    def test_previous_generation_serves_and_health_says_why(self, tmp_path):
        corpus, index = tmp_path / "corpus", tmp_path / "index"
        write_version(corpus, 1)
        build_index(corpus, index)
        good = GenerationStore(index).current_name()
        write_version(corpus, 2)
        build_index(corpus, index)
        bad = GenerationStore(index).current_name()
        self.corrupt(index / bad)

        client = create_app({"INDEX_DIR": index, "SOURCE_DIR": corpus}).test_client()
        health = client.get("/api/health")
        assert health.status_code == 200
        assert health.json["status"] == "degraded"
        assert bad in health.json["message"] and "kavosh index" in health.json["message"]
        assert health.json["generation"] == good
        answer = client.get("/api/search?q=lighthouse")
        assert answer.status_code == 200 and answer.json["total"] == 4

        assert run_index(corpus, index).returncode == 0
        health = client.get("/api/health")
        assert health.json["status"] == "ok" and health.json["generation"] not in (good, bad)
        assert client.get("/api/search?q=lighthouse").json["total"] == 5

    def test_without_a_good_generation_the_api_answers_503(self, tmp_path):
        corpus, index = tmp_path / "corpus", tmp_path / "index"
        write_version(corpus, 1)
        build_index(corpus, index)
        self.corrupt(GenerationStore(index).current())
        client = create_app({"INDEX_DIR": index, "SOURCE_DIR": corpus}).test_client()
        health = client.get("/api/health")
        assert health.status_code == 503 and health.json["status"] == "index_corrupt"
        answer = client.get("/api/search?q=lighthouse")
        assert answer.status_code == 503
        assert "kavosh index" in answer.json["error"]["message"]


class TestDiskFull:
    def test_a_write_error_mid_build_leaves_the_old_generation(self, tmp_path):
        """RLIMIT_FSIZE makes the kernel refuse writes past a size, as a full disk does."""
        corpus, index = tmp_path / "corpus", tmp_path / "index"
        write_version(corpus, 1)
        build_index(corpus, index)
        live = GenerationStore(index).current_name()
        big = tmp_path / "big"
        big.mkdir()
        shutil.copy(WIKITEXT_VALID, big / "valid.txt.gz")

        def limit_file_size():
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (256 * 1024, 256 * 1024))

        built = run_index(big, index, preexec_fn=limit_file_size)
        assert built.returncode == 1
        message = built.stderr.strip()
        assert message.startswith("Error: could not write the index"), message
        assert "previous index is untouched" in message and "Traceback" not in message
        assert GenerationStore(index).current_name() == live
        assert not [p for p in index.iterdir() if p.name.startswith(".building-")]
        client = create_app({"INDEX_DIR": index, "SOURCE_DIR": corpus}).test_client()
        assert client.get("/api/search?q=lighthouse").json["total"] == 4


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("limits")
    write_version(root / "corpus", 1)
    build_index(root / "corpus", root / "index")
    with LiveServer(root / "index", root / "corpus", workers=1) as server:
        yield server


class TestRequestLimits:
    def raw(self, server: LiveServer, request: bytes) -> bytes:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
            connection.sendall(request)
            chunks = []
            while chunk := connection.recv(65536):
                chunks.append(chunk)
            return b"".join(chunks)

    def assert_error_shape(self, answer: tuple, status: int, code: str) -> None:
        got, headers, body = answer
        assert (got, headers.get("Content-Type")) == (status, "application/json"), body[:300]
        error = json.loads(body)["error"]
        assert set(error) == {"code", "message"} and error["code"] == code and error["message"]
        assert "default-src 'self'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"

    def test_a_9000_character_query_is_answered_in_json(self, server):
        """A pasted abstract is far below the request limits: the search core
        answers it (or refuses it in its own words), never the HTTP server."""
        query = " ".join(["lighthouse", "keeper"] * 600)[:9000]
        status, headers, body = server.get("/api/search?" + urlencode({"q": query}))
        assert status in (200, 400) and headers["Content-Type"] == "application/json", body[:300]
        if status == 400:
            assert set(json.loads(body)["error"]) == {"code", "message"}

    def test_a_request_line_over_the_limit_is_a_json_414(self, server):
        answer = server.get("/api/search?q=" + "a" * (MAX_REQUEST_LINE + 1))
        self.assert_error_shape(answer, 414, "request_line_too_long")
        assert server.get("/api/health")[0] == 200

    def test_a_header_over_the_limit_is_a_json_431(self, server):
        answer = server.get("/api/search?q=iran", headers={"X-Long": "b" * 20_000})
        self.assert_error_shape(answer, 431, "header_too_large")
        assert server.get("/api/health")[0] == 200

    def test_the_page_explains_a_request_line_over_the_limit(self, server):
        status, headers, body = server.get("/search?q=" + "a" * (MAX_REQUEST_LINE + 1))
        assert status == 414 and headers["Content-Type"].startswith("text/html")
        assert b"over 32 KB" in body

    @pytest.mark.parametrize(
        "request_head, status",
        [
            (b"GET /?q=" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n", b"414"),
            (b"GET / HTTP/1.1\r\nHost: x\r\nX-Long: " + b"b" * 300_000 + b"\r\n", b"431"),
            (b"GET / HTTP/1.1\r\nHost: x\r\nno colon here\r\n", b"400"),
        ],
        ids=["target-over-64KB", "head-over-the-buffer", "bad-syntax"],
    )
    def test_what_the_server_refuses_itself_is_refused_and_serving_goes_on(
        self, server, request_head, status
    ):
        """Past the app's limits the HTTP server answers alone, without a body
        (README, "Request limits"); the next client is served as usual."""
        answer = self.raw(server, request_head + b"Connection: close\r\n\r\n")
        assert answer.startswith(b"HTTP/1.1 " + status), answer[:200]
        assert server.get("/api/health")[0] == 200

    def test_a_body_on_a_get_route_is_refused(self, server):
        answer = self.raw(
            server,
            b"GET /api/search?q=iran HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
            b"Connection: close\r\n\r\nhello",
        )
        assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
        assert b'"unexpected_body"' in answer


class TestLoad:
    def test_a_short_load_run_has_no_errors(self, tmp_path):
        from bench.load import mix_from_index, run

        corpus = PROJECT / "seeds"
        index = tmp_path / "index"
        build_index(corpus, index)
        with LiveServer(index, corpus, workers=2) as server:
            figures = run(server.url, mix_from_index(index, count=300), connections=8, seconds=5)
            log = server.output()
        assert figures["requests"] > 0
        assert figures["errors"] == 0 and figures["fivexx"] == 0, f"{figures}\n{log}"
        assert figures["non_2xx"] == 0, figures
