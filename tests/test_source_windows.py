"""The source viewer shows a window of a file at a time (#15), marks the
query's words, shows HTML as readable text (#16), and pages a paged format.

Big files are real files built in `tmp_path` and indexed by the real indexer:
a page of any of them stays small, and its earlier/later links walk the file.
"""

from __future__ import annotations

import re
import shutil
import tracemalloc
from dataclasses import dataclass

import pytest
from bs4 import BeautifulSoup

from app.http import source_view
from app.http.source_window import MAX_ROW_CHARS, WINDOW_ROWS
from indexer.build import build_index
from indexer.sources import SourceText
from tests.conftest import VIVID, WIKITEXT, make_app

BIG_LINES = 6000
ODD_LINE = 4321  # the only line with "zanzibarite"
PAGE_BYTES = 120_000  # a window of 200 short lines is far below this


def big_text() -> str:
    lines = [
        f"Entry {n}: the keeper logged the weather and the tide." if n % 10 else ""
        for n in range(1, BIG_LINES + 1)
    ]
    lines[ODD_LINE - 1] = f"Entry {ODD_LINE}: a zanzibarite crystal washed ashore."
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    root = tmp_path_factory.mktemp("big")
    source_dir = root / "corpus"
    source_dir.mkdir()
    (source_dir / "big.txt").write_text(big_text(), "utf-8")
    # 2 MB of newlines between two lines of words (a file of only newlines
    # is empty, and never indexed).
    (source_dir / "newlines.txt").write_text(
        "First words here.\n" + "\n" * 2_000_000 + "Last words here.\n", "utf-8"
    )
    # One line of a megabyte: a minified file.
    (source_dir / "minified.txt").write_text("wide " * 200_000 + "\n", "utf-8")
    for name, text in VIVID.items():
        (source_dir / name).parent.mkdir(parents=True, exist_ok=True)
        (source_dir / name).write_text(text, "utf-8")
    (source_dir / "tricky.txt").write_text(
        "The <b>foghorn</b> & the <script>alert(1)</script> bell.\n", "utf-8"
    )
    build_index(source_dir, root / "index")
    return source_dir, root / "index"


@pytest.fixture
def client(settings_env, big):
    return make_app(*big).test_client()


def soup_of(response) -> BeautifulSoup:
    assert response.status_code == 200, response.data[:300]
    return BeautifulSoup(response.data, "html.parser")


def line_numbers(soup) -> list[int]:
    return [int(li["id"].removeprefix("L")) for li in soup.select("ol.source > li[id^=L]")]


def link(soup, rel: str) -> str | None:
    found = soup.select_one(f"nav.window a[rel={rel}]")
    return found["href"] if found else None


