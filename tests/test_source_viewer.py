"""The source viewer, `/source/<file>`: a corpus file with numbered, linkable
lines and the cited ones highlighted, and nothing else on the disk.

Every way of naming a file outside the corpus (`../`, absolute paths, encoded
and double-encoded dots and slashes, backslashes, NUL, a symlink leading out
of the source folder) answers 404 with words, both through the Flask client
and over real HTTP, where the server decodes the path itself.
"""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from app.http.source_window import raw_content_type
from indexer.build import build_index
from tests.conftest import VIVID, make_app
from tests.live_server import LiveServer

OUTSIDE = "top secret: the keeper hides the key under the mat\n"

TRAVERSALS = [
    "/source/../etc/passwd",
    "/source/../../../../../../etc/passwd",
    "/source/fa/../../secret.txt",
    "/source/../secret.txt",
    "/source/./lighthouse.md",
    "/source/fa/../lighthouse.md",
    "/source//etc/passwd",
    "/source/%2Fetc%2Fpasswd",
    "/source/%2fetc/passwd",
    "/source/%2e%2e/secret.txt",
    "/source/%2e%2e%2fsecret.txt",
    "/source/%2E%2E/%2E%2E/etc/passwd",
    "/source/..%2f..%2fetc%2fpasswd",
    "/source/%252e%252e%252fsecret.txt",
    "/source/%252e%252e/secret.txt",
    "/source/%25252e%25252e%25252fsecret.txt",
    "/source/..%5csecret.txt",
    "/source/..\\secret.txt",
    "/source/fa\\library.txt",
    "/source/%5c..%5csecret.txt",
    "/source/lighthouse.md%00",
    "/source/lighthouse.md%00.txt",
    "/source/%00",
    "/source/%c0%ae%c0%ae/secret.txt",
    "/source/lighthouse.md/",
    "/source/LIGHTHOUSE.md",
    "/source/escape.txt",
    "/source/moved.md",
    "/source/",
    "/source",
]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """The vivid files, a secret beside (not inside) the source folder, and a
    symlink in the source folder that leads to it."""
    root = tmp_path_factory.mktemp("viewer")
    (root / "secret.txt").write_text(OUTSIDE, "utf-8")
    source_dir = root / "corpus"
    for name, text in VIVID.items():
        (source_dir / name).parent.mkdir(parents=True, exist_ok=True)
        (source_dir / name).write_text(text, "utf-8")
    (source_dir / "moved.md").write_text("# Moved\n\nA harmless page about rope.\n", "utf-8")
    (source_dir / "escape.txt").symlink_to(root / "secret.txt")
    build_index(source_dir, root / "index")
    # After the build, an indexed file is swapped for a link out of the folder:
    # the viewer must check where a path leads when it reads, not only at build.
    (source_dir / "moved.md").unlink()
    (source_dir / "moved.md").symlink_to(root / "secret.txt")
    return source_dir, root / "index"


@pytest.fixture
def client(settings_env, corpus):
    return make_app(*corpus).test_client()


def main_text(response) -> str:
    return BeautifulSoup(response.data, "html.parser").main.get_text(" ", strip=True)


def cited_lines(response) -> list[int]:
    soup = BeautifulSoup(response.data, "html.parser")
    return [int(li["id"].removeprefix("L")) for li in soup.select("ol.source li.cited")]


class TestOnlyCorpusFiles:
    @pytest.mark.parametrize("url", TRAVERSALS)
    def test_traversal_is_404(self, client, url):
        response = client.get(url)
        assert response.status_code == 404, (url, response.headers.get("Location"))
        assert "key under the mat" not in response.get_data(as_text=True)
        assert "root:" not in response.get_data(as_text=True)

    def test_404_in_words(self, client):
        response = client.get("/source/../secret.txt")
        text = main_text(response)
        assert "not found" in text.lower()
        assert "corpus" in text
        soup = BeautifulSoup(response.data, "html.parser")
        assert soup.main.find("a", href="/"), "a way back to the search"

    def test_a_file_deleted_since_the_build(self, settings_env, tmp_path):
        source_dir = tmp_path / "corpus"
        source_dir.mkdir()
        (source_dir / "gone.txt").write_text("A page that will vanish.\n", "utf-8")
        build_index(source_dir, tmp_path / "index")
        (source_dir / "gone.txt").unlink()
        response = make_app(source_dir, tmp_path / "index").test_client().get("/source/gone.txt")
        assert response.status_code == 404
        assert "gone.txt" in main_text(response)

    def test_an_indexed_file_in_a_subfolder(self, client):
        response = client.get("/source/fa/library.txt")
        assert response.status_code == 200
        assert "کتابخانه ملی ایران" in main_text(response)


