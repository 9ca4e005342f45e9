"""Query text and document text come out as text, never as markup.

Three hostile documents (Markdown, HTML and plain text, indexed for real)
carry script tags, an attribute break-out, `javascript:` links and bare
ampersands in their titles, sections and paragraphs; hostile queries carry the
same. Every page that shows them is parsed: no `<script>` or `<img>` element
and no `on*` attribute may come from the content, and the payload must still
be readable as text. In JSON, `excerpt` may hold `<mark>` tags and nothing else.
"""

from __future__ import annotations

import html
import re

import pytest
from bs4 import BeautifulSoup

from indexer.build import build_index
from tests.conftest import make_app

SCRIPT = "<script>alert(1)</script>"
BREAKOUT = '"><img src=x onerror=alert(1)>'
JAVASCRIPT = "javascript:alert(1)"

HOSTILE = {
    "payload.md": (
        f"# Zanzibar {SCRIPT} log\n"
        "\n"
        f"## Tides {BREAKOUT}\n"
        "\n"
        f"The zanzibar ledger says {SCRIPT} then {BREAKOUT} then "
        f"[click here]({JAVASCRIPT}) and <{JAVASCRIPT}> and raw {JAVASCRIPT} too.\n"
        "\n"
        "Fish & chips & salt: zanzibar &amp; company.\n"
    ),
    "payload.html": (
        "<!doctype html><html><head>"
        f"<title>Zanzibar {html.escape(SCRIPT)} page</title></head><body>\n"
        f"<h1>Zanzibar {html.escape(SCRIPT)} page</h1>\n"
        f"<h2>Cargo {html.escape(BREAKOUT)}</h2>\n"
        f"<p>The zanzibar cargo {html.escape(SCRIPT)} and {html.escape(BREAKOUT)} "
        f'<a href="{JAVASCRIPT}" onclick="alert(2)">click here</a> rum &amp; salt.</p>\n'
        "<script>alert(3)</script><img src=x onerror=alert(4)>\n"
        "</body></html>\n"
    ),
    "payload.txt": (
        f"Zanzibar {SCRIPT} notes\n\nzanzibar harbour {SCRIPT} {BREAKOUT} {JAVASCRIPT} rope & tar\n"
    ),
}
QUERIES = [
    "zanzibar",
    f"zanzibar {SCRIPT}",
    f"zanzibar {BREAKOUT}",
    f"{BREAKOUT}",
    f"zanzibar {JAVASCRIPT}",
    "zanzibar & chips",
    f"{SCRIPT} nothingmatchesthis",
]


