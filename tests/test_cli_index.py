"""`kavosh index` as a user runs it: the summary, the exit status (0 indexed,
3 files of a readable type failed, 1 failure), --strict, --exclude,
--if-missing, an empty folder refused, a new user's mixed docs folder, and
where settings come from (flag, then KAVOSH_* environment, then defaults)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import pytest
from click.testing import CliRunner

from app.cli import main
from indexer.generations import CURRENT
from indexer.sources import readable
from tests.conftest import PROJECT, SEEDS
from tests.live_server import LiveServer

STORY = {"story.md": "# Story\n\nThe lighthouse keeper counted the ships every night.\n"}
SUMMARY = re.compile(
    r"^Indexed (?P<documents>[\d,]+) documents?, (?P<passages>[\d,]+) passages?, "
    r"(?P<words>[\d,]+) words? from (?P<source>.+) in \d+\.\d s\.$"
)


@pytest.fixture
def kavosh(settings_env):
    """Run `kavosh …` in-process; returns the click Result."""

    def run(*args: str, env: dict[str, str] | None = None):
        return CliRunner().invoke(main, list(args), env=env)

    return run


def summary_of(output: str) -> re.Match:
    match = SUMMARY.match(output.splitlines()[0])
    assert match, output
    return match


class TestSummary:
    def test_seeds_summary_and_exit_0(self, kavosh, tmp_path):
        index_dir = tmp_path / "index"
        result = kavosh("index", "--source", str(SEEDS), "--index", str(index_dir))
        assert result.exit_code == 0, result.output
        summary = summary_of(result.output)
        assert (summary["documents"], summary["passages"], summary["source"]) == (
            "2",
            "46",
            str(SEEDS),
        )
        assert result.output.splitlines()[1] == f"Generation gen-000001 is live in {index_dir}."
        assert len(result.output.splitlines()) == 2

    def test_as_a_real_subprocess(self, settings_env, tmp_path):
        index_dir = tmp_path / "index"
        done = subprocess.run(
            [str(PROJECT / ".venv/bin/kavosh"), "index", "--source", str(SEEDS)]
            + ["--index", str(index_dir)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert summary_of(done.stdout)["passages"] == "46"
        assert "Traceback" not in done.stderr
        assert (index_dir / CURRENT).read_text().strip() == "gen-000001"


class TestExitStatus:
    def test_3_when_files_are_skipped_each_listed_with_its_reason(
        self, kavosh, write_corpus, tmp_path
    ):
        source = write_corpus({**STORY, "empty.txt": "", "legacy.txt": "café\n".encode("cp1252")})
        result = kavosh("index", "--source", str(source), "--index", str(tmp_path / "index"))
        assert result.exit_code == 3, result.output
        assert result.output.splitlines()[2:] == [
            "Warning: legacy.txt: not valid UTF-8: read as cp1252",
            "Skipped 1 file:",
            "  empty.txt: empty file",
        ]
        assert (tmp_path / "index" / CURRENT).exists()

    def test_1_with_one_line_when_the_source_folder_is_missing(self, kavosh, tmp_path):
        missing = tmp_path / "nowhere"
        result = kavosh("index", "--source", str(missing), "--index", str(tmp_path / "index"))
        assert result.exit_code == 1
        assert result.output == (
            f"Error: source folder {missing} does not exist or is not a folder\n"
        )

    def test_1_with_one_line_as_a_real_subprocess(self, settings_env, tmp_path):
        done = subprocess.run(
            [str(PROJECT / ".venv/bin/kavosh"), "index", "--source", str(tmp_path / "nowhere")]
            + ["--index", str(tmp_path / "index")],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 1
        assert done.stdout == ""
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert done.stderr.startswith("Error: source folder ")


class TestStrict:
    def test_a_skipped_file_fails_the_build_and_keeps_the_old_index(
        self, kavosh, write_corpus, tmp_path
    ):
        source = write_corpus(STORY)
        index_dir = tmp_path / "index"
        assert kavosh("index", "--source", str(source), "--index", str(index_dir)).exit_code == 0
        (source / "empty.txt").write_text("")
        result = kavosh("index", "--strict", "--source", str(source), "--index", str(index_dir))
        assert result.exit_code == 1
        assert result.output == (
            "Error: 1 file could not be indexed (empty.txt); --strict keeps the previous index\n"
        )
        assert (index_dir / CURRENT).read_text().strip() == "gen-000001"
        assert sorted(p.name for p in index_dir.iterdir() if not p.name.startswith(".")) == [
            CURRENT,
            "gen-000001",
        ]

    def test_a_clean_corpus_passes(self, kavosh, write_corpus, tmp_path):
        source = write_corpus(STORY)
        result = kavosh("index", "--strict", "--source", str(source), "--index", str(tmp_path))
        assert result.exit_code == 0, result.output


class TestTypesNotRead:
    def test_counted_in_one_summary_line_and_exit_0(self, kavosh, write_corpus, tmp_path):
        source = write_corpus(
            {
                **STORY,
                "img/a.png": b"\x89PNG\r\n\x1a\n",
                "img/b.png": b"\x89PNG\r\n\x1a\n",
                "img/logo.svg": "<svg/>",
                "conf.py": "project = 'story'\n",
            }
        )
        result = kavosh("index", "--strict", "--source", str(source), "--index", str(tmp_path))
        assert result.exit_code == 0, result.output
        assert result.output.splitlines()[2:] == [
            "Not read (types Kavosh does not read): 2 .png, 1 .py, 1 .svg."
        ]

    def test_strict_fails_only_on_a_readable_file_that_failed(self, kavosh, write_corpus, tmp_path):
        source = write_corpus({**STORY, "photo.png": b"\x89PNG\r\n\x1a\n"})
        shutil.copy(PROJECT / "tests" / "data" / "pdf" / "scanned.pdf", source)
        result = kavosh("index", "--source", str(source), "--index", str(tmp_path / "index"))
        assert result.exit_code == 3, result.output
        assert result.output.splitlines()[2:] == [
            "Not read (types Kavosh does not read): 1 .png.",
            "Skipped 1 file:",
            "  scanned.pdf: no text layer (scanned?)",
        ]
        strict = kavosh("index", "--strict", "--source", str(source), "--index", str(tmp_path))
        assert strict.exit_code == 1
        assert "(scanned.pdf); --strict keeps the previous index" in strict.output


class TestExclude:
    def test_exclude_is_repeatable_and_adds_to_kavoshignore(self, kavosh, write_corpus, tmp_path):
        source = write_corpus(
            {
                **STORY,
                ".kavoshignore": "drafts/\n",
                "drafts/idea.md": "# Idea\n\nThe albatross plan, not ready.\n",
                "old/notes.md": "# Old\n\nThe albatross of last year.\n",
                "scratch.md": "# Scratch\n\nAn albatross doodle.\n",
            }
        )
        index_dir = tmp_path / "index"
        args = ["index", "--source", str(source), "--index", str(index_dir)]
        result = kavosh(*args, "--exclude", "old/", "--exclude", "scratch.*")
        assert result.exit_code == 0, result.output
        assert summary_of(result.output)["documents"] == "1"
        found = kavosh("search", "albatross", "--json", "--index", str(index_dir))
        assert json.loads(found.output)["total"] == 0


class TestEmptyFolder:
    def test_refused_with_exit_1_and_the_previous_generation_stays_live(
        self, kavosh, write_corpus, tmp_path
    ):
        source = write_corpus(STORY)
        index_dir = tmp_path / "index"
        assert kavosh("index", "--source", str(source), "--index", str(index_dir)).exit_code == 0
        (source / "story.md").unlink()
        (source / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
        result = kavosh("index", "--source", str(source), "--index", str(index_dir))
        assert result.exit_code == 1
        assert result.output == (
            f"Error: nothing to index: no file in {source} yielded a passage (1 file of a type "
            "Kavosh does not read); the previous index, if any, is kept\n"
        )
        assert (index_dir / CURRENT).read_text().strip() == "gen-000001"
        found = kavosh("search", "lighthouse", "--json", "--index", str(index_dir))
        assert json.loads(found.output)["total"] == 1

    def test_an_empty_folder_publishes_nothing(self, kavosh, tmp_path):
        (tmp_path / "empty").mkdir()
        index_dir = tmp_path / "index"
        result = kavosh("index", "--source", str(tmp_path / "empty"), "--index", str(index_dir))
        assert result.exit_code == 1
        assert "nothing to index" in result.output
        assert not (index_dir / CURRENT).exists()


class TestANewUsersDocsFolder:
    """`kavosh index` on a documentation folder as people have them."""

    def test_skips_no_readable_file_and_sums_up_the_rest_in_one_line(
        self, kavosh, write_corpus, tmp_path
    ):
        data = PROJECT / "tests" / "data"
        files = {
            "README.md": "# Lantern\n\nLantern lights a path through your notes.\n",
            "docs/index.html": (
                "<!doctype html><html><head><title>Lantern docs</title></head><body>"
                "<h1>Lantern docs</h1><p>Start with the quickstart page.</p></body></html>"
            ),
            "docs/quickstart.txt": "Install Lantern, then point it at a folder of notes.\n",
            "docs/conf.py": "project = 'Lantern'\nextensions = []\n",
            "docs/_static/logo.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
            "docs/img/screen.png": b"\x89PNG\r\n\x1a\n",
            "docs/img/diagram.png": b"\x89PNG\r\n\x1a\n",
            "node_modules/lantern-ui/README.md": "# lantern-ui\n\nNot the user's writing.\n",
        }
        if readable("usage.rst"):
            files["docs/usage.rst"] = "Usage\n=====\n\nRun ``lantern serve`` to browse.\n"
        source = write_corpus(files)
        shutil.copy(data / "pdf" / "why-click.pdf", source / "docs")
        shutil.copy(data / "docx" / "parameters.docx", source / "docs")
        expected = {
            os.path.relpath(os.path.join(folder, name), source)
            for folder, _, names in os.walk(source)
            for name in names
            if readable(name) and "node_modules" not in folder
        }
        index_dir = tmp_path / "index"
        result = kavosh("index", "--source", str(source), "--index", str(index_dir))
        assert result.exit_code == 0, result.output
        assert summary_of(result.output)["documents"] == str(len(expected))
        lines = result.output.splitlines()
        not_read = [line for line in lines if line.startswith("Not read")]
        assert not_read == ["Not read (types Kavosh does not read): 2 .png, 1 .py, 1 .svg."]
        assert len(lines) == 3 and "Skipped" not in result.output
        documents = json.loads((index_dir / "gen-000001" / "documents.json").read_text())
        assert {d["path"] for d in documents} == expected
        hit = kavosh("search", "Docopt composability", "--json", "--index", str(index_dir))
        citation = json.loads(hit.output)["results"][0]["citation"]
        assert citation["file"] == "docs/why-click.pdf" and citation["page"] >= 1


class TestIfMissing:
    def test_builds_only_when_there_is_no_index(self, kavosh, write_corpus, tmp_path):
        source = write_corpus(STORY)
        index_dir = tmp_path / "index"
        args = ("index", "--if-missing", "--source", str(source), "--index", str(index_dir))
        first = kavosh(*args)
        assert first.exit_code == 0 and summary_of(first.output)["documents"] == "1"
        second = kavosh(*args)
        assert second.exit_code == 0
        assert second.output == f"Index present in {index_dir} (gen-000001).\n"
        assert (index_dir / CURRENT).read_text().strip() == "gen-000001"

    def test_rebuilds_an_index_of_another_version(self, kavosh, write_corpus, tmp_path):
        """After an upgrade that changed the index format, `make run` rebuilds
        rather than serving an index the search core refuses."""
        source = write_corpus(STORY)
        index_dir = tmp_path / "index"
        args = ("index", "--if-missing", "--source", str(source), "--index", str(index_dir))
        assert kavosh(*args).exit_code == 0
        manifest_path = index_dir / "gen-000001" / "manifest.json"
        manifest = json.loads(manifest_path.read_text("utf-8"))
        manifest_path.write_text(json.dumps({**manifest, "schema_version": 1}), "utf-8")
        again = kavosh(*args)
        assert again.exit_code == 0, again.output
        assert "built by another version of Kavosh: rebuilding it" in again.output
        assert (index_dir / CURRENT).read_text().strip() == "gen-000002"

    def test_serve_rebuilds_an_index_of_another_version(self, kavosh, write_corpus, tmp_path):
        """`kavosh serve` alone (no `make run`) serves after an upgrade too."""
        source = write_corpus(STORY)
        index_dir = tmp_path / "index"
        assert kavosh("index", "--source", str(source), "--index", str(index_dir)).exit_code == 0
        manifest_path = index_dir / "gen-000001" / "manifest.json"
        manifest = json.loads(manifest_path.read_text("utf-8"))
        manifest_path.write_text(json.dumps({**manifest, "schema_version": 1}), "utf-8")
        with LiveServer(index_dir, source, workers=1) as server:
            status, _, body = server.get("/api/search?q=lighthouse")
        assert status == 200 and json.loads(body)["total"] == 1
        assert (index_dir / CURRENT).read_text().strip() == "gen-000002"


class TestSettingsPrecedence:
    def test_flag_beats_environment(self, kavosh, write_corpus, tmp_path):
        from_env = write_corpus(STORY, folder="from-env")
        from_flag = write_corpus({"a.md": "One.\n", "b.md": "Two.\n"}, folder="from-flag")
        env = {"KAVOSH_SOURCE_DIR": str(from_env), "KAVOSH_INDEX_DIR": str(tmp_path / "ix")}
        result = kavosh("index", "--source", str(from_flag), env=env)
        assert result.exit_code == 0, result.output
        assert summary_of(result.output)["source"] == str(from_flag)
        assert (tmp_path / "ix" / CURRENT).exists()

    def test_environment_beats_defaults(self, kavosh, write_corpus, tmp_path):
        from_env = write_corpus(STORY, folder="from-env")
        env = {"KAVOSH_SOURCE_DIR": str(from_env), "KAVOSH_INDEX_DIR": str(tmp_path / "ix")}
        result = kavosh("index", env=env)
        assert result.exit_code == 0, result.output
        assert summary_of(result.output)["source"] == str(from_env)
        assert f"is live in {tmp_path / 'ix'}." in result.output

    def test_defaults_are_the_seeds_and_the_instance_index(self, kavosh, settings_env):
        result = kavosh("index")
        assert result.exit_code == 0, result.output
        assert summary_of(result.output)["source"] == str(SEEDS)
        assert f"is live in {settings_env / 'index'}." in result.output
