"""`BulkWriter` writes what Whoosh's own `SegmentWriter` writes: the same
terms, postings (with the lengths their blocks record), field lengths and
stored fields, whether its pool stays in memory or spills sorted runs; and
the segment's files are Whoosh's byte for byte."""

from __future__ import annotations

import hashlib

import pytest
from whoosh import index as whoosh_index
from whoosh.filedb.compound import CompoundStorage
from whoosh.writing import SegmentWriter

from indexer import posting_blocks
from indexer.build import build_index
from indexer.bulk import BulkWriter
from indexer.corpus import read_corpus, train_splitter
from indexer.generations import GenerationStore
from indexer.passages import BuildReport, Tally, each_passage, passage_fields
from indexer.schema import build_schema
from tests.conftest import SEEDS


def contents(folder, make_writer) -> dict:
    """Build the seeds with `make_writer(index)`; return all the index holds,
    and under "files" each of the segment's files by name and checksum."""
    corpus = read_corpus(SEEDS)
    index = whoosh_index.create_in(folder, build_schema())
    writer = make_writer(index)
    passages = each_passage(corpus, train_splitter(corpus), BuildReport(), None, Tally())
    for document, passage, position in passages:
        writer.add_document(**passage_fields(document, passage, position))
    writer.commit()
    return {**read_contents(index), "files": segment_files(index)}


def segment_files(index) -> dict:
    """The SHA-256 of each file in the index's compound segment, named
    without the segment's random id."""
    files = {}
    for name in index.storage.list():
        if not name.endswith(".seg"):
            continue
        segment_id = name.removesuffix(".seg").split("_", 1)[1]
        compound = CompoundStorage(index.storage.open_file(name), use_mmap=False)
        try:
            for inner in compound.list():
                data = compound.open_file(inner).read()
                files[inner.replace(segment_id, "ID")] = hashlib.sha256(data).hexdigest()
        finally:
            compound.close()
    return files


def read_contents(index) -> dict:
    """Every term with its postings and block lengths, every field length and
    every stored field of `index`: all a search can see."""
    with index.reader() as reader:
        postings = {}
        for fieldname, term in reader.all_terms():
            info = reader.term_info(fieldname, term)
            items = [(info.min_length(), info.max_length(), info.max_weight())]
            matcher = reader.postings(fieldname, term)
            while matcher.is_active():
                block = (matcher.block_min_length(), matcher.block_max_length())
                items.append((matcher.id(), matcher.weight(), matcher.value(), block))
                matcher.next()
            postings[fieldname, term] = items
        lengths = {
            (name, docnum): reader.doc_field_length(docnum, name)
            for name in build_schema().scorable_names()
            for docnum in reader.all_doc_ids()
        }
        return {
            "postings": postings,
            "lengths": lengths,
            "stored": list(reader.all_stored_fields()),
        }


@pytest.fixture(scope="module")
def whoosh_contents(tmp_path_factory):
    return contents(tmp_path_factory.mktemp("whoosh"), lambda index: SegmentWriter(index))


@pytest.mark.parametrize("limitmb", [640, 0.05], ids=["in memory", "sorted runs"])
def test_bulk_writer_writes_what_whoosh_writes(tmp_path, whoosh_contents, limitmb):
    bulk = contents(tmp_path, lambda index: BulkWriter(index, limitmb=limitmb))
    assert len(bulk["postings"]) > 1000
    assert any(name.endswith(".pst") for name in bulk["files"])
    assert bulk == whoosh_contents


def test_a_build_writes_the_segment_whoosh_writes(tmp_path, whoosh_contents, monkeypatch):
    """`kavosh index` writes with a second process (it analyses, then
    compresses the posting blocks the writer sends it, a batch at a time,
    several batches ahead): the segment is still Whoosh's, byte for byte."""
    monkeypatch.setattr(posting_blocks, "BATCH", 7)  # many batches, not one
    build_index(SEEDS, tmp_path / "index")
    index = whoosh_index.open_dir(GenerationStore(tmp_path / "index").current())
    assert segment_files(index) == whoosh_contents["files"]
    assert read_contents(index) == {k: v for k, v in whoosh_contents.items() if k != "files"}
