"""The API as a reader who knows Meilisearch or Typesense uses it (issue #16):
queries pasted as typed (`--save-dev`, `e-mail`, a whole abstract), notes on
how a query was read, unknown parameters refused by name, `limit`/`offset`,
`total_pages`, `processing_time_ms`, per-hit `matched_terms`, `facet_limit`,
facets that count what `total` counts, scores that never rise down the ranks,
a Tags facet and filter, a code passage's language, and excerpt punctuation.

Real indexes: the seeds plus the vivid files (`client`), and a small corpus
of Markdown notes with front matter tags and code (`notes`).
"""

from __future__ import annotations

import html
import re

import pytest

from app.search.request import MAX_QUERY_CHARS, MAX_TERMS
from indexer.build import build_index
from tests.conftest import make_app
from tests.test_api import assert_error

NPM = """---
title: Setting up the front end
tags: [javascript, tooling]
---
# Installing

Install the test runner as a development dependency, never for production:

```sh
npm install --save-dev jest
```

Then save the development settings file and commit it.
"""
CLICK = """---
title: Options in Click
tags: [python, tooling]
---
# Flags

A flag such as `--verbose` is a boolean option; an option like
`--string-to-echo` takes a value. Send questions by e-mail to the authors.

```python
@click.option("--shout/--no-shout", default=False)
def hello(shout):
    click.echo("Hello")
```
"""
PLAIN = """# A note without tags

The development team met on day -1 of the release, before the save.
"""

CHAPTERS = "# Chapters\n\n" + "".join(
    f"## Part {n}\n\nChapter {n} of the long story.\n\n" for n in range(1, 26)
)


@pytest.fixture(scope="module")
def notes(tmp_path_factory):
    root = tmp_path_factory.mktemp("notes")
    (root / "corpus").mkdir()
    for name, text in {
        "npm.md": NPM,
        "click.md": CLICK,
        "plain.md": PLAIN,
        "chapters.md": CHAPTERS,
    }.items():
        (root / "corpus" / name).write_text(text, "utf-8")
    build_index(root / "corpus", root / "index")
    return root / "corpus", root / "index"


@pytest.fixture
def notes_client(settings_env, notes):
    return make_app(*notes).test_client()


def search(client, **params) -> dict:
    response = client.get("/api/search", query_string=params)
    assert response.status_code == 200, response.data[:500]
    return response.get_json()


def files(body: dict) -> list[str]:
    return [hit["citation"]["file"] for hit in body["results"]]


# -- queries as people paste them -------------------------------------------------


