"""Talking to the HTTP engines: one keep-alive client, and a bounded load test.

Both servers (Kavosh and Typesense) are asked through the same small client,
`http.client` over a persistent connection, so neither pays for a heavier
client library than the other. The load test runs N client threads against
loopback for at most `seconds` and at most `max_requests` requests, then
stops by itself; it reports completed requests per second and errors.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Callable

HOST = "127.0.0.1"


class Client:
    """One persistent HTTP/1.1 connection to a loopback server."""

    def __init__(self, port: int, headers: dict[str, str] | None = None, timeout: float = 30):
        self.port = port
        self.headers = headers or {}
        self.timeout = timeout
        self.connection: http.client.HTTPConnection | None = None

    def get_json(self, path: str) -> dict:
        """GET `path` and decode its JSON; reconnect once if the server closed."""
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
            try:
                self.connection.request("GET", path, headers=self.headers)
                response = self.connection.getresponse()
                body = response.read()
            except (http.client.HTTPException, ConnectionError):
                self.close()
                if attempt == 2:
                    raise
                continue
            if response.status != 200:
                raise RuntimeError(f"GET {path} answered {response.status}: {body[:200]!r}")
            if response.getheader("Connection", "").lower() == "close":
                self.close()
            return json.loads(body)
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def requests_per_second(
    port: int,
    paths: list[str],
    clients: int,
    *,
    headers: dict[str, str] | None = None,
    seconds: float = 4.0,
    max_requests: int = 20_000,
) -> dict:
    """Throughput with `clients` concurrent clients, bounded in time and count.

    Each client walks the paths from its own offset, so clients do not ask
    the same query at the same moment.
    """
    lock = threading.Lock()
    counts = {"done": 0, "errors": 0, "started": 0}
    deadline = time.monotonic() + seconds

    def take() -> bool:
        with lock:
            if counts["started"] >= max_requests or time.monotonic() >= deadline:
                return False
            counts["started"] += 1
            return True

    def run(offset: int) -> None:
        client = Client(port, headers)
        position = offset
        try:
            while take():
                try:
                    client.get_json(paths[position % len(paths)])
                    outcome = "done"
                except Exception:  # counted, not raised: a load test reports errors
                    outcome = "errors"
                with lock:
                    counts[outcome] += 1
                position += 1
        finally:
            client.close()

    step = max(1, len(paths) // clients)
    threads = [threading.Thread(target=run, args=(i * step,)) for i in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    return {
        "clients": clients,
        "requests": counts["done"],
        "errors": counts["errors"],
        "seconds": round(elapsed, 2),
        "rps": round(counts["done"] / elapsed, 1) if elapsed else 0.0,
    }


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll `check` every 0.2 s until it is true; raise naming `what` if it never is."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise TimeoutError(f"{what} not ready after {timeout:.0f} s")
