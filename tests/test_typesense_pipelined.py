"""The search path's own connections (`indexer.typesense.pipelined`), against
small HTTP servers that misbehave on purpose: what a node that closes idle
connections, refuses a search or is gone does to a search."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from indexer.typesense.client import TypesenseClient


class Node:
    """A stand-in node on loopback: answers every search with `answer`,
    counts the connections it accepted and the requests it answered."""

    def __init__(self, status: int = 200, close_after_answer: bool = False):
        node = self
        self.requests: list[str] = []
        self.agents: list[str] = []  # httpx's: sent again through the PyPI client
        self.connections = 0

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # kept alive unless closed below

            def setup(self):
                node.connections += 1
                super().setup()

            def do_GET(self):
                node.requests.append(self.path)
                node.agents.append(self.headers.get("User-Agent", ""))
                body = json.dumps({"found": 1, "hits": [{"document": {"id": "p1"}}]}).encode()
                if status != 200:
                    body = json.dumps({"message": "Could not parse the filter query."}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                # Closed without saying so: the client keeps it as idle.
                self.close_connection = close_after_answer

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def nodes():
    started: list[Node] = []

    def start(**kwargs) -> Node:
        started.append(Node(**kwargs))
        return started[-1]

    yield start
    for node in started:
        node.stop()


@pytest.fixture
def connect():
    opened: list[TypesenseClient] = []

    def open_client(urls: list[str]) -> TypesenseClient:
        opened.append(TypesenseClient(urls, "key"))
        return opened[-1]

    yield open_client
    for client in opened:
        client.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


SEARCH = {"q": "*", "query_by": "text_terms", "filter_by": "text_terms:[hekmat]"}


def test_searches_share_one_kept_alive_connection(nodes, connect):
    node = nodes()
    client = connect([node.url])
    answers = [client.search("kavosh", SEARCH) for _ in range(5)]
    assert all(a["hits"][0]["document"]["id"] == "p1" for a in answers)
    assert len(node.requests) == 5
    assert node.connections == 1
    assert node.requests[0].startswith("/collections/kavosh/documents/search?")


def test_a_connection_the_node_closed_while_idle_is_opened_again(nodes, connect):
    node = nodes(close_after_answer=True)
    client = connect([node.url])
    for _ in range(4):
        assert client.search("kavosh", SEARCH)["found"] == 1
    # Each search after the first found its idle connection closed and
    # opened a new one; none was sent twice, and the node is not marked down.
    assert len(node.requests) == 4
    assert node.connections == 4
    assert not any("httpx" in agent for agent in node.agents)
    assert client.unhealthy_nodes() == []


def test_searches_sent_together_are_each_answered(nodes, connect):
    node = nodes()
    client = connect([node.url])
    sent = [client.send_search("kavosh", {**SEARCH, "page": page}) for page in (1, 2, 3)]
    assert [s.answer()["found"] for s in sent] == [1, 1, 1]
    assert sorted(r.rsplit("page=", 1)[1] for r in node.requests) == ["1", "2", "3"]
    assert node.connections == 3  # one each while in flight, kept for the next ones


def test_a_node_that_is_gone_is_skipped_and_the_search_answered(nodes, connect):
    live = nodes()
    gone = f"http://127.0.0.1:{_free_port()}"
    client = connect([gone, live.url])
    assert client.search("kavosh", SEARCH)["found"] == 1
    assert client.unhealthy_nodes() == [gone]
    assert any("httpx" in agent for agent in live.agents)  # the PyPI client's retry


def test_a_refused_search_raises_the_clients_error_and_marks_no_node(nodes, connect):
    node = nodes(status=400)
    client = connect([node.url])
    with pytest.raises(Exception, match="Could not parse the filter") as raised:
        client.search("kavosh", SEARCH)
    assert type(raised.value).__name__ == "RequestMalformed"
    assert client.unhealthy_nodes() == []
