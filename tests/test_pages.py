"""The search page as HTML, parsed with BeautifulSoup: what a reader sees
before and after a query, and the accessibility basics (landmarks, labels,
language, direction). The browser tests drive the same page for real.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup

from indexer.build import build_index
from tests.conftest import PROJECT, make_app


def soup_of(response) -> BeautifulSoup:
    assert response.status_code == 200, response.data[:300]
    return BeautifulSoup(response.data, "html.parser")


def query_of(href: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(href).query)


class TestBeforeAQuery:
    def test_search_box(self, client):
        soup = soup_of(client.get("/"))
        box = soup.find("input", id="q")
        assert box.has_attr("autofocus")
        assert box["name"] == "q" and box["type"] == "search"
        assert box["dir"] == "auto"
        assert soup.find("label", attrs={"for": "q"}).get_text(strip=True)

    def test_corpus_description_and_examples(self, client):
        main = soup_of(client.get("/")).main
        assert "5 documents" in main.get_text(" ")
        titles = [a.get_text() for a in main.select(".documents a")]
        assert "The Lighthouse Keeper's Log" in titles
        examples = main.select(".examples a")
        assert len(examples) >= 3
        for example in examples:
            assert query_of(example["href"])["q"] == [example.get_text()]

    def test_every_example_finds_something(self, client):
        for example in soup_of(client.get("/")).select(".examples a"):
            soup = soup_of(client.get(example["href"]))
            assert soup.select(".hit"), example.get_text()

    def test_discovery_links(self, client):
        head = soup_of(client.get("/")).head
        search = head.find("link", rel="search")
        assert search["type"] == "application/opensearchdescription+xml"
        description = client.get(search["href"])
        assert description.mimetype == "application/opensearchdescription+xml"
        assert b"{searchTerms}" in description.data


class TestResults:
    def test_count_time_and_json_twin(self, client):
        soup = soup_of(client.get("/?q=foghorn"))
        summary = soup.select_one(".summary").get_text(" ", strip=True)
        assert summary.startswith("2 passages") and "ms" in summary
        twin = soup.head.find("link", rel="alternate", type="application/json")
        assert client.get(twin["href"]).get_json()["total"] == 2

    def test_a_hit(self, client):
        hit = soup_of(client.get("/?q=Paraffin")).select_one(".hit")
        assert hit.select_one(".hit-title").get_text(" ", strip=True) == (
            "The Lighthouse Keeper's Log › Supplies"
        )
        assert hit.select_one(".excerpt mark").get_text() == "Paraffin"
        cite = hit.select_one(".cite a")
        assert cite.get_text() == "lighthouse.md, line 12"
        assert urlsplit(cite["href"]).path == "/source/lighthouse.md"
        assert urlsplit(cite["href"]).fragment == "L12"
        assert "passage" in query_of(cite["href"])

    def test_speaker(self, client):
        soup = soup_of(client.get("/?q=women&speaker=Milad"))
        speakers = {p.get_text(strip=True) for p in soup.select(".hit .speaker")}
        assert speakers == {"Milad Resaeimanesh"}

    def test_did_you_mean(self, client):
        link = soup_of(client.get("/?q=foghron")).select_one(".suggestion a")
        assert link.get_text() == "foghorn"
        assert query_of(link["href"])["q"] == ["foghorn"]

    def test_facets_filter_and_count(self, client):
        soup = soup_of(client.get("/?q=the"))
        links = {a.get_text(): a for a in soup.select("nav.facets a")}
        lighthouse = links["The Lighthouse Keeper's Log"]
        assert lighthouse["title"] == "lighthouse.md"
        count = int(lighthouse.find_next_sibling(class_="count").get_text())
        filtered = soup_of(client.get(lighthouse["href"]))
        assert len(filtered.select(".hit")) == count
        assert {urlsplit(a["href"]).path for a in filtered.select(".hit .cite a")} == {
            "/source/lighthouse.md"
        }
        clear = filtered.select_one("nav.facets a.clear")
        assert "source" not in query_of(clear["href"])

    def test_a_filter_starts_again_at_page_one(self, client):
        soup = soup_of(client.get("/?q=party&page=2"))
        for link in soup.select("nav.facets a"):
            assert "page" not in query_of(link["href"])

    def test_pagination(self, client):
        first = soup_of(client.get("/?q=party"))
        assert first.select_one("a[rel=prev]") is None
        following = first.select_one("a[rel=next]")
        assert query_of(following["href"])["page"] == ["2"]
        second = soup_of(client.get(following["href"]))
        assert second.select_one("ol.hits")["start"] == "11"
        assert query_of(second.select_one("a[rel=prev]")["href"])["page"] == ["1"]

    def test_zero_results(self, client):
        main = soup_of(client.get("/?q=xylophonequartz")).main
        assert "Nothing found for" in main.get_text(" ")
        assert not main.select(".hit")
        assert main.find("a", href="#syntax")

    def test_a_page_past_the_end(self, client):
        main = soup_of(client.get("/?q=foghorn&page=9")).main
        text = main.get_text(" ", strip=True)
        assert "No results on page 9" in text and "2 passages" in text
        assert query_of(main.select_one(".empty a")["href"])["page"] == ["1"]

    def test_query_syntax_help(self, client):
        syntax = soup_of(client.get("/?q=foghorn")).select_one("details#syntax")
        assert "exact phrase" in syntax.get_text()

    @pytest.mark.parametrize("url", ["/?q=", "/?q=%20%20", "/search?q="])
    def test_a_blank_query_is_the_home_page(self, client, url):
        assert soup_of(client.get(url)).select_one(".intro")

    @pytest.mark.parametrize(
        "url", ["/?q=a&page=0", "/?q=a&per_page=500", "/?q=" + "x" * 8001, "/?q=a&page=zz"]
    )
    def test_bad_parameters_in_words(self, client, url):
        response = client.get(url)
        assert response.status_code == 400
        text = BeautifulSoup(response.data, "html.parser").main.get_text(" ", strip=True)
        assert "could not run" in text


class TestAccessibility:
    URLS = ["/", "/?q=foghorn", "/?q=کتابخانه", "/?q=xylophonequartz", "/source/lighthouse.md"]

    @pytest.mark.parametrize("url", URLS)
    def test_landmarks_and_labels(self, client, url):
        soup = soup_of(client.get(url))
        assert soup.html["lang"] == "en"
        assert len(soup.find_all("main")) == 1
        assert soup.find("header", role="banner")
        form = soup.find("form", role="search")
        assert form and form.find("label", attrs={"for": "q"})
        assert soup.find("footer")
        assert soup.title.get_text(strip=True)
        skip = soup.find("a", class_="skip")
        assert skip["href"] == "#" + soup.main["id"]

    @pytest.mark.parametrize("url", URLS)
    def test_one_h1_per_page(self, client, url):
        assert len(soup_of(client.get(url)).find_all("h1")) == 1

    @pytest.mark.parametrize("url", ["/?q=foghorn", "/?q=کتابخانه"])
    def test_text_from_the_corpus_has_its_own_direction(self, client, url):
        soup = soup_of(client.get(url))
        for hit in soup.select(".hit"):
            assert hit.select_one(".hit-title")["dir"] == "auto"
            assert hit.select_one(".excerpt")["dir"] == "auto"
        for link in soup.select("nav.facets a:not(.clear)"):
            assert link["dir"] == "auto"

    def test_the_persian_brand_is_marked_as_persian(self, client):
        brand = soup_of(client.get("/")).select_one(".brand span")
        assert (brand["lang"], brand["dir"]) == ("fa", "rtl")

    def test_navigation_is_named(self, client):
        soup = soup_of(client.get("/?q=party"))
        for nav in soup.find_all("nav"):
            assert nav.get("aria-label"), nav

    def test_the_summary_is_announced(self, client):
        assert soup_of(client.get("/?q=foghorn")).select_one(".summary")["role"] == "status"

    def test_focus_order_follows_the_page(self, client):
        """Nothing jumps the tab order: no positive tabindex anywhere."""
        for url in self.URLS:
            for element in soup_of(client.get(url)).find_all(tabindex=True):
                assert int(element["tabindex"]) <= 0, (url, element)

    def test_line_numbers_are_labelled(self, client):
        link = soup_of(client.get("/source/lighthouse.md")).select_one("ol.source a.ln")
        assert link["aria-label"] == "line 1"


class TestSharedTitles:
    """Two files with one title (#12): the facet and the hits name their paths."""

    def test_paths_beside_a_shared_title(self, settings_env, write_corpus, tmp_path):
        source_dir = write_corpus(
            {
                "flask/config.md": "# Config\n\nFlask reads its settings from a pyfile.\n",
                "click/config.md": "# Config\n\nClick reads its settings from a pyfile too.\n",
                "tutorial.md": "# Tutorial\n\nThe tutorial never mentions that file.\n",
            }
        )
        build_index(source_dir, tmp_path / "index")
        client = make_app(source_dir, tmp_path / "index").test_client()
        soup = soup_of(client.get("/?q=pyfile+tutorial"))
        facets = {a.get_text() for a in soup.select("nav.facets a:not(.clear)")}
        assert {"Config — flask/config.md", "Config — click/config.md", "Tutorial"} <= facets
        titles = {h.get_text(" ", strip=True) for h in soup.select(".hit-title")}
        assert {"Config click/config.md", "Config flask/config.md", "Tutorial"} <= titles


class TestNoIndexPage:
    def test_home_says_to_build_the_index(self, settings_env, tmp_path):
        client = make_app(tmp_path / "corpus", tmp_path / "none").test_client()
        response = client.get("/")
        assert response.status_code == 503
        text = BeautifulSoup(response.data, "html.parser").main.get_text(" ", strip=True)
        assert "No index yet" in text and "kavosh index" in text


def _luminance(colour: str) -> float:
    """WCAG relative luminance of a #rrggbb colour."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    light, dark = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.fixture(scope="module")
def colours() -> dict[str, str]:
    """The custom properties of the stylesheet's `:root`."""
    css = (PROJECT / "app" / "static" / "style.css").read_text("utf-8")
    return dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", css))


class TestContrast:
    """Text colours against their backgrounds, from the stylesheet itself: WCAG AA (4.5:1)."""

    @pytest.mark.parametrize(
        ("text", "background"),
        [
            ("ink", "paper"),
            ("muted", "paper"),
            ("accent", "paper"),
            ("ink", "mark"),
            ("ink", "cited"),
            ("muted", "cited"),
            ("accent", "cited"),
        ],
    )
    def test_aa_contrast(self, colours, text, background):
        ratio = contrast(colours[text], colours[background])
        assert ratio >= 4.5, f"--{text} on --{background}: {ratio:.2f}:1"

    def test_the_button(self):
        assert contrast("#ffffff", "#0b57d0") >= 4.5

    def test_the_contrast_formula(self):
        assert round(contrast("#000000", "#ffffff"), 1) == 21.0
        assert round(contrast("#767676", "#ffffff"), 2) == 4.54
