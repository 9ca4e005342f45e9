"""`kavosh serve` as a user starts it: `--index` and `--source` name the
folders, the source folder defaults to the one the index was built from, and
a busy port is one line and exit 1, with nothing started first."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time

import pytest

from indexer.build import build_index
from tests.conftest import PROJECT, SEEDS
from tests.live_server import LiveServer, free_port

KAVOSH = str(PROJECT / ".venv/bin/kavosh")
STORY = {"story.md": "# Story\n\nThe lighthouse keeper counted the ships every night.\n"}


def serve(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [KAVOSH, "serve", "--host", "127.0.0.1", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def assert_one_line_about_the_port(done: subprocess.CompletedProcess, port: int) -> None:
    assert done.returncode == 1, done.stderr
    assert done.stdout == ""
    assert done.stderr == (
        f"Error: port {port} on 127.0.0.1 is in use by another server: "
        "stop it, or choose another with --port\n"
    )


class TestBusyPort:
    def test_a_port_another_program_listens_on(self, settings_env, tmp_path):
        with socket.create_server(("127.0.0.1", 0)) as listener:
            port = listener.getsockname()[1]
            done = serve("--port", str(port), "--index", str(tmp_path / "index"))
        assert_one_line_about_the_port(done, port)
        assert not (tmp_path / "index").exists(), "nothing is built before the port is checked"

    def test_a_port_kavosh_already_serves_on(self, settings_env, tmp_path):
        """The server binds with SO_REUSEPORT; a second one must still refuse,
        not share the port with the first."""
        index = tmp_path / "index"
        build_index(SEEDS, index)
        with LiveServer(index, SEEDS, workers=1) as first:
            done = serve("--port", str(first.port), "--index", str(index))
            assert first.get("/api/health")[0] == 200
        assert_one_line_about_the_port(done, first.port)


@pytest.mark.parametrize("setting, logged", [(None, False), ("1", True), ("0", False)])
def test_the_access_log_is_off_unless_turned_on(
    settings_env, tmp_path, monkeypatch, setting, logged
):
    index = tmp_path / "index"
    build_index(SEEDS, index)
    if setting is not None:
        monkeypatch.setenv("KAVOSH_ACCESS_LOG", setting)
    line = '"GET /api/search HTTP/1.1" 200'
    with LiveServer(index, SEEDS, workers=1) as server:
        assert server.get("/api/search?q=lighthouse")[0] == 200
        # The line is written after the answer is sent: give it a moment.
        deadline = time.monotonic() + (10 if logged else 1)
        while line not in server.output() and time.monotonic() < deadline:
            time.sleep(0.05)
        output = server.output()
    assert (line in output) is logged, output


class TestFolders:
    def test_index_and_source_flags(self, settings_env, write_corpus, tmp_path):
        source = write_corpus(STORY)
        index = tmp_path / "elsewhere"
        build_index(source, index)
        with LiveServer(index, source, workers=1, flags=True) as server:
            status, _, found = server.get_json("/api/search?q=lighthouse")
            viewed = server.get("/source/story.md")
        assert status == 200 and found["total"] == 1
        assert viewed[0] == 200 and b"lighthouse keeper" in viewed[2]

    def test_the_source_folder_is_the_one_the_index_was_built_from(
        self, settings_env, write_corpus, tmp_path
    ):
        source = write_corpus(STORY)
        index = tmp_path / "index"
        build_index(source, index)
        with LiveServer(index, None, workers=1, flags=True) as server:
            viewed = server.get("/source/story.md")
            health = server.get_json("/api/health")[2]
        assert viewed[0] == 200 and b"lighthouse keeper" in viewed[2]
        assert health["passages"] == 1

    def test_an_empty_index_folder_is_built_from_the_source_flag(
        self, settings_env, write_corpus, tmp_path
    ):
        source = write_corpus(STORY)
        index = tmp_path / "new-index"
        with LiveServer(index, source, workers=1, flags=True) as server:
            found = server.get_json("/api/search?q=ships")[2]
            log = server.output()
        assert found["total"] == 1
        assert "building it first" in log and f"from {source} in" in log


@pytest.mark.parametrize("workers", ["0", "-1", "many"])
def test_a_bad_worker_count_is_one_line(settings_env, workers):
    done = serve("--port", str(free_port()), "--workers", workers, timeout=30)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "Invalid value for '--workers'" in done.stderr


def test_help_names_every_option(settings_env):
    done = subprocess.run([KAVOSH, "serve", "--help"], capture_output=True, text=True, timeout=30)
    for option in ("--host", "--port", "--workers", "--index", "--source"):
        assert option in done.stdout


def test_the_process_environment_does_not_ride_along_with_requests(monkeypatch):
    """granian starts each WSGI environ from a copy of os.environ: a secret
    setting, or an `HTTP_PROXY` posing as a client's header, must not reach
    the app; the request's own keys and headers must."""
    from flask import Flask, request

    from app.http.server import without_process_environment

    monkeypatch.setenv("KAVOSH_TYPESENSE_API_KEY", "secret-key")
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.internal:3128")
    monkeypatch.setenv("HTTP_ACCEPT", "text/plain")
    seen = {}
    app = Flask("environ")

    @app.get("/")
    def environ_keys():
        seen.update(request.environ)
        return "ok"

    wsgi = without_process_environment(app.wsgi_app)
    environ = {**os.environ, "REQUEST_METHOD": "GET", "PATH_INFO": "/", "SERVER_NAME": "x"}
    environ |= {"SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_USER_AGENT": "test"}
    environ |= {"HTTP_ACCEPT": "application/json"}  # the client's, under an inherited name
    environ |= {"wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(), "wsgi.errors": sys.stderr}
    body = b"".join(wsgi(environ, lambda status, headers: None))
    assert body == b"ok"
    assert "KAVOSH_TYPESENSE_API_KEY" not in seen and "HTTP_PROXY" not in seen
    assert (seen["PATH_INFO"], seen["HTTP_USER_AGENT"]) == ("/", "test")
    assert seen["HTTP_ACCEPT"] == "application/json"
