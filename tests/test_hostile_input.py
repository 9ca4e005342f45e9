"""Hostile input: every API parameter fuzzed, bad source files of every kind.

A client may send anything; the answer is a 200 or a 400 in the one error
shape, never a 500. A corpus may hold anything; what cannot be read is
reported by name and the rest is indexed.
"""

from __future__ import annotations

import gzip
import os
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import create_app
from app.http.errors import scrub
from indexer.build import build_index
from indexer.sources import MAX_FILE_BYTES

SEEDS = Path(__file__).resolve().parent.parent / "seeds"

# Characters that break naive code: controls, NUL, bidi overrides, quotes,
# query operators, surrogates-free astral characters, Persian and Arabic.
NASTY = st.sampled_from(
    list("\x00\x01\x1b\u202e\u202d\u2066\u200c\u200f\ufeff\"'()[]{}*?~^:+-\\/<>&%;")
    + ["AND", "OR", "NOT", "source:", "section:", "speaker:", "title:", "~9", "^99999", "*a*"]
    + ["ی", "ك", "۱۹۹۱", "𝕏", "e\u0301", "\ud7ff"]
)
QUERY = st.one_of(
    st.text(max_size=1200),
    st.lists(st.one_of(NASTY, st.text(max_size=12)), max_size=80).map(" ".join),
    st.integers(min_value=1, max_value=10_500).map(lambda n: "x" * n),
)
NUMBER = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.text(max_size=20),
    st.sampled_from(["", " ", "1e3", "0x10", "٣", "1.5", "-0", "+7", "NaN", "9" * 400]),
)


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    index = tmp_path_factory.mktemp("hostile") / "index"
    build_index(SEEDS, index)
    return create_app({"INDEX_DIR": index, "SOURCE_DIR": SEEDS, "TESTING": True}).test_client()


def assert_answered(response) -> None:
    assert response.status_code in (200, 400), (response.status_code, response.data[:300])
    body = response.get_json()
    if response.status_code == 400:
        assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
        assert body["error"]["message"]
    else:
        assert {"query", "total", "results"} <= set(body)


class TestFuzzedParameters:
    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        q=QUERY,
        page=NUMBER,
        per_page=NUMBER,
        sources=st.lists(st.text(max_size=40), max_size=3),
        section=st.text(max_size=60),
        speaker=st.text(max_size=60),
        group=st.sampled_from(["", "document"]) | st.text(max_size=12),
    )
    def test_search_never_fails(self, client, q, page, per_page, sources, section, speaker, group):
        params = [("q", q), ("page", page), ("per_page", per_page), ("section", section)]
        params += [("speaker", speaker), ("group", group)] + [("source", s) for s in sources]
        assert_answered(client.get("/api/search", query_string=params))

    @settings(max_examples=60, deadline=None)
    @given(q=QUERY)
    def test_the_page_never_fails(self, client, q):
        response = client.get("/search", query_string={"q": q})
        assert response.status_code in (200, 400), response.status_code

    @settings(max_examples=60, deadline=None)
    @given(prefix=st.text(max_size=300), passage=st.text(min_size=1, max_size=80))
    def test_suggest_and_passages_never_fail(self, client, prefix, passage):
        assert client.get("/api/suggest", query_string={"q": prefix}).status_code == 200
        status = client.get("/api/passages/" + passage.replace("/", "_")).status_code
        assert status in (200, 404)

    @pytest.mark.parametrize(
        "q, code",
        [
            ("", "missing_query"),
            ("   ", "missing_query"),
            ("y" * 8001, "query_too_long"),
        ],
    )
    def test_limits_are_named(self, client, q, code):
        response = client.get("/api/search", query_string={"q": q})
        assert response.status_code == 400 and response.get_json()["error"]["code"] == code

    @pytest.mark.parametrize("page", ["0", "1001", "two", "10" * 50])
    def test_page_out_of_range(self, client, page):
        response = client.get("/api/search", query_string={"q": "iran", "page": page})
        assert response.status_code == 400
        assert response.get_json()["error"]["code"] == "bad_page"


