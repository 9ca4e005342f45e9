"""The index knows where it came from: each generation records its source
folder, a plain `kavosh index` rebuilds that folder (not the sample seeds)
unless a flag, the environment or the config names another, and the summary
names the folder either way. Counts of one are singular."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from app.cli import main
from indexer.generations import CURRENT, GenerationStore
from tests.conftest import SEEDS

STORY = {"story.md": "# Story\n\nThe lighthouse keeper counted the ships every night.\n"}
OTHER = {"a.md": "One harbour.\n", "b.md": "Two harbours.\n"}
RECORDED = "the folder the live index was built from (--source DIR to index another)"


@pytest.fixture
def kavosh(settings_env):
    def run(*args: str, env: dict[str, str] | None = None):
        return CliRunner().invoke(main, list(args), env=env)

    return run


@pytest.fixture
def indexed_story(kavosh, write_corpus, tmp_path):
    """An index built from the story folder with `--source`."""
    source = write_corpus(STORY, folder="notes")
    index = tmp_path / "index"
    first = kavosh("index", "--source", str(source), "--index", str(index))
    assert first.exit_code == 0, first.output
    return source, index


def first_line_after_notes(output: str) -> str:
    return next(line for line in output.splitlines() if line.startswith("Indexed "))


class TestRecordedSource:
    def test_each_generation_records_its_folder(self, indexed_story):
        source, index = indexed_story
        assert GenerationStore(index).manifest()["source_dir"] == str(source)

    def test_a_plain_rebuild_reads_the_recorded_folder(self, kavosh, indexed_story):
        source, index = indexed_story
        (source / "more.md").write_text("# More\n\nThe keeper's daughter rang the bell.\n")
        again = kavosh("index", "--index", str(index))
        assert again.exit_code == 0, again.output
        assert again.output.splitlines()[0] == f"Rebuilding {source}, {RECORDED}."
        assert first_line_after_notes(again.output).startswith("Indexed 2 documents, 2 passages")
        assert f" from {source} in " in again.output
        assert (index / CURRENT).read_text().strip() == "gen-000002"

    def test_the_flag_beats_the_recorded_folder(self, kavosh, indexed_story, write_corpus):
        _, index = indexed_story
        other = write_corpus(OTHER, folder="other")
        again = kavosh("index", "--source", str(other), "--index", str(index))
        assert again.exit_code == 0, again.output
        assert again.output.startswith(f"Indexed 2 documents, 2 passages, 4 words from {other} ")
        assert GenerationStore(index).manifest()["source_dir"] == str(other)

    def test_the_environment_beats_the_recorded_folder(self, kavosh, indexed_story, write_corpus):
        _, index = indexed_story
        other = write_corpus(OTHER, folder="other")
        again = kavosh("index", "--index", str(index), env={"KAVOSH_SOURCE_DIR": str(other)})
        assert again.exit_code == 0, again.output
        assert "Rebuilding" not in again.output
        assert f" from {other} in " in again.output

    def test_the_config_beats_the_recorded_folder(
        self, kavosh, indexed_story, write_corpus, settings_env
    ):
        _, index = indexed_story
        other = write_corpus(OTHER, folder="other")
        (settings_env / "config.py").write_text(f"SOURCE_DIR = {str(other)!r}\n")
        again = kavosh("index", "--index", str(index))
        assert again.exit_code == 0, again.output
        assert f" from {other} in " in again.output

    def test_without_an_index_the_default_is_the_seeds(self, kavosh, tmp_path):
        built = kavosh("index", "--index", str(tmp_path / "fresh"))
        assert built.exit_code == 0, built.output
        assert f" from {SEEDS} in " in built.output
        assert "Rebuilding" not in built.output

    def test_a_recorded_folder_that_is_gone_is_one_line_and_keeps_the_index(
        self, kavosh, indexed_story
    ):
        source, index = indexed_story
        shutil.rmtree(source)
        again = kavosh("index", "--index", str(index))
        assert again.exit_code == 1
        assert again.output.splitlines()[-1] == (
            f"Error: source folder {source} does not exist or is not a folder: it is {RECORDED}"
        )
        assert (index / CURRENT).read_text().strip() == "gen-000001"


class TestPlurals:
    def test_one_document_one_passage_one_word(self, kavosh, write_corpus, tmp_path):
        source = write_corpus({"word.txt": "Lighthouse\n"})
        built = kavosh("index", "--source", str(source), "--index", str(tmp_path / "index"))
        assert built.exit_code == 0, built.output
        assert built.output.startswith(f"Indexed 1 document, 1 passage, 1 word from {source} in ")

    def test_one_search_result(self, kavosh, write_corpus, tmp_path):
        source = write_corpus(STORY)
        index = tmp_path / "index"
        assert kavosh("index", "--source", str(source), "--index", str(index)).exit_code == 0
        found = kavosh("search", "lighthouse", "--index", str(index))
        assert found.exit_code == 0, found.output
        assert found.output.startswith("1 passage for 'lighthouse' (")
        documents = kavosh("search", "lighthouse", "--documents", "--index", str(index))
        assert documents.output.startswith("1 document for 'lighthouse' (")

    def test_the_home_page_says_1_passage(self, settings_env, write_corpus, tmp_path):
        from bs4 import BeautifulSoup

        from app import create_app

        source = write_corpus({"one.md": "# One\n\nA single passage about a foghorn.\n"})
        index = tmp_path / "index"
        assert CliRunner().invoke(main, ["index", "--source", str(source), "--index", str(index)])
        client = create_app({"TESTING": True, "INDEX_DIR": index}).test_client()
        page = BeautifulSoup(client.get("/").data, "html.parser")
        assert page.select_one("ul.documents .meta").get_text(strip=True) == "1 passage"
        assert json.loads(client.get("/api/documents").data)["documents"][0]["passages"] == 1