@pytest.fixture(scope="module")
def hostile_index(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    corpus = root / "corpus"
    corpus.mkdir()
    for name, text in HOSTILE.items():
        (corpus / name).write_text(text, "utf-8")
    report = build_index(corpus, root / "index")
    assert not report.skipped, report.skipped
    return corpus, root / "index"


@pytest.fixture
def client(settings_env, hostile_index):
    return make_app(*hostile_index).test_client()


def content_problems(body: bytes) -> list[str]:
    """Markup in a page that could only have come from the content."""
    soup = BeautifulSoup(body, "html.parser")
    problems = []
    for script in soup.find_all("script"):
        if not script.get("src", "").startswith("/static/") or script.string:
            problems.append(f"script element: {script}")
    problems += [f"img element: {img}" for img in soup.find_all("img")]
    for element in soup.find_all(True):
        for name, value in element.attrs.items():
            if name.lower().startswith("on"):
                problems.append(f"{name} attribute on <{element.name}>")
            if name in ("href", "src", "action") and _scheme(value) == "javascript":
                problems.append(f"{name}={value!r} on <{element.name}>")
    return problems


def _scheme(url: str) -> str:
    """The scheme a browser would see: it ignores surrounding spaces and case."""
    scheme, colon, _ = url.strip().partition(":")
    return scheme.lower() if colon and "/" not in scheme else ""


def page_text(body: bytes) -> str:
    return BeautifulSoup(body, "html.parser").get_text(" ")


class TestPage:
    @pytest.mark.parametrize("query", QUERIES)
    def test_results_page(self, client, query):
        response = client.get("/", query_string={"q": query})
        assert response.status_code == 200
        assert content_problems(response.data) == []
        soup = BeautifulSoup(response.data, "html.parser")
        assert soup.find("input", id="q")["value"] == query
        assert query in soup.title.get_text()

    def test_the_payload_reads_as_text(self, client):
        response = client.get("/?q=zanzibar")
        text = page_text(response.data)
        assert SCRIPT in text
        assert BREAKOUT in text
        assert JAVASCRIPT in text
        assert "rope & tar" in text
        assert "Fish & chips & salt" in text

    def test_titles_and_sections_read_as_text(self, client):
        soup = BeautifulSoup(client.get("/?q=zanzibar").data, "html.parser")
        titles = [h.get_text(" ", strip=True) for h in soup.select(".hit-title")]
        assert any(f"Zanzibar {SCRIPT}" in title for title in titles), titles
        facets = soup.select_one("nav.facets").get_text(" ")
        assert BREAKOUT in facets

    def test_facet_links_keep_the_payload_in_the_address(self, client):
        soup = BeautifulSoup(client.get("/?q=zanzibar").data, "html.parser")
        link = next(a for a in soup.select("nav.facets a") if BREAKOUT in a.get_text())
        filtered = client.get(link["href"])
        assert filtered.status_code == 200
        assert content_problems(filtered.data) == []
        assert "page" not in link["href"]

    def test_zero_results(self, client):
        response = client.get("/", query_string={"q": f"{SCRIPT} nothingmatchesthis"})
        assert content_problems(response.data) == []
        assert f"{SCRIPT} nothingmatchesthis" in page_text(response.data)

    def test_did_you_mean(self, client):
        response = client.get("/", query_string={"q": f"zanzibr {SCRIPT}"})
        assert content_problems(response.data) == []

    @pytest.mark.parametrize("query", [f"x&page={SCRIPT}", f"x&per_page={BREAKOUT}"])
    def test_error_page(self, client, query):
        response = client.get(f"/?q={query}")
        assert response.status_code == 400
        assert content_problems(response.data) == []

    def test_home_lists_titles_as_text(self, client):
        response = client.get("/")
        assert content_problems(response.data) == []
        assert f"Zanzibar {SCRIPT}" in page_text(response.data)

    @pytest.mark.parametrize("name", list(HOSTILE))
    def test_source_viewer(self, client, name):
        response = client.get(f"/source/{name}")
        assert response.status_code == 200
        assert content_problems(response.data) == []
        assert SCRIPT in page_text(response.data)

    @pytest.mark.parametrize("name", [SCRIPT, BREAKOUT.replace("/", ""), JAVASCRIPT])
    def test_not_found_page(self, client, name):
        response = client.get("/source/" + name)
        assert response.status_code == 404
        assert content_problems(response.data) == []

    def test_security_headers(self, client):
        headers = client.get("/?q=zanzibar").headers
        policy = headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy
        assert "unsafe-inline" not in policy
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"]


class TestJSON:
    MARK = re.compile(r"</?mark>")

    @pytest.mark.parametrize("query", QUERIES)
    def test_excerpts_hold_only_marks(self, client, query):
        body = client.get("/api/search", query_string={"q": query}).get_json()
        assert body["query"] == query
        for hit in body["results"]:
            tags = re.findall(r"<[^>]*>", hit["excerpt"])
            assert set(tags) <= {"<mark>", "</mark>"}, hit["excerpt"]
            plain = html.unescape(self.MARK.sub("", hit["excerpt"])).strip("…")
            assert plain in hit["text"], (plain, hit["text"])

    def test_every_file_answers_with_its_payload_escaped(self, client):
        body = client.get("/api/search?q=zanzibar&per_page=100").get_json()
        files = {hit["citation"]["file"] for hit in body["results"]}
        assert files == set(HOSTILE)
        excerpts = " ".join(hit["excerpt"] for hit in body["results"])
        assert html.escape(SCRIPT, quote=False) in excerpts
        assert "<script" not in excerpts and "<img" not in excerpts

    def test_text_fields_are_plain_text(self, client):
        """JSON carries the words as they are; escaping is the renderer's job."""
        body = client.get("/api/search?q=zanzibar&per_page=100").get_json()
        texts = " ".join(hit["text"] for hit in body["results"])
        assert SCRIPT in texts
        assert "rope & tar" in texts

    def test_json_is_served_as_json(self, client):
        response = client.get("/api/search", query_string={"q": SCRIPT})
        assert response.mimetype == "application/json"
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_detector_sees_injected_markup():
    """`content_problems` must be able to fail, or the tests above prove nothing."""
    page = (
        '<script src="/static/kavosh.js"></script><p>fine &lt;script&gt;</p>'
        f"<p>{SCRIPT}</p><p>{BREAKOUT}</p><a href=' JavaScript:alert(1)'>x</a>"
    ).encode()
    assert content_problems(page) == [
        "script element: <script>alert(1)</script>",
        'img element: <img onerror="alert(1)" src="x"/>',
        "onerror attribute on <img>",
        "href=' JavaScript:alert(1)' on <a>",
    ]
