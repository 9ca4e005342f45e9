"""Compacting each node's store once a push has landed on it.

Typesense 0.24 keeps every document in RocksDB without bloom filters, and
reads each hit's document back from it. Right after a bulk import a node's
store holds several overlapping files, and a point read then goes through
the index blocks of each: measured on a fresh three-node cluster with
SciFact pushed, 1-3 MB read from the page cache per document, 2-9 ms per
`GET` of one document, and 85-500 ms of `search_time_ms` for a page of 250
hits (the window Kavosh re-scores), against 0.5 ms and 5-10 ms once the
store was compacted into one sorted file. A node restarted, or a second
push (whose drop of the old collection happens to compact), was fast too;
a first push into a new cluster was not, so every benchmark of one and
every new deployment searched at the slow speed.

So `kavosh index` asks each node for `POST /operations/db/compact` (a
node's own store: it is not replicated through Raft, so every node is
asked directly), once every node holds the new collection and before the
alias swap, and again once every node has applied the swap and the old
collections are dropped. The second is needed even on a first push: on the
benchmark's three-node cluster, one follower compacted before the swap still
took 150-210 ms of `search_time_ms` for a filter search the others answered
in 2-4 ms, and 2-4 ms once compacted again (seen on two fresh clusters of
two; a node that reports every passage may still be writing some). Each
took 0.2 s for SciFact's 40 MB. Compaction only speeds reads up: a node
that cannot do it in time is named in the report and the push still
succeeds.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

# A node compacts in the request; a large store may take minutes.
COMPACT_TIMEOUT = 600.0
NOT_COMPACTED = "did not compact its store ({reason}); its searches may be slower until it does"


def compact_nodes(
    nodes: list[str], api_key: str, *, skip: set[str] = frozenset()
) -> dict[str, str]:
    """Compact every node in `nodes` but those in `skip` (down), all at once;
    the nodes that failed, each with the reason."""
    wanted = [url for url in nodes if url not in skip]
    if not wanted:
        return {}
    with ThreadPoolExecutor(max_workers=len(wanted)) as pool:
        reasons = dict(
            zip(wanted, pool.map(lambda url: _compact(url, api_key), wanted), strict=True)
        )
    return {url: reason for url, reason in reasons.items() if reason}


def _compact(url: str, api_key: str) -> str:
    """'' once the node has compacted, else why not."""
    request = urllib.request.Request(
        url + "/operations/db/compact",
        data=b"",
        method="POST",
        headers={"X-TYPESENSE-API-KEY": api_key},
    )
    try:
        with urllib.request.urlopen(request, timeout=COMPACT_TIMEOUT) as response:
            answer = json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return f"it answered {error.code}"
    except (OSError, ValueError) as error:
        return f"{type(error).__name__}: {error}"[:200]
    return "" if answer.get("success") else f"it answered {answer}"[:200]
