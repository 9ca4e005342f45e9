"""The benchmark's scaling mode: WikiText-2 copied with titles of its own,
the sizes a user asks for, and the targets judged from a run's figures.

The full curve takes most of an hour (`make bench`); these check its parts.
"""

from __future__ import annotations

import gzip

import pytest

from bench import scaling
from bench.__main__ import parse
from bench.anchors import read_wikitext
from bench.corpora import WIKITEXT, load


class TestCopies:
    def test_a_copy_retitles_articles_and_leaves_sections(self):
        assert scaling.retitled(" = Robert Boulter = \n", " (copy 2)") == (
            " = Robert Boulter (copy 2) = \n"
        )
        assert scaling.retitled(" = = Career = = \n", " (copy 2)") == " = = Career = = \n"
        assert scaling.retitled(" He was born . \n", " (copy 2)") == " He was born . \n"
        assert scaling.title_suffix(1) == ""

    def test_two_copies_hold_the_corpus_twice_with_their_own_titles(self, tmp_path):
        base = read_wikitext(WIKITEXT)
        corpus = load("wikitext-x2", tmp_path)

        assert corpus.name == "wikitext-x2"
        assert len(corpus.units) == 2 * len(base)
        assert [u.text for u in corpus.query_units] == [p.text for p in base]
        second = corpus.units[len(base) :]
        assert {u.title for u in second} == {f"{p.title} (copy 2)" for p in base}
        assert scaling.words(corpus) == 2 * sum(len(p.text.split()) for p in base)
        copy = corpus.kavosh_source / "copy-02" / "valid.txt.gz"
        with gzip.open(copy, "rt", encoding="utf-8") as handle:
            assert " = Homarus gammarus (copy 2) = \n" in handle


class TestSizes:
    def test_sizes_default_to_one_four_eight(self):
        assert parse(["--scale"]).scale_sizes == [1, 4, 8]

    def test_sizes_are_sorted_and_unique(self):
        assert parse(["--scale", "--scale-sizes", "2,1,2"]).scale_sizes == [1, 2]

    @pytest.mark.parametrize("bad", ["", "one,two", "0,1"])
    def test_bad_sizes_are_refused(self, bad, capsys):
        with pytest.raises(SystemExit):
            parse(["--scale", "--scale-sizes", bad])
        assert "--scale-sizes" in capsys.readouterr().err


def result(copies: int, build: float, peak_mb: float, p50: float) -> dict:
    return {
        "engine": "kavosh-http",
        "status": "ok",
        "copies": copies,
        "words": copies * 2_000_000,
        "build_seconds": build,
        "build_peak_rss": 1,
        "figures": {"index_command_peak_rss": peak_mb * 1024 * 1024},
        "index_bytes": copies * 60 * 1024 * 1024,
        "latency": {"p50_ms": p50, "p95_ms": 3 * p50},
    }


class TestTargets:
    def test_each_target_says_what_was_measured(self):
        record = {
            "sizes": [1, 8],
            "results": [result(1, 50.0, 500, 10.0), result(8, 560.0, 2100, 15.0)],
        }
        assert scaling.targets(record) == [
            {
                "target": "peak build memory at 8× < 2 GB",
                "measured": "2.05 GB",
                "verdict": "missed",
            },
            {
                "target": "build time per word at 8× ≤ 1.25 × 1×'s",
                "measured": "1.40×",
                "verdict": "missed",
            },
            {"target": "HTTP p50 at 8× < 2 × 1×'s", "measured": "1.50×", "verdict": "met"},
        ]

    def test_a_failed_size_is_unknown_not_met(self):
        failed = {"engine": "kavosh-http", "status": "failed", "copies": 8, "reason": "timed out"}
        record = {"sizes": [1, 8], "results": [result(1, 50.0, 500, 10.0), failed]}
        assert {t["verdict"] for t in scaling.targets(record)} == {"unknown"}

    def test_the_table_has_a_row_per_engine_and_size(self):
        record = {
            "sizes": [1, 8],
            "date": "2026-12-01T20:00:00+00:00",
            "wall_seconds": 600,
            "load_average": {"before": [1.0, 1, 1], "after": [2.0, 1, 1]},
            "results": [result(1, 50.0, 500, 10.0), result(8, 400.0, 520, 12.0)],
        }
        lines = scaling.markdown(record, "scaling.png")
        assert "| kavosh-http | 1× | 2.0 | 50.0 | 25.0 | 500 | 60.0 | 10.00 | 30.00 |" in lines
        assert "| kavosh-http | 8× | 16.0 | 400.0 | 25.0 | 520 | 480.0 | 12.00 | 36.00 |" in lines
        assert "![p50 and build time against corpus size](scaling.png)" in lines
