"""Slow clients cannot starve `kavosh serve`: 200 connections that send half a
request head and wait (slowloris) hold no worker, so a reader's search and
`/api/health` still answer at once, and the stalled connections are dropped
once the server's header timeout passes.

Against a real `kavosh serve` (tests/live_server.py). The time bounds are
generous on purpose: they prove "does not hang", not speed.
"""

from __future__ import annotations

import json
import socket
import time

import pytest

from app.http.server import HEADER_TIMEOUT
from indexer.build import build_index
from tests.conftest import SEEDS
from tests.live_server import LiveServer

HALF_A_REQUEST = b"GET /api/search?q=iran HTTP/1.1\r\nHost: kavosh\r\nUser-Agent: slo"
STALLED = 200
ANSWERS_WITHIN = 2.0  # seconds; with 200 stalled clients, a hung server never answers


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    index = tmp_path_factory.mktemp("slow") / "index"
    build_index(SEEDS, index)
    with LiveServer(index, SEEDS, workers=2) as server:
        yield server


@pytest.fixture
def stalled(server):
    """STALLED connections, each having sent half a request head."""
    connections = []
    try:
        for _ in range(STALLED):
            connection = socket.create_connection(("127.0.0.1", server.port), timeout=5)
            connection.sendall(HALF_A_REQUEST)
            connections.append(connection)
        yield connections
    finally:
        for connection in connections:
            connection.close()


def timed_get(server: LiveServer, path: str) -> tuple[int, bytes, float]:
    started = time.monotonic()
    status, _, body = server.get(path, timeout=ANSWERS_WITHIN)
    return status, body, time.monotonic() - started


class TestHalfSentRequests:
    def test_a_search_still_answers(self, server, stalled):
        status, body, seconds = timed_get(server, "/api/search?q=Hekmat")
        assert status == 200, server.output()
        assert json.loads(body)["total"] > 0
        assert seconds < ANSWERS_WITHIN

    def test_health_still_answers(self, server, stalled):
        status, body, _ = timed_get(server, "/api/health")
        assert (status, json.loads(body)["status"]) == (200, "ok")

    def test_the_page_still_answers(self, server, stalled):
        status, body, _ = timed_get(server, "/search?q=Hekmat")
        assert status == 200 and b"Hekmat" in body

    def test_many_readers_at_once_all_answer(self, server, stalled):
        answers = [timed_get(server, f"/api/search?q=party&page={n}") for n in (1, 2, 3)]
        assert [status for status, _, _ in answers] == [200, 200, 200]

    def test_a_stalled_connection_is_dropped_after_the_header_timeout(self, server):
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as connection:
            connection.sendall(HALF_A_REQUEST)
            connection.settimeout(HEADER_TIMEOUT + 10)
            started = time.monotonic()
            try:
                rest = connection.recv(65536)
            except ConnectionResetError:
                rest = b""
            waited = time.monotonic() - started
        # Closed (perhaps after a bodyless 408), not kept open: the socket
        # is the server's to reclaim.
        assert rest == b"" or rest.startswith(b"HTTP/1.1 408"), rest[:200]
        assert waited < HEADER_TIMEOUT + 10