@pytest.fixture(scope="module")
def server(corpus):
    source_dir, index_dir = corpus
    with LiveServer(index_dir, source_dir, workers=1) as server:
        yield server


class TestRawFiles:
    """`?raw=1` serves an indexed file itself, and nothing else."""

    @pytest.mark.parametrize("url", TRAVERSALS)
    def test_traversal_is_404(self, client, url):
        response = client.get(url + "?raw=1")
        assert response.status_code == 404, url
        assert b"key under the mat" not in response.data

    def test_a_file_not_indexed_is_404(self, client, corpus):
        source_dir, _ = corpus
        (source_dir / "later.txt").write_text("Added after the build.\n", "utf-8")
        (source_dir / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
        for name in ("later.txt", "photo.png"):
            assert client.get(f"/source/{name}?raw=1").status_code == 404, name

    def test_an_indexed_file_is_served_inline_as_itself(self, client, corpus):
        source_dir, _ = corpus
        with client.get("/source/fa/library.txt?raw=1") as response:
            assert response.status_code == 200
            assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
            assert response.headers["Content-Disposition"].startswith("inline")
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert response.data == (source_dir / "fa/library.txt").read_bytes()

    def test_the_viewer_links_to_it(self, client):
        soup = BeautifulSoup(client.get("/source/lighthouse.md").data, "html.parser")
        assert soup.select_one("a.raw")["href"] == "/source/lighthouse.md?raw=1"

    def test_a_compressed_file_is_served_compressed(self, settings_env, write_corpus, tmp_path):
        source_dir = write_corpus({"notes.txt.gz": "Notes on the bollard and the tide.\n"})
        build_index(source_dir, tmp_path / "index")
        client = make_app(source_dir, tmp_path / "index").test_client()
        with client.get("/source/notes.txt.gz?raw=1") as response:
            assert response.mimetype == "application/gzip"
            assert response.data == (source_dir / "notes.txt.gz").read_bytes()
        assert "bollard" in main_text(client.get("/source/notes.txt.gz"))

    @pytest.mark.parametrize(
        ("name", "encoding", "expected"),
        [
            ("paper.pdf", None, "application/pdf"),
            ("Report.PDF", None, "application/pdf"),
            (
                "letter.docx",
                None,
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ),
            ("page.html", "utf-8", "text/plain; charset=utf-8"),
            ("old.txt", "cp1252", "text/plain; charset=cp1252"),
            ("train.txt.gz", "utf-8", "application/gzip"),
        ],
    )
    def test_content_types(self, name, encoding, expected):
        assert raw_content_type(name, encoding) == expected


class TestOverRealHTTP:
    """The HTTP server decodes the path itself; the same addresses must still be 404."""

    @pytest.mark.parametrize("url", [u for u in TRAVERSALS if u != "/source"])
    def test_traversal_is_404(self, server, url):
        status, headers, body = server.get(url)
        assert status == 404, (url, headers.get("Location"), server.output())
        assert b"key under the mat" not in body

    @pytest.mark.parametrize("url", [u for u in TRAVERSALS if u != "/source"])
    def test_raw_traversal_is_404(self, server, url):
        status, headers, body = server.get(url + "?raw=1")
        assert status == 404, (url, headers.get("Location"), server.output())
        assert b"key under the mat" not in body

    def test_a_corpus_file_is_served(self, server):
        status, _, body = server.get("/source/lighthouse.md")
        assert status == 200, server.output()
        assert "foghorn" in body.decode()


class TestLines:
    def test_every_line_numbered_and_anchored(self, client):
        response = client.get("/source/lighthouse.md")
        soup = BeautifulSoup(response.data, "html.parser")
        items = soup.select("ol.source > li")
        lines = VIVID["lighthouse.md"].split("\n")
        assert len(items) == len(lines)
        for number, (item, line) in enumerate(zip(items, lines, strict=True), start=1):
            assert item["id"] == f"L{number}"
            anchor = item.find("a")
            assert anchor["href"] == f"#L{number}"
            assert anchor.get_text() == str(number)
            assert item.find(class_="code").get_text() == line
        assert cited_lines(response) == []

    def test_title_and_file_name(self, client):
        soup = BeautifulSoup(client.get("/source/lighthouse.md").data, "html.parser")
        heading = soup.main.h1.get_text(" ", strip=True)
        assert "The Lighthouse Keeper's Log" in heading and "lighthouse.md" in heading

    def test_passage_highlights_its_lines(self, client):
        hit = client.get("/api/search?q=Paraffin").get_json()["results"][0]
        response = client.get(f"/source/lighthouse.md?passage={hit['id']}")
        first, last = hit["citation"]["line_start"], hit["citation"]["line_end"]
        assert cited_lines(response) == list(range(first, last + 1))
        assert (
            "Paraffin"
            in BeautifulSoup(response.data, "html.parser").select_one("li.cited").get_text()
        )

    def test_a_multi_line_passage(self, client):
        hit = client.get("/api/search?q=gulls").get_json()["results"][0]
        assert hit["citation"]["line_end"] > hit["citation"]["line_start"]
        response = client.get(f"/source/lighthouse.md?passage={hit['id']}")
        assert cited_lines(response) == [5, 6]

    def test_the_search_links_to_the_highlighted_lines(self, client):
        soup = BeautifulSoup(client.get("/?q=Paraffin").data, "html.parser")
        link = soup.select_one(".hit .cite a")["href"]
        address, _, fragment = link.partition("#")
        response = client.get(address)
        assert fragment == f"L{cited_lines(response)[0]}"
        back = BeautifulSoup(response.data, "html.parser").select_one(".back a")["href"]
        assert back == "/?q=Paraffin"

    def test_a_passage_of_another_file_highlights_nothing(self, client):
        hit = client.get("/api/search?q=bollard").get_json()["results"][0]
        response = client.get(f"/source/lighthouse.md?passage={hit['id']}")
        assert response.status_code == 200
        assert cited_lines(response) == []

    @pytest.mark.parametrize("passage", ["nope", "", "%00", "x" * 500, "../x"])
    def test_an_unknown_passage_highlights_nothing(self, client, passage):
        response = client.get(f"/source/lighthouse.md?passage={passage}")
        assert response.status_code == 200
        assert cited_lines(response) == []

    @pytest.mark.parametrize(
        ("spec", "expected"),
        [("5-6", [5, 6]), ("8", [8]), ("6-5", [6]), ("11-999999", [11, 12, 13]), ("0-1", [1])],
    )
    def test_a_line_range(self, client, spec, expected):
        assert cited_lines(client.get(f"/source/lighthouse.md?lines={spec}")) == expected

    @pytest.mark.parametrize("spec", ["", "-", "a-b", "-5", "99999999999999999999999", "%00"])
    def test_a_nonsense_line_range_highlights_nothing_harmful(self, client, spec):
        response = client.get(f"/source/lighthouse.md?lines={spec}")
        assert response.status_code == 200
        assert set(cited_lines(response)) <= set(range(1, 14))

    def test_back_link_without_a_query(self, client):
        soup = BeautifulSoup(client.get("/source/lighthouse.md").data, "html.parser")
        assert soup.select_one(".back a")["href"] == "/"

    def test_the_search_box_keeps_the_query(self, client):
        soup = BeautifulSoup(client.get("/source/lighthouse.md?q=foghorn").data, "html.parser")
        assert soup.find("input", id="q")["value"] == "foghorn"
