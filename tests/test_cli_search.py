"""`kavosh search`: ranked passages with citations for a person, the API's
JSON for a program, and one line for any error."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from app import create_app
from app.cli import main
from tests.search_fixtures import ARTICLE

RESULT_KEYS = {
    *("id", "rank", "score", "title", "section", "speaker", "text", "excerpt", "citation"),
    *("matched_terms", "language"),
}
CITATION_KEYS = {"file", "line_start", "line_end", "char_start", "char_end", "label", "url"}
CITATION_KEYS |= {"page", "page_end"}  # null for files without pages
RESULTS_KEYS = {
    *("query", "total", "page", "per_page", "took_ms", "suggestion", "results", "facets"),
    *("total_pages", "offset", "limit", "processing_time_ms", "notes", "partial"),
}


@pytest.fixture
def search(seeds_index, settings_env):
    index_dir, _ = seeds_index

    def run(*arguments: str):
        return CliRunner().invoke(main, ["search", *arguments, "--index", str(index_dir)])

    return run


def test_human_output_has_ranked_citations_and_marked_words(search):
    result = search("when did Mansoor Hekmat die", "--limit", "2")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("6 passages for 'when did Mansoor Hekmat die' (")
    assert lines[2] == (
        f"1. Worker-communist Party of Iran › History › Foundation — {ARTICLE}, line 24"
    )
    assert "[Mansoor] [Hekmat], who [died] on July 4th, 2002." in lines[3]
    assert lines[-1] == "Page 1 of 3: --page 2 for more."


def test_human_output_names_the_speaker_and_suggests_a_spelling(search):
    result = search("Hekmatsit")
    assert result.exit_code == 0, result.output
    assert "Did you mean: Hekmatist" in result.output
    speaker = search("how many civilians were killed", "--limit", "1")
    assert "   Milad Resaeimanesh:" in speaker.output.splitlines()


def test_json_is_the_api_shape_of_the_same_results(search, seeds_index):
    result = search("Taqvaee", "--json", "--limit", "3", "--page", "2")
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert set(body) == RESULTS_KEYS
    assert {"source", "section"} <= set(body["facets"])
    assert all(set(hit) == RESULT_KEYS for hit in body["results"])
    assert all(set(hit["citation"]) == CITATION_KEYS for hit in body["results"])
    app = create_app({"INDEX_DIR": seeds_index[0]})
    expected = app.test_client().get("/api/search?q=Taqvaee&page=2&per_page=3").get_json()
    untimed = {"took_ms": 0, "processing_time_ms": 0}
    assert {**body, **untimed} == {**expected, **untimed}


def test_filters_reach_the_search_core(search):
    result = search("Iran", "--speaker", "Hein Htet Kyaw", "--json", "--limit", "100")
    speakers = {hit["speaker"] for hit in json.loads(result.output)["results"]}
    assert speakers == {"Hein Htet Kyaw"}
    sourced = search("Iran", "--source", ARTICLE, "--json", "--limit", "100")
    assert {hit["citation"]["file"] for hit in json.loads(sourced.output)["results"]} == {ARTICLE}


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ((" ",), "Error: the query is empty: type one or more words"),
        (("x" * 8001,), "Error: the query is 8,001 characters long; the limit is 8,000"),
    ],
)
def test_a_bad_query_is_one_line_without_a_traceback(search, arguments, message):
    result = search(*arguments)
    assert result.exit_code == 1
    assert result.output.strip() == message
    assert "Traceback" not in result.output


def test_a_missing_index_is_one_line_with_a_hint(settings_env, tmp_path):
    result = CliRunner().invoke(main, ["search", "Iran", "--index", str(tmp_path / "none")])
    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1
    assert "run `kavosh index`" in result.output