class TestPastedQueries:
    def test_an_option_alone_finds_the_passage_that_holds_it(self, notes_client):
        body = search(notes_client, q="--save-dev")
        assert body["total"] >= 1 and body["notes"] == []
        assert "--save-dev" in body["results"][0]["text"]
        assert "<mark>save-dev</mark>" in body["results"][0]["excerpt"]

    def test_a_pasted_command_finds_the_passage_that_holds_it(self, notes_client):
        body = search(notes_client, q="npm install --save-dev")
        assert body["notes"] == []
        assert "npm install --save-dev jest" in body["results"][0]["text"]

    def test_a_minus_before_a_word_excludes_it_and_says_so(self, client):
        plain = search(client, q="Koorosh", per_page=100)
        without = search(client, q="Koorosh -Modarresi", per_page=100)
        assert any("Modarresi" in hit["text"] for hit in plain["results"])
        assert without["total"] and not any("Modarresi" in h["text"] for h in without["results"])
        assert without["notes"] == [
            "Passages with “Modarresi” were left out: a minus sign (or NOT) before a word "
            "excludes it."
        ]

    def test_a_hyphen_inside_a_word_is_part_of_it(self, notes_client):
        body = search(notes_client, q="e-mail")
        assert files(body) == ["click.md"] and body["notes"] == []

    def test_a_minus_before_a_number_is_searched(self, notes_client):
        body = search(notes_client, q="day -1")
        assert files(body)[0] == "plain.md" and body["notes"] == []

    def test_a_pasted_abstract_is_cut_to_its_first_terms_with_a_note(self, client):
        words = ("Mansoor Hekmat founded the Worker-communist Party of Iran and wrote "
                 "about freedom equality and the rights of women ").split()  # fmt: skip
        abstract = " ".join(words[i % len(words)] for i in range(2000))[:3000]
        assert len(abstract) == 3000
        body = search(client, q=abstract)
        assert body["total"] > 0
        dropped = len(abstract.split()) - MAX_TERMS
        assert body["notes"] == [
            f"The query is long: its first {MAX_TERMS} terms were searched and the other "
            f"{dropped:,} left out."
        ]

    def test_a_query_past_the_limit_is_refused_in_the_error_shape(self, client):
        response = client.get("/api/search", query_string={"q": "a " * (MAX_QUERY_CHARS // 2 + 1)})
        message = assert_error(response, 400, "query_too_long")["message"]
        assert f"{MAX_QUERY_CHARS:,}" in message

    def test_the_command_line_shows_the_notes(self, seeds_index, settings_env):
        from click.testing import CliRunner

        from app.cli import main

        result = CliRunner().invoke(
            main, ["search", "Koorosh -Modarresi", "--index", str(seeds_index[0])]
        )
        assert result.exit_code == 0, result.output
        assert "Note: Passages with “Modarresi” were left out" in result.output

    def test_the_page_shows_the_notes(self, client):
        page = client.get("/search", query_string={"q": "Koorosh -Modarresi"})
        assert page.status_code == 200
        assert "Passages with “Modarresi” were left out" in page.get_data(as_text=True)
        long = client.get("/search", query_string={"q": "party women " * 40})
        assert long.status_code == 200
        assert f"its first {MAX_TERMS} terms were searched" in long.get_data(as_text=True)


# -- parameters -----------------------------------------------------------------------


class TestParameters:
    @pytest.mark.parametrize(
        ("url", "names"),
        [
            ("/api/search?q=foghorn&limt=1", ["limt"]),
            ("/api/search?q=foghorn&sort=date&hitsPerPage=3", ["hitsPerPage", "sort"]),
            ("/api/suggest?q=fo&limit=3", ["limit"]),
        ],
    )
    def test_unknown_parameters_are_refused_naming_the_known_ones(self, client, url, names):
        message = assert_error(client.get(url), 400, "unknown_parameter")["message"]
        for name in names:
            assert f"`{name}`" in message
        known = ["q"] if url.startswith("/api/suggest") else ["q", "per_page", "limit", "offset"]
        assert all(f"`{name}`" in message.partition("takes")[2] for name in known)

    def test_limit_is_per_page(self, client):
        assert len(search(client, q="party", limit=1)["results"]) == 1
        body = search(client, q="party", limit=3)
        assert (body["per_page"], body["limit"], len(body["results"])) == (3, 3, 3)

    def test_offset_need_not_be_a_multiple_of_limit(self, client):
        everything = [hit["id"] for hit in search(client, q="party", per_page=20)["results"]]
        body = search(client, q="party", offset=3, limit=4)
        assert [hit["id"] for hit in body["results"]] == everything[3:7]
        assert [hit["rank"] for hit in body["results"]] == [4, 5, 6, 7]
        assert (body["offset"], body["page"]) == (3, 1)

    def test_page_and_per_page_still_page(self, client):
        everything = [hit["id"] for hit in search(client, q="party", per_page=20)["results"]]
        body = search(client, q="party", page=2, per_page=5)
        assert [hit["id"] for hit in body["results"]] == everything[5:10]
        assert body["offset"] == 5
        assert body["total_pages"] == -(-body["total"] // 5)

    @pytest.mark.parametrize(
        ("params", "code"),
        [
            ({"page": "2", "offset": "3"}, "page_and_offset"),
            ({"page": "1", "offset": "0"}, "page_and_offset"),
            ({"per_page": "5", "limit": "5"}, "per_page_and_limit"),
            ({"offset": "-1"}, "bad_offset"),
            ({"offset": "x"}, "bad_offset"),
            ({"limit": "0"}, "bad_per_page"),
            ({"limit": "101"}, "bad_per_page"),
            ({"facet_limit": "0"}, "bad_facet_limit"),
        ],
    )
    def test_conflicts_and_bad_values_are_400(self, client, params, code):
        assert_error(client.get("/api/search", query_string={"q": "party", **params}), 400, code)

    def test_no_results_have_no_pages(self, client):
        body = search(client, q="xylophonequartz")
        assert (body["total"], body["total_pages"]) == (0, 0)

    def test_processing_time(self, client):
        body = search(client, q="party")
        assert isinstance(body["processing_time_ms"], int)
        assert body["processing_time_ms"] == round(body["took_ms"])


# -- what an answer carries -------------------------------------------------------------


class TestAnswers:
    def test_each_hit_lists_the_words_it_matched(self, client):
        body = search(client, q="Hekmat died", per_page=20)
        for hit in body["results"]:
            marks = re.findall(r"<mark>(.*?)</mark>", hit["excerpt"])
            marked = {html.unescape(m).casefold() for m in marks}
            matched = {term.casefold() for term in hit["matched_terms"]}
            assert matched and marked <= matched
            assert all(t.casefold() in (hit["title"] + hit["text"]).casefold() for t in matched)
        assert any({"Hekmat", "died"} <= set(h["matched_terms"]) for h in body["results"])

    def test_facet_limit_sets_how_many_values_a_facet_lists(self, client, notes_client):
        everything = search(client, q="party OR foghorn OR bollard")["facets"]
        assert len(everything["source"]) == 4
        two = search(client, q="party OR foghorn OR bollard", facet_limit=2)["facets"]
        assert two["source"] == everything["source"][:2]
        assert two["section"] == everything["section"][:2]
        assert len(search(notes_client, q="chapter")["facets"]["section"]) == 20  # the default
        wide = search(notes_client, q="chapter", facet_limit=100)["facets"]["section"]
        assert len(wide) == 25 and {v["count"] for v in wide} == {1}

    def test_grouped_by_document_facets_count_documents(self, client):
        body = search(client, q="party", group="document", per_page=100)
        assert sum(v["count"] for v in body["facets"]["source"]) == body["total"]
        passages = search(client, q="party", per_page=100)
        assert sum(v["count"] for v in passages["facets"]["source"]) == passages["total"]
        assert passages["total"] > body["total"]

    @pytest.mark.parametrize(
        "query", ["Koorosh Modarresi", "Koroosh Modarresi", "party women", "Hekmat", "iran"]
    )
    def test_scores_never_rise_as_rank_falls(self, client, query):
        scores = []
        for page in (1, 2, 3):
            scores += [
                h["score"] for h in search(client, q=query, page=page, per_page=2)["results"]
            ]
        assert len(scores) >= 3
        assert scores == sorted(scores, reverse=True)

    @pytest.mark.parametrize(
        "query", ["party OR foghorn OR bollard", "Koroosh OR harbour OR foghorn"]
    )
    def test_document_scores_never_rise_as_rank_falls(self, client, query):
        scores = []
        for page in (1, 2, 3):
            body = search(client, q=query, page=page, per_page=1, group="document")
            scores += [hit["score"] for hit in body["results"]]
        assert len(scores) == 3
        assert scores == sorted(scores, reverse=True)

    def test_a_tiered_query_shows_the_tiers_in_its_scores(self, client):
        """ "Koorosh Modarresi": both words exactly, both allowing a typo, then
        either one: the issue's rank 2 scored 9.08 and rank 3 18.44."""
        scores = [hit["score"] for hit in search(client, q="Koorosh Modarresi")["results"]]
        assert scores[0] > 2000 > scores[1] > 1000 > scores[-1]

    def test_excerpts_never_end_in_a_full_stop_then_an_ellipsis(self, client):
        excerpts = [
            hit["excerpt"]
            for query in ("party", "Hekmat", "Iran", "women", "communist")
            for hit in search(client, q=query, per_page=50)["results"]
        ]
        assert any(e.endswith(". …") for e in excerpts)  # cut after a sentence
        assert not [e for e in excerpts if e.endswith((".…", "…."))]


# -- tags and code ------------------------------------------------------------------------


class TestTagsAndCode:
    def test_a_tags_facet_counts_the_matched_passages(self, notes_client):
        tagged = {"npm.md": {"javascript", "tooling"}, "click.md": {"python", "tooling"}}
        for query in ("development", "option OR development OR flag", "chapter"):
            body = search(notes_client, q=query, per_page=100)
            expected: dict[str, int] = {}
            for name in files(body):
                for tag in tagged.get(name, ()):
                    expected[tag] = expected.get(tag, 0) + 1
            counted = body["facets"]["tags"]
            assert {v["value"]: v["count"] for v in counted} == expected, query
            assert [v["count"] for v in counted] == sorted(expected.values(), reverse=True)

    def test_the_tags_facet_counts_documents_when_grouped(self, notes_client):
        body = search(notes_client, q="option OR development OR flag OR click", group="document")
        tags = {v["value"]: v["count"] for v in body["facets"]["tags"]}
        assert tags == {"tooling": 2, "javascript": 1, "python": 1}

    def test_a_tags_filter(self, notes_client):
        body = search(notes_client, q="development", tags="python")
        assert body["total"] == 0
        body = search(notes_client, q="development OR option", tags="javascript")
        assert set(files(body)) == {"npm.md"}
        either = search(notes_client, q="development OR option", tags="javascript,python")
        assert set(files(either)) == {"npm.md", "click.md"}

    def test_a_code_passage_says_its_language(self, notes_client):
        body = search(notes_client, q="npm install --save-dev")
        code = [hit for hit in body["results"] if "npm install" in hit["text"]]
        assert code and code[0]["language"] == "sh"
        prose = search(notes_client, q="production")["results"][0]
        assert prose["language"] is None