class TestAWindowOfABigFile:
    def test_the_start_of_the_file_and_a_link_to_later_lines(self, client):
        response = client.get("/source/big.txt")
        soup = soup_of(response)
        assert len(response.data) < PAGE_BYTES
        assert line_numbers(soup) == list(range(1, WINDOW_ROWS + 1))
        assert link(soup, "prev") is None
        assert link(soup, "next")
        assert f"of {BIG_LINES + 1:,}" in soup.select_one("nav.window").get_text()

    def test_the_cited_lines_in_view_with_links_both_ways(self, client):
        hit = client.get("/api/search?q=zanzibarite").get_json()["results"][0]
        assert hit["citation"]["line_start"] <= ODD_LINE <= hit["citation"]["line_end"]
        response = client.get(f"/source/big.txt?passage={hit['id']}&q=zanzibarite")
        soup = soup_of(response)
        assert len(response.data) < PAGE_BYTES
        shown = line_numbers(soup)
        assert len(shown) <= WINDOW_ROWS
        assert ODD_LINE in shown and shown[0] > 1
        cited = soup.select("li.cited")
        assert "zanzibarite" in " ".join(li.get_text() for li in cited)
        assert [m.get_text() for m in soup.select("li mark")] == ["zanzibarite"]
        assert link(soup, "prev") and link(soup, "next")

    def test_walking_later_then_earlier_returns_to_the_start(self, client):
        soup = soup_of(client.get("/source/big.txt?q=tide"))
        seen = line_numbers(soup)
        while link(soup, "next"):
            soup = soup_of(client.get(link(soup, "next")))
            lines = line_numbers(soup)
            assert lines[0] == seen[-1] + 1, "later lines follow on"
            seen += lines
        assert seen == list(range(1, BIG_LINES + 2)), "every line once, in order"
        assert soup.find("input", id="q")["value"] == "tide", "the links keep the query"
        steps = 0
        while link(soup, "prev"):
            soup = soup_of(client.get(link(soup, "prev")))
            steps += 1
        assert line_numbers(soup)[0] == 1
        assert steps == (BIG_LINES + 1) // WINDOW_ROWS

    @pytest.mark.parametrize("at", ["0", "-5", "99999999", "abc", "9" * 40, "%00"])
    def test_any_start_gives_a_window(self, client, at):
        soup = soup_of(client.get(f"/source/big.txt?at={at}"))
        assert 0 < len(line_numbers(soup)) <= WINDOW_ROWS

    def test_a_file_of_two_million_newlines(self, client):
        tracemalloc.start()
        try:
            response = client.get("/source/newlines.txt")
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert len(response.data) < PAGE_BYTES
        assert peak < 48 * 1024 * 1024, f"{peak / 1e6:.0f} MB to view 2 MB of newlines"
        soup = soup_of(client.get("/source/newlines.txt?lines=2000002"))
        assert "Last words here." in soup.select_one("li.cited").get_text()
        assert line_numbers(soup)[-1] == 2_000_003

    def test_a_megabyte_line_is_cut(self, client):
        response = client.get("/source/minified.txt?q=wide")
        soup = soup_of(response)
        assert len(response.data) < 4 * MAX_ROW_CHARS * 2 + PAGE_BYTES
        assert "more characters in the raw file" in soup.select_one("li#L1 .cut").get_text()
        assert soup.select_one('a.raw[href="/source/minified.txt?raw=1"]')

    def test_a_file_edited_since_the_build_says_so(self, settings_env, tmp_path):
        source_dir = tmp_path / "corpus"
        source_dir.mkdir()
        (source_dir / "log.txt").write_text("The first edition of the log.\n", "utf-8")
        (source_dir / "other.txt").write_text("Another log, left alone.\n", "utf-8")
        build_index(source_dir, tmp_path / "index")
        (source_dir / "log.txt").write_text("A new first line.\nThe first edition.\n", "utf-8")
        client = make_app(source_dir, tmp_path / "index").test_client()
        note = soup_of(client.get("/source/log.txt")).select_one("main .note")
        assert "changed after the index was built" in note.get_text()
        assert soup_of(client.get("/source/other.txt")).select_one("main .note") is None

    def test_a_rebuild_shows_the_new_text(self, settings_env, tmp_path):
        source_dir = tmp_path / "corpus"
        source_dir.mkdir()
        (source_dir / "log.txt").write_text("The first edition of the log.\n", "utf-8")
        build_index(source_dir, tmp_path / "index")
        client = make_app(source_dir, tmp_path / "index").test_client()
        assert "first edition" in soup_of(client.get("/source/log.txt")).main.get_text()
        (source_dir / "log.txt").write_text("The second edition of the log.\n", "utf-8")
        build_index(source_dir, tmp_path / "index")
        text = soup_of(client.get("/source/log.txt")).main.get_text()
        assert "second edition" in text and "first edition" not in text


@pytest.fixture(scope="module")
def wikitext(tmp_path_factory):
    """WikiText-2's test split (1.3 MB of text in 4,359 lines), indexed."""
    root = tmp_path_factory.mktemp("wikitext")
    (root / "corpus").mkdir()
    shutil.copy(WIKITEXT / "test.txt.gz", root / "corpus" / "test.txt.gz")
    build_index(root / "corpus", root / "index")
    return root / "corpus", root / "index"


