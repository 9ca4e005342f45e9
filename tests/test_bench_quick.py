"""The benchmark's --quick mode runs end to end, so `make bench` cannot rot.

It runs as a user would (`python -m bench --quick`) in a subprocess, writing
into a temporary folder so the committed results stay untouched. Every engine
must be in the results: succeeded, or failed with a reason.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench.engines import ENGINES

REPO = Path(__file__).resolve().parent.parent
# Generous: Kavosh builds the quick corpus twice (in process and via `kavosh index`).
TIMEOUT = 900


def test_quick_benchmark_reports_every_engine(tmp_path):
    output, workdir = tmp_path / "out", tmp_path / "work"
    committed = _committed_results()
    command = [sys.executable, "-m", "bench", "--quick", "--output", output, "--workdir", workdir]
    run = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=TIMEOUT)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]

    record = json.loads((output / "results.json").read_text())
    assert record["quick"] is True
    by_engine = {result["engine"]: result for result in record["results"]}
    assert sorted(by_engine) == sorted(ENGINES), run.stdout
    for name, result in by_engine.items():
        assert result["corpus"] == "scifact"
        if result["status"] == "ok":
            assert 0.0 <= result["relevance"]["ndcg@10"] <= 1.0, name
            assert result["latency"]["p50_ms"] > 0, name
        else:
            assert result["status"] == "failed" and result["reason"], name

    markdown = (output / "RESULTS.md").read_text()
    assert all(name in markdown for name in ENGINES)
    if any(result["status"] == "ok" for result in by_engine.values()):
        assert (output / "latency_vs_ndcg.png").stat().st_size > 1000
    assert _committed_results() == committed, "--output must leave bench/ alone"


def _committed_results() -> bytes | None:
    path = REPO / "bench" / "results.json"
    return path.read_bytes() if path.exists() else None
