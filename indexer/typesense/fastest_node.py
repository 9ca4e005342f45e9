"""Which node a request goes to: the one that has answered fastest lately.

The PyPI client sends requests to the nodes in turn, so one slow node slows
every third search. On the benchmark's three-node cluster on loopback (SciFact
pushed by `kavosh index`), one follower answered the same filter search in
150 ms that the other two answered in 3 ms, for as long as it ran: in turn,
SciFact's claims took a mean of 98 ms for a p50 of 35 ms. Elasticsearch meets
the same with adaptive replica selection (each coordinating node sends a
search to the copy that has answered it fastest); this is its simplest form,
on the client.

Every node's answer times are smoothed (`SMOOTHING`); a request goes to the
healthy node with the lowest, and a node passed over for `EXPLORE_EVERY`
requests and `EXPLORE_SECONDS` is asked once again, so a node that has become
fast again, or one the fastest has fallen behind under load, is seen (both
bounds: a busy server must not probe a slow node several times a second, a
quiet one not every request). A node not yet timed is tried first. A
node that fails is marked unhealthy as before (the library skips it until
its health check is due) and its time forgotten, so its next answer is
timed afresh.
"""

from __future__ import annotations

import threading
import time

from typesense.node_manager import NodeManager

SMOOTHING = 0.3  # the weight of a node's newest answer time in its average
EXPLORE_EVERY = 16
EXPLORE_SECONDS = 2.0


class FastestNodeManager(NodeManager):
    """The library's node manager (health marks, health-check interval),
    choosing by answer time instead of in turn."""

    def __init__(self, config):
        self._seconds: dict[int, float] = {}  # id(node) -> smoothed answer time
        self._asked = 0
        self._last_asked: dict[int, tuple[int, float]] = {}  # id(node) -> (request, when)
        self._lock = threading.Lock()
        self._pending = threading.local()  # this thread's request: (node, started)
        super().__init__(config)  # marks every node healthy, through set_node_health

    def get_node(self):
        with self._lock:
            self._asked += 1
            ready = [n for n in self.nodes if n.healthy or self._is_due_for_health_check(n)]
            now = time.perf_counter()
            untimed = [n for n in ready if id(n) not in self._seconds]
            passed_over = [n for n in ready if self._passed_over(n, now)]
            if not ready:
                node = super().get_node()  # in turn, as the library does
            elif untimed or passed_over:
                node = (untimed or passed_over)[0]
            else:
                node = min(ready, key=lambda n: self._seconds[id(n)])
            self._last_asked[id(node)] = (self._asked, now)
        self._pending.request = (node, now)
        return node

    def _passed_over(self, node, now: float) -> bool:
        asked, when = self._last_asked.get(id(node), (self._asked, now))
        return self._asked - asked >= EXPLORE_EVERY and now - when >= EXPLORE_SECONDS

    def set_node_health(self, node, is_healthy: bool) -> None:
        super().set_node_health(node, is_healthy)
        pending = getattr(self._pending, "request", None)
        if pending is None or pending[0] is not node:
            return
        self._pending.request = None
        if not is_healthy:
            with self._lock:
                self._seconds.pop(id(node), None)
            return
        self._note(node, time.perf_counter() - pending[1])

    def answered(self, node, seconds: float) -> None:
        """`node` answered in `seconds` a request sent other than through the
        library (`pipelined`): healthy, and timed."""
        super().set_node_health(node, True)
        self._note(node, seconds)

    def _note(self, node, seconds: float) -> None:
        with self._lock:
            previous = self._seconds.get(id(node))
            self._seconds[id(node)] = (
                seconds if previous is None else previous + SMOOTHING * (seconds - previous)
            )

    def answer_times(self) -> dict[str, float]:
        """Each timed node's smoothed answer time in seconds, by URL (for tests and logs)."""
        with self._lock:
            return {n.url(): self._seconds[id(n)] for n in self.nodes if id(n) in self._seconds}
