"""A build started from a process with other threads (a server, a test
session) spawns its analysing process instead of forking it, and writes the
same index as a build from a single-threaded process."""

from __future__ import annotations

import threading

from indexer.build import build_index
from indexer.generations import GenerationStore
from indexer.scored_postings import META
from tests.conftest import copy_seeds, stored_passages


def test_a_build_beside_another_thread_writes_the_same_index(tmp_path):
    corpus = copy_seeds(tmp_path / "corpus")
    alone = build_index(corpus, tmp_path / "alone")
    stop = threading.Event()
    waiting = threading.Thread(target=stop.wait, daemon=True)
    waiting.start()
    try:
        assert threading.active_count() > 1
        beside = build_index(corpus, tmp_path / "beside")
    finally:
        stop.set()
        waiting.join()
    assert (beside.documents, beside.passages, beside.words) == (
        alone.documents,
        alone.passages,
        alone.words,
    )
    assert stored_passages(tmp_path / "beside") == stored_passages(tmp_path / "alone")
    generations = [GenerationStore(tmp_path / name).current() for name in ("alone", "beside")]
    arrays = [
        sorted(p.name for p in g.iterdir() if p.name.startswith("scored-")) for g in generations
    ]
    assert META in arrays[0] and arrays[0] == arrays[1]
    for name in arrays[0]:
        assert (generations[0] / name).read_bytes() == (generations[1] / name).read_bytes(), name
