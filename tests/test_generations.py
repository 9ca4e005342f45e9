"""Index generations: a killed build never harms the live index, leftovers are
cleaned, one build runs at a time, and old generations are pruned."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time

import pytest
from click.testing import CliRunner
from whoosh import index as whoosh_index
from whoosh.qparser import QueryParser

from app.cli import main
from indexer.build import build_index
from indexer.errors import IndexLockedError
from indexer.generations import CURRENT, GenerationStore
from tests.conftest import PROJECT, WIKITEXT

STORY = {"story.md": "# Story\n\nThe lighthouse keeper counted the ships every night.\n"}


def hits(index_dir, word: str) -> int:
    """How many passages of the live generation a one-word query finds."""
    index = whoosh_index.open_dir(str(GenerationStore(index_dir).current()))
    with index.searcher() as searcher:
        query = QueryParser("text", index.schema).parse(word)
        return len(searcher.search(query))


def entries(index_dir) -> list[str]:
    return sorted(path.name for path in index_dir.iterdir())


class TestAKilledBuild:
    @pytest.mark.slow
    def test_leaves_the_previous_generation_answering(self, write_corpus, tmp_path):
        index_dir = tmp_path / "index"
        build_index(write_corpus(STORY), index_dir)
        big = tmp_path / "big"
        big.mkdir()
        for copy in range(2):
            shutil.copy(WIKITEXT / "valid.txt.gz", big / f"valid-{copy}.txt.gz")
        command = [str(PROJECT / ".venv/bin/kavosh"), "index", "--source", str(big)]
        build = subprocess.Popen(
            [*command, "--index", str(index_dir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 60
            while not any(name.startswith(".building-") for name in entries(index_dir)):
                assert build.poll() is None, "the build ended before it could be killed"
                assert time.monotonic() < deadline
                time.sleep(0.05)
            time.sleep(1.0)  # well into the build, which takes several seconds
        finally:
            os.kill(build.pid, signal.SIGKILL)
            build.wait()
        assert build.returncode == -signal.SIGKILL
        assert (index_dir / CURRENT).read_text().strip() == "gen-000001"
        assert hits(index_dir, "lighthouse") == 1
        leftovers = [name for name in entries(index_dir) if name.startswith(".building-")]
        assert len(leftovers) == 1

        report = build_index(write_corpus(STORY), index_dir)
        assert report.removed_leftovers == leftovers
        assert not any(name.startswith(".building-") for name in entries(index_dir))
        assert hits(index_dir, "lighthouse") == 1


class TestLeftovers:
    def test_next_build_removes_them_and_says_so(self, write_corpus, tmp_path):
        index_dir = tmp_path / "index"
        source = write_corpus(STORY)
        build_index(source, index_dir)
        (index_dir / ".building-000002-4242").mkdir()
        (index_dir / ".building-000002-4242" / "_MAIN_0.toc").write_bytes(b"half")
        result = CliRunner().invoke(
            main, ["index", "--source", str(source), "--index", str(index_dir)]
        )
        assert result.exit_code == 0, result.output
        assert "Removed 1 unfinished build." in result.output
        assert not (index_dir / ".building-000002-4242").exists()


class TestTheLock:
    def test_a_second_build_waits_then_fails_with_one_line(self, write_corpus, tmp_path):
        index_dir = tmp_path / "index"
        source = write_corpus(STORY)
        build_index(source, index_dir)
        with GenerationStore(index_dir).lock():
            with pytest.raises(IndexLockedError):
                build_index(source, index_dir, lock_timeout=0.3)
            result = CliRunner().invoke(
                main,
                ["index", "--source", str(source), "--index", str(index_dir)]
                + ["--lock-timeout", "0.3"],
            )
        assert result.exit_code == 1
        lines = result.output.strip().splitlines()
        assert len(lines) == 1, result.output
        assert lines[0].startswith("Error: another `kavosh index` is still building")
        assert "--lock-timeout" in lines[0]
        assert "Traceback" not in result.output
        assert (index_dir / CURRENT).read_text().strip() == "gen-000001"

    def test_once_released_the_next_build_runs(self, write_corpus, tmp_path):
        index_dir = tmp_path / "index"
        source = write_corpus(STORY)
        with GenerationStore(index_dir).lock():
            pass
        assert build_index(source, index_dir, lock_timeout=0.3).generation == "gen-000001"


class TestPruning:
    def test_keeps_the_live_generation_and_the_previous_one(self, write_corpus, tmp_path):
        index_dir = tmp_path / "index"
        source = write_corpus(STORY)
        for _ in range(4):
            report = build_index(source, index_dir)
        assert report.generation == "gen-000004"
        generations = [name for name in entries(index_dir) if name.startswith("gen-")]
        assert generations == ["gen-000003", "gen-000004"]
        assert GenerationStore(index_dir).current().name == "gen-000004"
        assert hits(index_dir, "ships") == 1

    def test_a_rebuild_shows_edits_and_keeps_the_old_generation_readable(
        self, write_corpus, tmp_path
    ):
        index_dir = tmp_path / "index"
        source = write_corpus(STORY)
        build_index(source, index_dir)
        (source / "story.md").write_text("# Story\n\nThe keeper now counts whales.\n")
        build_index(source, index_dir)
        assert (hits(index_dir, "whales"), hits(index_dir, "ships")) == (1, 0)
        old = whoosh_index.open_dir(str(index_dir / "gen-000001"))
        with old.searcher() as searcher:
            assert searcher.doc_count() == 1
