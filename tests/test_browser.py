"""End to end: a reader in real headless Chromium, against a real `kavosh serve` (granian)
server over the seeds and the vivid files.

Chromium is Debian's (`playwright install` cannot download offline). These
tests never skip: without Chromium they fail and say how to install it. When a
test fails, the server's output is added to its report (see conftest).
"""

from __future__ import annotations

import re
import shutil
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import sync_playwright

from indexer.build import build_index
from tests.conftest import ARTICLE, PROJECT
from tests.live_server import LiveServer
from tests.test_examples import LIGHTS as EXAMPLE_CORPUS
from tests.test_examples import SEED_STRINGS

pytestmark = pytest.mark.browser

ARTIFACTS = PROJECT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",  # the tests may run as root, in a container
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def server(web_corpus):
    source_dir, index_dir = web_corpus
    with LiveServer(index_dir, source_dir, workers=2) as server:
        yield server


@pytest.fixture(scope="module")
def browser():
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail(
            "Chromium is missing, and the browser tests need it: run scripts/install-system-deps "
            "(`make test` runs it when chromium is missing)",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server, request):
    """A fresh page on the server; any console error or uncaught exception
    (a CSP violation, a failed request, a script error) fails the test. The
    page as the test left it is kept in test-artifacts/<test name>.png."""
    context = browser.new_context(
        base_url=server.url, viewport={"width": 1280, "height": 800}, locale="en-GB"
    )
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    yield page
    if page.url.startswith("http"):
        screenshot(page, re.sub(r"\W+", "-", request.node.name).strip("-"))
    context.close()
    assert problems == [], f"the browser reported:\n{problems}"


def search_for(page, words: str) -> None:
    page.goto("/")
    page.fill("#q", words)
    with page.expect_navigation():
        page.press("#q", "Enter")


def in_viewport(page, selector: str) -> list[bool]:
    """For each element matching `selector`: is it wholly inside the window?"""
    return page.eval_on_selector_all(
        selector,
        """elements => elements.map(e => {
            const box = e.getBoundingClientRect();
            return box.top >= 0 && box.bottom <= window.innerHeight;
        })""",
    )


def wait_until_in_view(page, selector: str) -> bool:
    """True once every element matching `selector` is wholly inside the window
    (the page scrolls at load and once more on the next frame); False if that
    has not happened within five seconds."""
    try:
        page.wait_for_function(
            """selector => [...document.querySelectorAll(selector)].every(e => {
                const box = e.getBoundingClientRect();
                return box.top >= 0 && box.bottom <= window.innerHeight;
            })""",
            arg=selector,
            timeout=5000,
        )
    except PlaywrightTimeoutError:
        return False
    return True


def cited_hrefs(page) -> list[str]:
    return page.eval_on_selector_all(".hit .cite a", "links => links.map(a => a.href)")


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