def test_wikitext_is_viewed_a_window_at_a_time(settings_env, wikitext):
    """Today's main rendered the whole file, 1.6 MB of HTML, on every view."""
    client = make_app(*wikitext).test_client()
    hit = client.get("/api/search?q=Valkyria+Chronicles").get_json()["results"][0]
    response = client.get(f"/source/test.txt.gz?passage={hit['id']}&q=Valkyria+Chronicles")
    assert len(response.data) < 2 * PAGE_BYTES
    soup = soup_of(response)
    assert hit["citation"]["line_start"] in line_numbers(soup)
    title = soup.select_one("h1.source-title").get_text(" ", strip=True)
    assert title == "test.txt.gz test.txt.gz", "a file of many articles is named by its file"
    url, windows, seen = "/source/test.txt.gz?q=Valkyria", 0, 0
    while url:
        response = client.get(url)
        assert len(response.data) < 2 * PAGE_BYTES, (url, len(response.data))
        soup = soup_of(response)
        seen += len(line_numbers(soup))
        windows += 1
        url = link(soup, "next")
    assert seen == 4359 and windows == -(-4359 // WINDOW_ROWS)


class TestQueryWords:
    def test_the_query_words_are_marked(self, client):
        soup = soup_of(client.get("/source/lighthouse.md?q=foghorn+storms"))
        marked = [m.get_text().lower() for m in soup.select("ol.source mark")]
        assert marked.count("foghorn") == 2
        assert set(marked) <= {"foghorn", "storm", "storms"}

    def test_only_mark_is_markup(self, client):
        soup = soup_of(client.get("/source/tricky.txt?q=foghorn"))
        line = soup.select_one("li#L1 .code")
        assert [tag.name for tag in line.find_all(True)] == ["mark"]
        assert line.get_text() == "The <b>foghorn</b> & the <script>alert(1)</script> bell."
        assert not soup.find("script", string=re.compile("alert"))

    def test_a_query_that_cannot_run_marks_nothing(self, client):
        soup = soup_of(client.get("/source/lighthouse.md?q=" + "%22" * 3))
        assert soup.select("ol.source mark") == []

    def test_the_result_link_carries_the_query(self, client):
        soup = soup_of(client.get("/?q=Paraffin"))
        soup = soup_of(client.get(soup.select_one(".hit .cite a")["href"]))
        assert [m.get_text() for m in soup.select("li.cited mark")] == ["Paraffin"]


class TestHTMLAsReadableText:
    def test_blocks_of_text_not_markup(self, client):
        soup = soup_of(client.get("/source/harbour.html?q=bollard"))
        rows = [
            li.select_one(".code").get_text() for li in soup.select("ol.readable li[data-lines]")
        ]
        assert rows == [
            "The spring tide covered the lowest bollard by noon.",
            "The schooner Petrel tied up at the north bollard with a cargo of salt.",
        ]
        headings = [li.get_text() for li in soup.select("ol.readable li.heading")]
        assert headings == ["Tides", "Ships"]
        assert "<p>" not in soup.main.get_text()
        assert len(soup.select("ol.readable mark")) == 2

    def test_the_cited_block_is_highlighted(self, client):
        hit = client.get("/api/search?q=schooner").get_json()["results"][0]
        soup = soup_of(client.get(f"/source/harbour.html?passage={hit['id']}"))
        cited = soup.select("ol.readable li.cited")
        assert [li.select_one(".code").get_text()[:12] for li in cited] == ["The schooner"]
        lines = cited[0]["data-lines"].split("-")
        assert int(lines[0]) == hit["citation"]["line_start"]

    def test_the_raw_markup_is_one_click_away(self, client, big):
        soup = soup_of(client.get("/source/harbour.html"))
        raw = soup.select_one("a.raw")
        assert raw.get_text() == "Raw HTML"
        with client.get(raw["href"]) as response:
            assert response.status_code == 200
            assert response.mimetype == "text/plain"
            assert response.data == (big[0] / "harbour.html").read_bytes()


@dataclass(frozen=True)
class PagedText(SourceText):
    """What `read_source` returns for a PDF once docs-binary lands: `pages`
    holds the character offset where each page starts."""

    pages: tuple[int, ...] = ()


PAGES = ["Page one speaks of lamps.\nAnd of wicks.\n", "Page two speaks of gulls.\nAnd tides.\n"]


class TestPagedFormats:
    def test_a_paged_file_is_shown_page_by_page(self, client, monkeypatch):
        """Stands in for a PDF until docs-binary lands: the viewer reads
        `pages` through `read_source`, and shows page headings, lines counted
        per page, and links to the original at each page."""

        def read_paged(path, root):
            text = "".join(PAGES)
            return PagedText(path, "lighthouse.md", text, "utf-8", 1, "", pages=(0, len(PAGES[0])))

        monkeypatch.setattr(source_view, "read_source", read_paged)
        soup = soup_of(client.get("/source/lighthouse.md?page=2&lines=1-2&q=gulls"))
        headings = [li.get_text(" ", strip=True) for li in soup.select("ol.source li.heading")]
        assert headings == ["Page 1 · original", "Page 2 · original"]
        assert soup.select_one("li#page-2 a")["href"] == "/source/lighthouse.md?raw=1#page=2"
        cited = soup.select("li.cited")
        assert [li.select_one(".ln").get_text() for li in cited] == ["1", "2"]
        assert [li["id"] for li in cited] == ["p2-L1", "p2-L2"], "anchors name page and line"
        assert soup.select_one("ol.source").get("data-lines") is None
        assert "gulls" in cited[0].get_text()
        assert soup.select_one("a.raw")["href"] == "/source/lighthouse.md?raw=1#page=2"
