"""The one way Kavosh talks to a Typesense cluster: the PyPI client's request
layer (its retries and health marks), under a handful of REST calls, each
sent to the node that has answered fastest lately (`fastest_node`).

The client's object wrappers (`client.collections[name]`…) are not used: from
client 2.x each one warns about APIs that servers from v30 dropped, on every
access, and 0.24 has them all. Requests go straight to `api_call`, which,
when a node refuses, times out or answers 5xx, marks it unhealthy (skipped
for `HEALTHCHECK_SECONDS`) and retries on the next one, so a node that is
down never fails a request.
"""

from __future__ import annotations

import json
import warnings
from typing import NamedTuple
from urllib.parse import quote, urlencode, urlparse

import orjson

from indexer.errors import KavoshError
from indexer.typesense.pipelined import PipelinedSearches, Sent

RETRY_SECONDS = 0.1
HEALTHCHECK_SECONDS = 5
# A search whose query string is longer is POSTed in a `multi_search`
# (Typesense's advice for query strings over 4,000 characters).
LONGEST_GET = 4000


def node_config(url: str) -> dict:
    """`http://127.0.0.1:8108` as the client's node dictionary."""
    try:
        parsed = urlparse(url.strip())
        port = parsed.port
    except ValueError:
        port = None
    if not (parsed.scheme and parsed.hostname and port):
        raise KavoshError(f"{url!r} is not a Typesense node URL (like http://127.0.0.1:8108)")
    return {"host": parsed.hostname, "port": parsed.port, "protocol": parsed.scheme}


class TypesenseClient:
    """REST calls to a cluster, each retried across `nodes`."""

    def __init__(self, nodes: list[str], api_key: str, timeout: float = 2.0):
        try:
            import typesense  # only a Typesense deployment needs the client

            from indexer.typesense.fastest_node import FastestNodeManager
        except ImportError:
            raise KavoshError(
                "the Typesense client is not installed: pip install -e '.[typesense]'"
            ) from None
        if not api_key:
            raise KavoshError(
                "no Typesense API key: set KAVOSH_TYPESENSE_API_KEY (TYPESENSE_API_KEY)"
            )
        self.nodes = list(nodes)
        self.api_key = api_key
        config = {
            "nodes": [node_config(url) for url in self.nodes],
            "api_key": api_key,
            "connection_timeout_seconds": timeout,
            # Every node about three times over roughly a second: enough to ride
            # out a node's death and a leader election.
            "num_retries": 3 * len(self.nodes),
            "retry_interval_seconds": RETRY_SECONDS,
            "healthcheck_interval_seconds": HEALTHCHECK_SECONDS,
            "suppress_deprecation_warnings": True,
            # Answers uncompressed: a window of a few hundred passages is
            # ~300 KB, which the node spent ~3 ms gzipping and we ~1 ms
            # inflating, for a link inside one data centre (SciFact's window
            # request: 21.7 -> 12.0 ms, the node's CPU 10.8 -> 8.2 ms).
            "additional_headers": {"Accept-Encoding": "identity"},
        }
        with warnings.catch_warnings():
            # Client 2.x warns on construction about APIs removed in server v30.
            warnings.filterwarnings("ignore", ".*deprecated on v30", DeprecationWarning)
            self._client = typesense.Client(config)
        self._api = self._client.api_call
        # Not in turn: to the node answering fastest (`fastest_node`).
        self._api.node_manager = FastestNodeManager(self._api.config)
        headers = {"X-TYPESENSE-API-KEY": api_key, **config["additional_headers"]}
        self._pipelined = PipelinedSearches(
            self._api.node_manager, headers, timeout, slow=self._slow_search
        )

    def get(self, path: str, params: dict | None = None) -> dict:
        return self._api.get(path, entity_type=dict, as_json=True, params=params)

    def post(self, path: str, body: dict) -> dict:
        return self._api.post(path, entity_type=dict, as_json=True, body=body)

    def put(self, path: str, body: dict) -> dict:
        return self._api.put(path, entity_type=dict, body=body)

    def delete(self, path: str) -> dict:
        return self._api.delete(path, entity_type=dict)

    def search(self, collection: str, params: dict) -> dict:
        return self.send_search(collection, params).answer()

    def send_search(self, collection: str, params: dict) -> Sent | Answered:
        """One search, sent now; `.answer()` reads it (`pipelined`).

        A GET when its query string is short enough, not a `multi_search`: a
        node answering one re-reads each search's answer as JSON to write it
        into the list, which for a window of 250 passages cost 2.5-3 ms of
        12-15. The answer is decoded with orjson: a few hundred kilobytes,
        which the standard library decodes several times slower."""
        query = urlencode(params)
        if len(query) > LONGEST_GET:
            (answer,) = self.multi_search(collection, [params])
            return Answered(answer)
        path = f"/collections/{quote(collection)}/documents/search"
        return self._pipelined.send(path, params, query)

    def _slow_search(self, path: str, params: dict) -> dict:
        """A search through the PyPI client's request layer (its retries)."""
        return orjson.loads(self._api.get(path, entity_type=str, as_json=False, params=params))

    def multi_search(self, collection: str, searches: list[dict]) -> list[dict]:
        """Several searches in one request (POSTed: filters can be long); one answer each."""
        body = {"searches": [{"collection": collection, **search} for search in searches]}
        answer = self._api.post(
            "/multi_search", entity_type=str, as_json=False, body=orjson.dumps(body)
        )
        return orjson.loads(answer)["results"]

    def document(self, collection: str, document_id: str) -> dict:
        return self.get(f"/collections/{quote(collection)}/documents/{quote(document_id, safe='')}")

    def import_documents(self, collection: str, documents: list[dict]) -> list[dict]:
        """Store `documents`; one answer per document (`{"success": true}` or its error)."""
        answer = self._api.post(
            f"/collections/{quote(collection)}/documents/import",
            entity_type=str,
            as_json=False,
            # Upserts: a batch tried again after a lost answer is not refused.
            params={"action": "upsert"},
            body="\n".join(json.dumps(d, ensure_ascii=False) for d in documents),
        )
        return [json.loads(line) for line in answer.splitlines() if line.strip()]

    def export(self, collection: str) -> list[dict]:
        answer = self._api.get(
            f"/collections/{quote(collection)}/documents/export", entity_type=str, as_json=False
        )
        return [json.loads(line) for line in answer.splitlines() if line.strip()]

    def answer_times(self) -> dict[str, float]:
        """Each node's smoothed answer time in seconds, by URL, once it has answered."""
        return self._api.node_manager.answer_times()

    def unhealthy_nodes(self) -> list[str]:
        """The nodes the client is skipping after a failed request."""
        return [node.url() for node in self._api.node_manager.nodes if not node.healthy]

    def close(self) -> None:
        self._pipelined.close()
        close = getattr(self._api, "close", None)
        if close:
            close()


class Answered(NamedTuple):
    """A search already answered (POSTed), read as a `Sent` one is."""

    answered: dict

    def answer(self) -> dict:
        return self.answered


def is_not_found(error: BaseException) -> bool:
    """A 404: no such collection, alias or document."""
    return type(error).__name__ == "ObjectNotFound"
