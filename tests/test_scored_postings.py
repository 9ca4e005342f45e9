"""The scored arrays a build writes beside the Whoosh segment
(`indexer.scored_postings`) hold exactly what the search core would
otherwise decode and score per query, so rankings do not change."""

from __future__ import annotations

import json
import shutil
from contextlib import closing

import numpy as np
import pytest
from whoosh import index as whoosh_index

from app.search import SearchService, whoosh_engine
from app.search.postings import Postings
from app.search.scored import open_scored
from indexer.bm25f import FIELD_B, K1, B
from indexer.build import build_index
from indexer.generations import GenerationStore
from indexer.schema import TEXT_FIELDS
from indexer.scored_postings import META
from tests.conftest import copy_seeds


@pytest.fixture(scope="module")
def generation(tmp_path_factory):
    """The seeds and the vivid files, built once: (index folder, generation folder)."""
    root = tmp_path_factory.mktemp("scored")
    build_index(copy_seeds(root / "corpus"), root / "index")
    return root / "index", GenerationStore(root / "index").current()


@pytest.fixture(scope="module")
def both(generation):
    """Postings read from the arrays, and decoded from the segment."""
    searcher = whoosh_index.open_dir(str(generation[1])).searcher()
    arrays = open_scored(generation[1])
    assert arrays is not None and set(arrays) == set(TEXT_FIELDS)
    yield searcher, Postings(searcher, K1, B, FIELD_B, arrays), Postings(searcher, K1, B, FIELD_B)
    searcher.close()


def test_every_term_has_the_same_postings_scores_and_counts(both):
    searcher, stored, decoded = both
    reader = searcher.reader()
    checked = 0
    for field in TEXT_FIELDS:
        for term in reader.field_terms(field):
            ids, scores = stored.scored(field, term)
            want_ids, want_scores = decoded.scored(field, term)
            assert np.array_equal(ids, want_ids), (field, term)
            assert np.array_equal(scores, want_scores), (field, term)  # to the last bit
            assert np.array_equal(
                stored.frequencies(field, term)[1], decoded.frequencies(field, term)[1]
            )
            checked += 1
    assert checked > 1000


def test_positions_are_the_segments(both):
    """A term's positions in any passages asked for, as Whoosh decodes them."""
    searcher, stored, decoded = both
    for term in list(searcher.reader().field_terms("text"))[::7]:
        ids, _ = decoded.scored("text", term)
        for within in (ids.astype(np.int64), ids[::2].astype(np.int64), ids[:0]):
            passages, positions = stored.occurrences("text", term, within)
            found = decoded.positions("text", term, within)
            want = [(docnum, p) for docnum in sorted(found) for p in found[docnum]]
            assert list(zip(passages.tolist(), positions.tolist(), strict=True)) == want, term


def test_the_manifest_lists_the_arrays(generation):
    manifest = json.loads((generation[1] / "manifest.json").read_text("utf-8"))
    assert {"scored-meta.json", "scored-text-scores.npy", "scored-text-positions.npy"} <= set(
        manifest["files"]
    )


def test_arrays_scored_with_other_parameters_are_not_used(generation, tmp_path):
    folder = tmp_path / "generation"
    shutil.copytree(generation[1], folder)
    assert open_scored(folder) is not None
    meta = json.loads((folder / META).read_text("utf-8"))
    (folder / META).write_text(json.dumps({**meta, "k1": 2.0}), "utf-8")
    assert open_scored(folder) is None
    (folder / META).unlink()
    assert open_scored(folder) is None


def test_without_the_arrays_the_answers_are_the_same(generation, monkeypatch):
    """A generation built before the arrays existed is searched by decoding
    its postings, with the same answers."""
    queries = ["foghorn storm", '"north bollard"', "Hekmat", "Iran party history", "lamp*"]

    def answers() -> list:
        with closing(SearchService(generation[0], cache_size=0)) as searching:
            return [[(h.id, h.score) for h in searching.search(q).hits] for q in queries]

    with_arrays = answers()
    monkeypatch.setattr(whoosh_engine, "open_scored", lambda folder: None)
    assert answers() == with_arrays and all(with_arrays)
