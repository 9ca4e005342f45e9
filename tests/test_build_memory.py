"""A build past its memory budget writes the index an unbounded one writes.

`BUILD_MEMORY_MB` caps the posting pool: past it, postings go to disk in
sorted runs that are merged at the end. A tiny budget forces many runs; the
index, the documents and the vocabulary must be the same as with room to
spare, on the seeds and on a sample of WikiText-2, and so must every file of
the generation, byte for byte (the build is deterministic).
"""

from __future__ import annotations

import gzip
import json
import shutil

import pytest
from whoosh import index as whoosh_index

from indexer.build import build_index
from indexer.generations import GenerationStore
from tests.conftest import SEEDS
from tests.test_bulk_writer import read_contents, segment_files
from tests.test_generations import WIKITEXT

SAMPLE_LINES = 1500


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """The seeds, and the first articles of WikiText-2's valid split."""
    folder = tmp_path_factory.mktemp("corpus")
    shutil.copytree(SEEDS, folder, dirs_exist_ok=True)
    with gzip.open(WIKITEXT / "valid.txt.gz", "rt", encoding="utf-8") as handle:
        lines = [next(handle) for _ in range(SAMPLE_LINES)]
    (folder / "wikitext-sample.txt").write_text("".join(lines), "utf-8")
    return folder


def built(corpus, index_dir, memory_mb: float) -> dict:
    build_index(corpus, index_dir, memory_mb=memory_mb)
    folder = GenerationStore(index_dir).current()
    index = whoosh_index.open_dir(folder)
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    # The segment's name is random (and the table of contents holds it):
    # its files are compared by content instead.
    checksums = {
        name: digest
        for name, digest in manifest["checksums"].items()
        if not name.endswith((".seg", ".toc"))
    }
    return {
        "index": read_contents(index),
        "files": {**checksums, **segment_files(index)},
        "documents": json.loads((folder / "documents.json").read_text("utf-8")),
        "vocabulary": json.loads((folder / "vocabulary.json").read_text("utf-8")),
        "build": json.loads((folder / "manifest.json").read_text("utf-8"))["build"],
    }


def test_a_spilled_build_equals_one_in_memory(corpus, tmp_path):
    roomy = built(corpus, tmp_path / "roomy", memory_mb=512)
    tight = built(corpus, tmp_path / "tight", memory_mb=0.2)

    assert roomy["build"]["sorted_runs"] == 0
    assert tight["build"]["sorted_runs"] > 10
    assert len(roomy["documents"]) > 20
    assert len(roomy["index"]["postings"]) > 5000
    assert any(name.startswith("scored-text") for name in roomy["files"])
    for part in ("index", "documents", "vocabulary", "files"):
        assert tight[part] == roomy[part], part
