"""Writing to a cluster that has lost a node: `kavosh index` goes on while a
majority answers.

Typesense replicates every write through Raft, so two nodes of three hold a
quorum and accept writes. What an operator meets when a node dies is the
moment after: the client's request to the dead node fails (it moves to the
next one), and if the dead node was the leader, the others refuse writes
until they have elected a new one (a few seconds; "no leader", 5xx). The
client retries across nodes for about a second, which an election can
outlast.

`PatientWrites` wraps the client for a push: a write that fails in a way a
quorum will get over (a 5xx, a refused connection, a timeout, every node
marked unhealthy) is tried again with a growing pause, for at most
`QUORUM_TIMEOUT` seconds in all, then fails with the push's usual error. Writes
are idempotent, so trying again is safe: passages are upserted, and a
collection or alias that a lost answer already created is taken as created.
Drops are tried again too, for a shorter while (`DROP_TIMEOUT`), and one a
lost answer already made is taken as made.
A node that stays down is skipped (`wait_for_replicas` reports it) and catches
up from the Raft log when it returns.
"""

from __future__ import annotations

import time
from collections.abc import Callable

QUORUM_TIMEOUT = 60.0
# A drop (undoing a failed push, or removing old generations) waits less: a
# push that failed should say so soon, and a collection left behind goes
# with the next push that succeeds.
DROP_TIMEOUT = 5.0
FIRST_PAUSE = 0.2
LONGEST_PAUSE = 3.0
_TRANSIENT = {
    # The client's, for a 5xx (no leader yet) or no answer at all.
    *("ServerError", "ServiceUnavailable", "Timeout", "HTTPStatus0Error"),
    # httpx's, when the last node tried refused or hung up.
    *("ConnectError", "ConnectTimeout", "ReadTimeout", "ReadError", "RemoteProtocolError"),
}


def transient(error: BaseException) -> bool:
    """A failure a cluster with a quorum recovers from by itself."""
    name = type(error).__name__
    if name in _TRANSIENT:
        return True
    if name == "TypesenseClientError":  # the client's verdict once every node failed
        return "unhealthy" in str(error)
    # The client's errors are OSErrors too; only the others are the network's.
    typesense_error = type(error).__module__.startswith("typesense")
    return isinstance(error, OSError) and not typesense_error


def already_done(error: BaseException) -> bool:
    """A create whose first try succeeded though its answer was lost."""
    return type(error).__name__ == "ObjectAlreadyExists"


def already_gone(error: BaseException) -> bool:
    """A drop whose first try succeeded though its answer was lost."""
    return type(error).__name__ == "ObjectNotFound"


class PatientWrites:
    """The push's client, retrying writes a quorum will accept (module docstring).

    :param sleep: how to pause (the tests' clock, if they want one).
    """

    def __init__(self, client, timeout: float = QUORUM_TIMEOUT, sleep=time.sleep):
        self.client = client
        self.timeout = timeout
        self.sleep = sleep
        self.retried = 0  # writes that needed a second try, for the report

    def __getattr__(self, name: str):
        return getattr(self.client, name)  # attributes as they are

    def get(self, path: str, params: dict | None = None) -> dict:
        return self._patient(lambda: self.client.get(path, params))

    def post(self, path: str, body: dict) -> dict:
        return self._patient(lambda: self.client.post(path, body), already=already_done)

    def put(self, path: str, body: dict) -> dict:
        return self._patient(lambda: self.client.put(path, body))

    def import_documents(self, collection: str, documents: list[dict]) -> list[dict]:
        return self._patient(lambda: self.client.import_documents(collection, documents))

    def delete(self, path: str) -> dict:
        """A drop, tried again for at most `DROP_TIMEOUT`: a transient failure
        (an election) would otherwise leave the collection behind."""
        timeout = min(self.timeout, DROP_TIMEOUT)
        return self._patient(lambda: self.client.delete(path), already_gone, timeout=timeout)

    def _patient(self, write: Callable, already: Callable | None = None, timeout=None):
        """`write`, tried again while it fails transiently; `already` says
        whether an error on a later try means an earlier one took effect."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        pause = FIRST_PAUSE
        tried = False
        while True:
            try:
                return write()
            except Exception as error:
                if already and tried and already(error):
                    return {}
                if not transient(error) or time.monotonic() + pause > deadline:
                    raise
            tried = True
            self.retried += 1
            self.sleep(pause)
            pause = min(pause * 2, LONGEST_PAUSE)
