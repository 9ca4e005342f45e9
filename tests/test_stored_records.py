"""A generation's own records give every passage's stored fields exactly as
Whoosh's stored column gave them (`indexer.stored_records`), a damaged
records file is found like any other damaged file, and a generation built
before the records (Whoosh storing the fields) is still served the same.

The corpus has what a stored dict can hold: the seeds (an interview with
speakers), Markdown with sections, code blocks with their language and
front matter tags, and a Word document.
"""

from __future__ import annotations

import json
import math
import shutil

import pytest
from whoosh import index as whoosh_index

from app.search import SearchRequest, SearchService
from app.search.stored_records import open_records
from app.search.whoosh_engine import WhooshEngine
from indexer import build
from indexer.build import build_index
from indexer.generations import MANIFEST, GenerationStore, seal
from indexer.passages import Tally, each_passage, passage_fields, read_source_folder
from indexer.schema import STORED_FIELDS, build_schema
from indexer.stored_records import RECORDS, STARTS, decode, encode
from tests.conftest import PROJECT, SEEDS, make_app
from tests.test_damage import overwrite_with_random_bytes, truncate

DEPLOY = """---
tags: [deploy, ops]
---

# Deploying Kavosh

Use gunicorn behind a proxy.

## Caddy

Or Caddy, which is simpler:

```bash
caddy reverse-proxy --to 127.0.0.1:8000
```
"""
QUERIES = ["Hekmat", "Iran party", "gunicorn", "click option", '"the party"', "parameters", "the"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("records-corpus")
    shutil.copytree(SEEDS, folder, dirs_exist_ok=True)
    for name in ("click-md", "docx"):
        shutil.copytree(PROJECT / "tests" / "data" / name, folder / name)
    (folder / "deploy.md").write_text(DEPLOY, "utf-8")
    return folder


@pytest.fixture(scope="module")
def built(corpus, tmp_path_factory):
    index = tmp_path_factory.mktemp("records-index")
    build_index(corpus, index)
    return index


def whoosh_stored(corpus, folder) -> list[dict]:
    """Every passage's stored fields as plain Whoosh stores them, written
    by its own `SegmentWriter` with a schema that stores them."""
    read, splitter, report = read_source_folder(corpus)
    index = whoosh_index.create_in(str(folder), build_schema(whoosh_stores=True))
    writer = index.writer()
    for document, passage, position in each_passage(read, splitter, report, None, Tally()):
        writer.add_document(**passage_fields(document, passage, position))
    writer.commit()
    with index.searcher() as searcher:
        return [searcher.stored_fields(n) for n in range(searcher.doc_count_all())]


def test_every_passage_reads_back_as_whoosh_stored_it(corpus, built, tmp_path):
    expected = whoosh_stored(corpus, tmp_path)
    generation = GenerationStore(built).current()
    records = open_records(generation, len(expected), whoosh_stores=False)
    assert records is not None
    found = [records(docnum) for docnum in range(len(expected))]
    assert [list(fields.items()) for fields in found] == [list(f.items()) for f in expected]
    # Every kind of stored value was there to compare.
    assert {name for fields in found for name in fields} == set(STORED_FIELDS)
    with whoosh_index.open_dir(str(generation)).searcher() as searcher:
        assert searcher.stored_fields(0) == {}  # Whoosh itself stores none of it now


def test_the_schema_stores_in_whoosh_only_what_the_records_keep():
    assert build_schema().stored_names() == []
    assert build_schema(whoosh_stores=True).stored_names() == sorted(STORED_FIELDS)
    assert list(STORED_FIELDS) == sorted(STORED_FIELDS)  # Whoosh's order, by name


def test_values_json_would_change_are_kept_as_they_are():
    for record in [
        {"text": "plain", "page": None, "n": 3, "flag": True, "x": 0.1, "nested": {"a": [1]}},
        {"text": "a lone surrogate \ud800 from a broken PDF font"},
        {"pair": (1, 2)},
        {"big": 2**70},
        {"nan": math.nan, "inf": math.inf},
        {"key": {1: "a number as a key"}},
    ]:
        again = decode(encode(record))
        assert repr(again) == repr(record) and type(again) is dict
    assert encode({"text": "plain"}) == b'{"text":"plain"}'


def _hits(service: SearchService, query: str) -> list[tuple]:
    results = service.search(SearchRequest(query=query, per_page=50))
    return [(hit.id, hit.text, hit.title, hit.citation, hit.excerpt) for hit in results.hits]


def test_a_generation_built_before_the_records_serves_the_same(
    corpus, built, tmp_path, monkeypatch
):
    """Whoosh stores the fields, as before: no records, the same answers."""
    older = tmp_path / "older"
    monkeypatch.setattr(build, "build_schema", lambda: build_schema(whoosh_stores=True))
    build_index(corpus, older)
    folder = GenerationStore(older).current()
    for name in (RECORDS, STARTS):
        (folder / name).unlink()
    manifest = json.loads((folder / MANIFEST).read_text("utf-8"))
    seal(folder, manifest)
    old, new = WhooshEngine(older, verify=False), WhooshEngine(built, verify=False)
    assert old.snapshot().state.records is None and new.snapshot().state.records is not None
    old_service, new_service = SearchService(old), SearchService(new)
    for query in QUERIES:
        found = _hits(new_service, query)
        assert found and _hits(old_service, query) == found, query
        for passage_id, *_ in found[:5]:
            assert old_service.passage(passage_id) == new_service.passage(passage_id)
    assert old_service.passage("not-a-passage") is None
    assert new_service.passage("not-a-passage") is None


@pytest.fixture
def two_generations(corpus, tmp_path):
    index = tmp_path / "index"
    build_index(corpus, index)
    previous = GenerationStore(index).current_name()
    build_index(corpus, index)
    return index, previous, GenerationStore(index).current_name()


@pytest.mark.parametrize("damage", [truncate, overwrite_with_random_bytes])
@pytest.mark.parametrize("opened", [True, False], ids=["while serving", "before opening"])
def test_damaged_records_are_reported_and_the_previous_generation_answers(
    settings_env, corpus, two_generations, damage, opened
):
    index, previous, live = two_generations
    client = make_app(corpus, index).test_client()
    if opened:
        assert client.get("/api/search?q=gunicorn").json["total"] > 0
    damage(index / live / RECORDS)
    # Found at once by a size or a `stat`; same-sized damage to files not
    # yet opened, by the checksums (a failed read or the opening's thread).
    at_once = opened or damage is truncate
    for query in QUERIES:
        answer = client.get("/api/search", query_string={"q": query})
        assert answer.status_code == 200, (query, answer.json)
        if at_once:
            assert answer.headers["X-Kavosh-Generation"] == previous
    health = client.get("/api/health").json
    assert (health["status"], health["generation"]) == ("degraded", previous)
    assert live in health["message"] and RECORDS in health["message"]