class TestSearching:
    def test_type_a_query_and_see_highlighted_results(self, page):
        page.goto("/")
        assert page.evaluate("document.activeElement.id") == "q", "the box has the focus"
        page.keyboard.type("foghorn")
        with page.expect_navigation():
            page.keyboard.press("Enter")

        assert query_of(page.url)["q"] == ["foghorn"]
        assert page.locator(".hit").count() == 2
        marks = page.locator(".hit .excerpt mark")
        assert marks.count() >= 2
        assert {text.lower() for text in marks.all_inner_texts()} == {"foghorn"}
        assert "2 passages" in page.inner_text(".summary")
        assert page.locator("#q").input_value() == "foghorn"

    def test_screenshot_of_a_results_page(self, page):
        search_for(page, "Mansoor Hekmat")
        assert page.locator(".hit").count() > 1
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / "results.png", full_page=True)
        assert (ARTIFACTS / "results.png").stat().st_size > 10_000

    def test_page_forward(self, page):
        search_for(page, "party")
        first_page = page.locator(".hit-title").all_inner_texts()
        first_cites = page.locator(".hit .cite a").all_inner_texts()
        with page.expect_navigation():
            page.click("a[rel=next]")

        assert query_of(page.url)["page"] == ["2"]
        assert page.get_attribute("ol.hits", "start") == "11"
        assert page.locator(".hit").count() == 10
        assert page.locator(".hit .cite a").all_inner_texts() != first_cites
        assert len(first_page) == 10
        with page.expect_navigation():
            page.click("a[rel=prev]")
        assert page.locator(".hit .cite a").all_inner_texts() == first_cites

    def test_filter_by_a_facet(self, page):
        search_for(page, "the")
        files = {urlsplit(h).path for h in cited_hrefs(page)}
        assert len(files) > 1
        with page.expect_navigation():
            page.click('nav.facets a:text-is("The Lighthouse Keeper\'s Log")')

        assert query_of(page.url)["source"] == ["lighthouse.md"]
        assert {urlsplit(h).path for h in cited_hrefs(page)} == {"/source/lighthouse.md"}
        with page.expect_navigation():
            page.click("nav.facets a.clear")
        assert "source" not in query_of(page.url)

    def test_filter_by_a_section(self, page):
        search_for(page, "Hekmat")
        with page.expect_navigation():
            page.click('nav.facets a:text-is("History › Foundation")')
        sections = page.locator(".hit-title .section").all_inner_texts()
        assert sections and set(sections) == {"› History › Foundation"}

    def test_search_in_persian(self, page):
        search_for(page, "کتابخانه")
        assert page.locator(".hit").count() >= 1
        assert {urlsplit(h).path for h in cited_hrefs(page)} == {"/source/fa/library.txt"}
        assert page.locator(".hit .excerpt mark").first.inner_text().strip() == "کتابخانه"
        direction = "e => getComputedStyle(e).direction"
        assert page.eval_on_selector(".hit .excerpt", direction) == "rtl"
        assert page.eval_on_selector(".hit .hit-title", direction) == "rtl"
        assert page.eval_on_selector("#q", direction) == "rtl"
        assert page.get_attribute("html", "lang") == "en"

    def test_an_english_result_stays_left_to_right(self, page):
        search_for(page, "bollard")
        direction = "e => getComputedStyle(e).direction"
        assert page.eval_on_selector(".hit .excerpt", direction) == "ltr"

    def test_suggestions_while_typing(self, page):
        page.goto("/")
        with page.expect_response(lambda r: "/api/suggest" in r.url) as answer:
            page.locator("#q").press_sequentially("fogh", delay=60)
        assert answer.value.ok
        page.wait_for_function("document.querySelectorAll('#suggestions option').length > 0")
        options = page.eval_on_selector_all("#suggestions option", "os => os.map(o => o.value)")
        assert "foghorn" in options

    def test_keyboard_focus_order(self, page):
        """Tab goes skip link, brand, search box, button, then the results; the
        skip link moves the focus to the results."""
        search_for(page, "foghorn")
        focused = "(e => e.id || e.className || e.tagName.toLowerCase())(document.activeElement)"
        order = []
        for _ in range(5):
            page.keyboard.press("Tab")
            order.append(page.evaluate(focused))
        assert order[:4] == ["skip", "brand", "q", "button"], order
        assert order[4] != "skip"
        page.reload()
        page.keyboard.press("Tab")
        assert page.evaluate(focused) == "skip"
        page.keyboard.press("Enter")
        assert page.evaluate(focused) == "main"

    def test_did_you_mean(self, page):
        search_for(page, "foghron")
        with page.expect_navigation():
            page.click(".suggestion a")
        assert query_of(page.url)["q"] == ["foghorn"]
        assert page.locator(".hit").count() == 2

    def test_zero_results_and_syntax_help(self, page):
        search_for(page, "xylophonequartz")
        assert "Nothing found" in page.inner_text("main")
        page.click("details.syntax summary")
        assert page.is_visible("details.syntax dl")


