"""The pure parts of the source viewer: line layouts with sparse offsets,
pages, windows, HTML blocks and the bounded caches (the viewer itself is
tested through HTTP in test_source_windows.py)."""

from __future__ import annotations

from app.http.source_cache import BoundedCache
from app.http.source_window import WINDOW_ROWS, BlockLayout, LineLayout, window
from tests.conftest import VIVID
from tests.test_source_windows import PAGES


class TestLines:
    def test_every_line_from_any_start(self):
        text = "".join(f"line {n}\n" for n in range(1, 1000))
        layout = LineLayout(text)
        assert len(layout) == 1000  # the empty line after the last newline
        for first in (1, 63, 64, 65, 129, 998):
            rows = layout.rows(first, 3)
            assert [r.line for r in rows] == list(range(first, min(first + 3, 1001)))
            assert rows[0].text == f"line {first}"

    def test_non_ascii_and_crlf(self):
        layout = LineLayout("کتابخانه ملی\r\nsecond\r\n")
        assert [r.text for r in layout.rows(1, 5)] == ["کتابخانه ملی", "second", ""]

    def test_lines_count_within_their_page(self):
        text = "".join(PAGES)
        layout = LineLayout(text, pages=(0, len(PAGES[0])))
        assert layout.page_lines == [1, 3]
        rows = layout.rows(1, 10)
        assert [(r.page, r.page_line, r.text) for r in rows[:4]] == [
            (1, 1, "Page one speaks of lamps."),
            (1, 2, "And of wicks."),
            (2, 1, "Page two speaks of gulls."),
            (2, 2, "And tides."),
        ]
        assert layout.line_of_page(2, 2) == 4
        assert layout.line_of_page(3, 1) is None


class TestWindows:
    def test_a_window_starts_a_little_above_the_cited_lines(self):
        layout = LineLayout("\n".join(str(n) for n in range(1, 1001)))
        view = window(layout, range(500, 503), None)
        assert view.first < 500 < view.first + len(view.rows)
        assert view.earlier == view.first - WINDOW_ROWS
        assert view.later == view.first + WINDOW_ROWS

    def test_past_the_end_shows_the_last_window(self):
        layout = LineLayout("\n".join(str(n) for n in range(1, 1001)))
        view = window(layout, range(0), 5000)
        assert view.rows[-1].text == "1000" and view.later is None

    def test_html_blocks_know_their_lines(self):
        layout = BlockLayout(VIVID["harbour.html"])
        assert [(r.line, r.section) for r in layout.rows(1, 10)] == [(3, "Tides"), (5, "Ships")]
        assert layout.row_of_line(4) == 2


class TestBoundedCache:
    def test_made_once_and_the_oldest_dropped_past_the_budget(self):
        made = []
        cache = BoundedCache(10, weigh=len)

        def make(value):
            return lambda: made.append(value) or value

        assert cache.get("a", make("aaaa")) == "aaaa"
        assert cache.get("a", make("other")) == "aaaa"
        cache.get("b", make("bbbb"))
        cache.get("a", make("aaaa"))  # "a" is now the most recent
        cache.get("c", make("cccc"))
        assert made == ["aaaa", "bbbb", "cccc"]
        assert cache.get("b", make("bbbb")) == "bbbb" and made[-1] == "bbbb", "b was dropped"
        assert len(cache) == 2

    def test_one_value_over_the_budget_is_still_kept(self):
        cache = BoundedCache(3, weigh=len)
        assert cache.get("big", lambda: "x" * 10) == "x" * 10
        assert len(cache) == 1
