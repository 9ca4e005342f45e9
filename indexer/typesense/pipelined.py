"""Searches sent now and read later, over connections kept open to each node.

A search is a GET on a kept-alive `http.client` connection to the node that
`fastest_node` picks. `send` writes the request and returns at once; the
answer is read by `Sent.answer`. Between the two the caller can send more
(each on a connection of its own, so the node searches them at once) or do
work of its own (find the marks of the page while its passages are read).

This is only the common path: a search that fails here, for whatever reason
(a node gone, a timeout, a refusal), is sent again through the PyPI client's
request layer, which retries across the nodes and raises its usual errors.
On SciFact's windows of 250 passages, the PyPI client and httpx took about
1 ms more a search than this (9.3 against 8.4 ms).
"""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Callable
from urllib.parse import urlencode

import orjson

# A connection's or an answer's failure: the search is sent again the usual way.
FAILURES = (OSError, http.client.HTTPException, orjson.JSONDecodeError)
# How a kept-alive connection that the node closed while it was idle fails:
# the search is sent again on a new one, and the node is not marked.
CLOSED_WHILE_IDLE = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)


class Sent:
    """A search on its way: `answer()` reads what the node sends back."""

    def __init__(self, searches, node, connection, request: tuple, started: float, reused: bool):
        self._searches, self._node, self._connection = searches, node, connection
        self._request, self._started, self._reused = request, started, reused

    def answer(self) -> dict:
        searches, node, connection = self._searches, self._node, self._connection
        if connection is not None:
            try:
                response = connection.getresponse()
                body = response.read()
                if response.status == 200:
                    answer = orjson.loads(body)
                    searches.answered(node, connection, time.perf_counter() - self._started)
                    return answer
                if response.status >= 500:
                    searches.manager.set_node_health(node, is_healthy=False)
            except FAILURES as error:
                if self._reused and isinstance(error, CLOSED_WHILE_IDLE):
                    connection.close()
                    return searches.send(*self._request, fresh=True).answer()
                searches.manager.set_node_health(node, is_healthy=False)
            connection.close()
        path, params, _ = self._request
        return searches.slow(path, params)


class PipelinedSearches:
    """GET searches over idle connections to each node, kept per thread.

    :param manager: the client's node manager (`FastestNodeManager`): which
        node to ask, and what it is told of each answer.
    :param slow: the usual way to search, for a search that fails here.
    """

    def __init__(self, manager, headers: dict, timeout: float, slow: Callable[[str, dict], dict]):
        self.manager = manager
        self.headers = headers
        self.timeout = timeout
        self.slow = slow
        self._local = threading.local()

    def send(self, path: str, params: dict, query: str | None = None, fresh: bool = False) -> Sent:
        """Send a GET of `path` with `params` (`query`: already encoded) on
        an idle connection to the fastest node (`fresh`: on a new one), and
        return at once."""
        query = urlencode(params) if query is None else query
        target = f"{path}?{query}"
        node = self.manager.get_node()
        started = time.perf_counter()
        idle = self._idle(node)
        reused = bool(idle) and not fresh
        connection = idle.pop() if reused else self._connect(node)
        try:
            connection.request("GET", target, headers=self.headers)
        except FAILURES as error:
            connection.close()
            if reused and isinstance(error, CLOSED_WHILE_IDLE):
                return self.send(path, params, query, fresh=True)
            self.manager.set_node_health(node, is_healthy=False)
            connection = None
        return Sent(self, node, connection, (path, params, query), started, reused)

    def answered(self, node, connection, seconds: float) -> None:
        """A search answered: the node's time is noted and its connection kept."""
        self.manager.answered(node, seconds)
        self._idle(node).append(connection)

    def _connect(self, node) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(node.host, int(node.port), timeout=self.timeout)

    def _idle(self, node) -> list[http.client.HTTPConnection]:
        pools = getattr(self._local, "pools", None)
        if pools is None:
            pools = self._local.pools = {}
        return pools.setdefault(id(node), [])

    def close(self) -> None:
        """Close this thread's idle connections."""
        for idle in getattr(self._local, "pools", {}).values():
            while idle:
                idle.pop().close()