class TestCitations:
    def test_open_a_citation_and_land_on_the_highlighted_lines(self, page):
        search_for(page, "Osam Shukri politburo")
        link = page.locator(".hit .cite a").first
        assert ARTICLE in link.inner_text()
        with page.expect_navigation():
            link.click()

        assert urlsplit(page.url).path == f"/source/{ARTICLE}"
        cited = page.locator("li.cited")
        assert cited.count() >= 1
        assert "Osam Shukri" in " ".join(cited.all_inner_texts())
        page.wait_for_load_state("load")
        page.wait_for_function("window.scrollY > 0")
        assert wait_until_in_view(page, "li.cited"), "every cited line is on screen"

    def test_a_multi_line_citation_is_in_view(self, page, server):
        _, _, body = server.get_json("/api/search?q=Chairperson+Taqvaee+Marxism")
        hit = body["results"][0]
        first, last = hit["citation"]["line_start"], hit["citation"]["line_end"]
        assert last > first
        page.set_viewport_size({"width": 1280, "height": 400})
        page.goto(f"/source/{ARTICLE}?passage={hit['id']}#L{first}")
        page.wait_for_load_state("load")
        assert page.locator("li.cited").count() == last - first + 1
        assert wait_until_in_view(page, "li.cited"), in_viewport(page, "li.cited")

    def test_the_api_citation_url_highlights_with_script(self, page, server):
        _, _, body = server.get_json("/api/search?q=Anjomane+secularist")
        url = body["results"][0]["citation"]["url"]
        assert "#L" in url and "?" not in url
        page.goto(url)
        page.wait_for_load_state("load")
        page.wait_for_function("document.querySelectorAll('li.cited').length > 0")
        first = int(url.rpartition("#L")[2].split("-")[0])
        assert page.get_attribute("li.cited", "id") == f"L{first}"
        assert wait_until_in_view(page, "li.cited"), in_viewport(page, "li.cited")

    def test_back_to_the_search(self, page):
        search_for(page, "bollard")
        with page.expect_navigation():
            page.locator(".hit .cite a").first.click()
        with page.expect_navigation():
            page.click(".back a")
        assert query_of(page.url)["q"] == ["bollard"]


class TestWithoutJavaScript:
    def test_search_and_cite(self, browser, server):
        context = browser.new_context(base_url=server.url, java_script_enabled=False)
        page = context.new_page()
        try:
            page.goto("/")
            page.fill("#q", "Paraffin")
            with page.expect_navigation():
                page.click("form[role=search] button")
            assert page.locator(".hit .excerpt mark").count() >= 1
            with page.expect_navigation():
                page.locator(".hit .cite a").first.click()
            assert "Paraffin" in page.inner_text("li.cited")
            screenshot(page, "without-javascript")
        finally:
            context.close()


PHONE_WIDTHS = [360, 390]
# Every kind of page: home, results, no results (one a single long word),
# the source viewer (plain, cited, readable HTML, Persian) and error pages.
PHONE_PAGES = {
    "home": "/",
    "results": "/?q=Mansoor+Hekmat",
    "persian": "/?q=کتابخانه",
    "no-results": "/?q=xylophonequartz+marmalade",
    "no-results-long-word": "/?q=" + "supercalifragilisticexpialidocious" * 3,
    "source": f"/source/{ARTICLE}",
    "source-cited": f"/source/{ARTICLE}?lines=30-33&q=Hekmat",
    "source-html": "/source/harbour.html?q=bollard",
    "not-found": "/source/no-such-file.txt",
    "bad-request": "/?q=a&page=0",
    "excluded-word": "/?q=Hekmat+-Modarresi",
    "cut-query": "/?q=" + "+".join(f"word{n}" for n in range(80)) + "+Hekmat",
}


def phone(browser, server, width: int):
    return browser.new_context(
        base_url=server.url, viewport={"width": width, "height": 740}, is_mobile=True
    )


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


class TestPhone:
    @pytest.mark.parametrize("width", PHONE_WIDTHS)
    def test_nothing_scrolls_sideways(self, browser, server, width):
        context = phone(browser, server, width)
        page = context.new_page()
        try:
            for name, url in PHONE_PAGES.items():
                page.goto(url)
                page.wait_for_load_state("load")
                screenshot(page, f"phone-{width}-{name}")
                scroll, inner = page.evaluate(
                    "[document.documentElement.scrollWidth, window.innerWidth]"
                )
                assert inner == width
                assert scroll <= inner, f"{url} scrolls sideways ({scroll}px in {inner}px)"
                size = page.eval_on_selector("body", "e => getComputedStyle(e).fontSize")
                assert float(size.removesuffix("px")) >= 15
        finally:
            context.close()

    def test_the_way_back_stays_in_view(self, browser, server):
        context = phone(browser, server, 360)
        page = context.new_page()
        try:
            page.goto(f"/source/{ARTICLE}?q=Hekmat")
            page.wait_for_load_state("load")
            page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
            page.wait_for_function("window.scrollY > 500")
            assert in_viewport(page, ".back a") == [True, True], "back and raw links on screen"
            screenshot(page, "phone-source-scrolled")
            with page.expect_navigation():
                page.click(".back a")
            assert query_of(page.url)["q"] == ["Hekmat"]
        finally:
            context.close()


