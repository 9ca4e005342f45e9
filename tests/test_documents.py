"""`group=document`: one result per document, documents ranked as a whole.

The corpus is built so that the two ways of ranking disagree: `notes.md` has
the single best *passage* for "quasar telescope" (a short one that says
"quasar" twice, in a long document), while `survey.md` is the only *document*
that holds both words, in two different passages.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from app.cli import main
from app.search import SearchService
from app.search.errors import QueryError
from indexer.build import build_index
from tests.conftest import make_app

FILLER = " ".join(["The committee met again and read the minutes of the last meeting."] * 8)
CORPUS = {
    "survey.md": (
        "# A survey of the night sky\n\n"
        "## Objects\n\n"
        "One quasar was catalogued this year, far away and faint.\n\n"
        "## Instruments\n\n"
        "The new telescope arrived in spring, late and over budget.\n"
    ),
    "notes.md": (
        "# Notes\n\nQuasar: a quasar, a bright quasar.\n\n"
        + "".join(f"## Meeting {n}\n\n{FILLER}\n\n" for n in range(1, 5))
    ),
    "gardens.md": "# Gardens\n\nRoses and tulips. The telescope of the gardener is a hose.\n",
    "unrelated.md": "# Cooking\n\nBread needs flour, water and time.\n",
}


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    root = tmp_path_factory.mktemp("documents")
    source = root / "corpus"
    source.mkdir()
    for name, text in CORPUS.items():
        (source / name).write_text(text, "utf-8")
    build_index(source, root / "index")
    searcher = SearchService(root / "index")
    yield searcher
    searcher.close()


def files(results) -> list[str]:
    return [hit.citation.file for hit in results.hits]


def test_passages_and_documents_rank_differently(service):
    passages = service.search("quasar telescope", per_page=20)
    documents = service.search("quasar telescope", per_page=20, group="document")
    assert files(passages)[0] == "notes.md"
    assert files(documents)[0] == "survey.md"


def test_one_hit_per_document_and_total_counts_documents(service):
    passages = service.search("quasar telescope", per_page=100)
    documents = service.search("quasar telescope", per_page=100, group="document")
    assert sorted(files(documents)) == sorted(set(files(passages)))
    assert documents.total == len(set(files(passages))) == 3
    assert passages.total == len(passages.hits) > documents.total


def test_each_document_shows_its_best_passage(service):
    passages = service.search("quasar", per_page=100)
    first_of_each: dict[str, str] = {}
    for hit in passages.hits:
        first_of_each.setdefault(hit.citation.file, hit.id)
    documents = service.search("quasar", per_page=100, group="document")
    assert {h.citation.file: h.id for h in documents.hits} == first_of_each
    assert all("<mark>" in h.excerpt for h in documents.hits)


def test_paging_over_documents(service):
    every = files(service.search("quasar telescope", per_page=100, group="document"))
    pages = [
        files(service.search("quasar telescope", page=n, per_page=1, group="document"))
        for n in (1, 2, 3, 4)
    ]
    assert [p[0] for p in pages[:3]] == every
    assert pages[3] == []


def test_filters_and_exclusions_apply_before_grouping(service):
    results = service.search("telescope -hose", per_page=100, group="document")
    assert files(results) == ["survey.md"]
    results = service.search("quasar", per_page=100, group="document", sources=["notes.md"])
    assert files(results) == ["notes.md"]


@pytest.mark.parametrize("query", ["xylophonequartz", "quasar -quasar", "source:nowhere.md quasar"])
def test_nothing_matched_is_an_empty_page(service, query):
    results = service.search(query, group="document")
    assert results.total == 0 and results.hits == []


def test_unknown_grouping_is_refused(service):
    with pytest.raises(QueryError, match="group must be one of"):
        service.search("quasar", group="paragraph")


def test_api_and_cli_group_by_document(service, settings_env, tmp_path):
    index_dir = service.location
    client = make_app(tmp_path / "unused", index_dir).test_client()
    body = client.get("/api/search?q=quasar+telescope&group=document&per_page=5").get_json()
    assert [r["citation"]["file"] for r in body["results"]][0] == "survey.md"
    assert body["total"] == 3
    bad = client.get("/api/search?q=quasar&group=file")
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "bad_group"
    printed = CliRunner().invoke(
        main, ["search", "quasar telescope", "--documents", "--index", str(index_dir)]
    )
    assert printed.exit_code == 0, printed.output
    assert printed.output.startswith("3 documents for 'quasar telescope'")
    assert printed.output.index("survey.md") < printed.output.index("notes.md")