class TestBadSources:
    def test_each_bad_file_is_named_and_the_rest_indexed(self, tmp_path):
        corpus = tmp_path / "corpus"
        corpus.mkdir()
        (corpus / "good.md").write_text("# Good\n\nThe lighthouse stands.\n")
        (corpus / "latin1.txt").write_bytes(
            "Caf\xe9 au lait near the lighthouse.\n".encode("cp1252")
        )
        (corpus / "empty.txt").write_bytes(b"")
        (corpus / "binary.txt").write_bytes(bytes(range(256)) * 40)
        (corpus / "broken.txt.gz").write_bytes(gzip.compress(b"lighthouse " * 100)[:-20])
        with open(corpus / "huge.txt", "wb") as huge:  # one byte over the limit
            huge.truncate(MAX_FILE_BYTES + 1)
            huge.seek(0)
            huge.write(b"lighthouse ")
        (corpus / "loop").mkdir()
        os.symlink("..", corpus / "loop" / "back")
        (corpus / "vanishing.txt").write_text("This file will be gone before it is read.\n")

        def delete_the_next_file(name: str) -> None:
            """Called as each file is read: remove one that is still to come."""
            if name == "good.md":
                (corpus / "vanishing.txt").unlink(missing_ok=True)

        report = build_index(corpus, tmp_path / "index", progress=delete_the_next_file)
        reasons = {s.relative_path: s.reason for s in report.skipped}
        assert reasons["empty.txt"] == "empty file"
        assert reasons["binary.txt"] == "binary file (not text)"
        assert reasons["broken.txt.gz"].startswith("unreadable")
        assert reasons["huge.txt"].startswith("too large")
        assert "loop/back" in reasons and "loop" in reasons["loop/back"]
        assert reasons["vanishing.txt"] == "file disappeared while indexing"
        assert report.warnings == [("latin1.txt", "not valid UTF-8: read as cp1252")]
        assert report.documents == 2  # good.md and latin1.txt


def url_templates(description: bytes) -> list[str]:
    """The search URL templates of an OpenSearch description."""
    root = ElementTree.fromstring(description)
    return [url.get("template") for url in root.iter("{http://a9.com/-/spec/opensearch/1.1/}Url")]


class TestHostHeader:
    """A client's `Host` header reaches no answer (a shared cache would keep it)."""

    def test_opensearch_links_are_relative_by_default(self, client):
        response = client.get("/opensearch.xml", headers={"Host": "evil.example"})
        assert response.status_code == 200
        assert url_templates(response.data) == [
            "/search?q={searchTerms}",
            "/api/search?q={searchTerms}",
        ]
        assert b"evil.example" not in response.data

    def test_opensearch_links_use_the_public_url(self, tmp_path):
        index = tmp_path / "index"
        build_index(SEEDS, index)
        config = {"INDEX_DIR": index, "PUBLIC_URL": "https://search.example.org/"}
        response = (
            create_app(config)
            .test_client()
            .get("/opensearch.xml", headers={"Host": "evil.example"})
        )
        assert url_templates(response.data) == [
            "https://search.example.org/search?q={searchTerms}",
            "https://search.example.org/api/search?q={searchTerms}",
        ]


class TestNoInternalsInErrors:
    """Server-side errors reach clients without folders or node addresses;
    the operator finds the whole message in the log."""

    @pytest.fixture
    def no_index(self, tmp_path):
        index = tmp_path / "private-index-folder"
        return index, create_app({"INDEX_DIR": index, "SOURCE_DIR": SEEDS}).test_client()

    @pytest.mark.parametrize("path", ["/api/search?q=iran", "/api/health", "/", "/search?q=iran"])
    def test_no_index_hides_the_index_folder(self, no_index, path, caplog):
        index, client = no_index
        response = client.get(path)
        assert response.status_code == 503
        assert b"private-index-folder" not in response.data
        assert str(SEEDS).encode() not in response.data
        assert b"kavosh index" in response.data  # still says what to do
        if path != "/api/health":
            assert str(index) in caplog.text

    def test_the_error_shape_of_a_missing_index(self, no_index):
        _, client = no_index
        body = client.get("/api/search?q=iran").get_json()
        assert body == {
            "error": {
                "code": "no_index",
                "message": "no index has been built in [path]: run `kavosh index` to build it",
            }
        }

    def test_typesense_nodes_are_hidden(self, tmp_path):
        pytest.importorskip("typesense")
        config = {
            "BACKEND": "typesense",
            "TYPESENSE_NODES": "http://127.0.0.1:9",  # the discard port: nothing listens
            "TYPESENSE_API_KEY": "secret-key",
            "INDEX_DIR": tmp_path / "index",
        }
        response = create_app(config).test_client().get("/api/search?q=iran")
        assert response.status_code == 503
        assert b"127.0.0.1" not in response.data and b":9" not in response.data
        assert b"secret-key" not in response.data
        assert response.get_json()["error"]["code"] == "index_unavailable"


@pytest.mark.parametrize(
    "text, shown",
    [
        ("no index in /srv/kavosh/index: run it", "no index in [path]: run it"),
        ("cannot open ('/a/b/c.seg')", "cannot open ('[path]')"),
        (
            "nodes (http://10.0.0.5:8108, https://ts.internal) down",
            "nodes ([address], [address]) down",
        ),
        (
            "HTTPConnectionPool(host='ts-1.lan', port=8108)",
            "HTTPConnectionPool(host='[address]', port=8108)",
        ),
        ("at 192.168.1.9:8108", "at [address]"),
        ("the e-mail and/or 3/4 of gen-000003", "the e-mail and/or 3/4 of gen-000003"),
    ],
)
def test_scrub(text, shown):
    assert scrub(text) == shown