class TestNotes:
    """The page says how it read a query a reader pasted or typed."""

    def test_an_excluded_word_is_said(self, page):
        search_for(page, "Hekmat -Modarresi")
        notes = page.locator(".note").all_inner_texts()
        assert any("Modarresi" in note and "left out" in note for note in notes), notes
        assert page.locator(".hit").count() > 0
        assert "Modarresi" not in " ".join(page.locator(".hit").all_inner_texts())

    def test_a_flag_is_searched_as_typed_and_says_nothing(self, page):
        search_for(page, "Hekmat --verbose")
        assert page.locator(".note").count() == 0

    def test_a_long_pasted_query_is_cut_with_a_note(self, page):
        pasted = " ".join(["the history of the party and its leadership"] * 12) + " Hekmat"
        search_for(page, pasted)
        notes = page.locator(".note").all_inner_texts()
        assert any("64" in note for note in notes), notes
        assert page.locator(".hit").count() > 0
        assert not page.locator(".error").count()


class TestSourceViewer:
    def test_the_query_words_are_marked(self, page):
        search_for(page, "foghorn")
        with page.expect_navigation():
            page.locator(".hit .cite a").first.click()
        page.wait_for_load_state("load")
        marks = page.locator("ol.source mark")
        assert {text.lower() for text in marks.all_inner_texts()} == {"foghorn"}
        assert marks.count() == 2
        assert page.locator("li.cited mark").count() >= 1
        screenshot(page, "source-marked")

    def test_html_is_readable_text_with_the_raw_file_a_click_away(self, page):
        page.goto("/source/harbour.html?q=bollard")
        rows = page.locator("ol.readable li[data-lines] .code").all_inner_texts()
        assert rows[0] == "The spring tide covered the lowest bollard by noon."
        assert "<p>" not in page.inner_text("main")
        screenshot(page, "source-readable-html")
        with page.expect_navigation():
            page.click("a.raw")
        assert "<h2>Tides</h2>" in page.inner_text("body")


# Another corpus: the example tests' lighthouse files, and a long log.
LIGHTS = {
    **EXAMPLE_CORPUS,
    "logbook.txt": "\n".join(
        f"Watch {n}: wind steady, lamp trimmed." if n != 450 else "Watch 450: a narwhal surfaced."
        for n in range(1, 901)
    )
    + "\n",
}


@pytest.fixture(scope="module")
def other_server(tmp_path_factory):
    """A server over a corpus that is not the seeds."""
    root = tmp_path_factory.mktemp("lights")
    source_dir = root / "corpus"
    source_dir.mkdir()
    for name, text in LIGHTS.items():
        (source_dir / name).write_text(text, "utf-8")
    build_index(source_dir, root / "index")
    with LiveServer(root / "index", source_dir, workers=1) as server:
        yield server


class TestAnotherCorpus:
    def test_the_examples_come_from_it(self, browser, other_server):
        context = browser.new_context(base_url=other_server.url)
        page = context.new_page()
        try:
            page.goto("/")
            examples = page.locator(".examples a").all_inner_texts()
            screenshot(page, "home-another-corpus")
            assert examples[:2] == ["Beacons of the Northern Coast", "Fresnel Lenses"]
            text = " ".join(LIGHTS.values()).lower()
            for example in examples:
                assert all(word.lower() in text for word in example.split()), example
                assert not any(seed.lower() in example.lower() for seed in SEED_STRINGS)
            with page.expect_navigation():
                page.locator(".examples a").nth(2).click()
            assert page.locator(".hit").count() >= 1
        finally:
            context.close()

    def test_a_long_file_pages_and_finds_a_line_outside_the_window(self, browser, other_server):
        context = browser.new_context(base_url=other_server.url)
        page = context.new_page()
        try:
            page.goto("/source/logbook.txt")
            assert page.locator("ol.source > li").count() == 200
            with page.expect_navigation():
                page.click("nav.window a[rel=next] >> nth=0")
            assert page.get_attribute("ol.source > li >> nth=0", "id") == "L201"
            # An API citation URL names lines by fragment only: the page asks
            # the server for the window that holds them.
            page.goto("/source/logbook.txt#L450")
            page.wait_for_function("document.querySelectorAll('li.cited').length > 0")
            assert "narwhal" in page.inner_text("li.cited")
            assert wait_until_in_view(page, "li.cited")
            screenshot(page, "source-window")
        finally:
            context.close()
