"""Running each engine on each corpus in its own subprocess, with a time limit.

A subprocess per engine keeps the figures honest (one engine's imports, caches
and memory never count against another) and keeps the run alive when an
engine crashes or hangs. The worker leads its own process group, and any
server it starts stays in that group, so a worker past its limit is stopped
together with its servers by that one group id. The whole run also has a
budget; engines it leaves no time for are reported as failed, not dropped.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psutil

from bench import scaling
from bench.corpora import load
from bench.queries import query_sets

# Seconds one engine may take on one corpus: sized so that the whole run
# stays under 20 minutes on 2 cores. An engine still asking queries near its
# limit stops asking and is judged on those it answered (see `worker`).
# Kavosh's own limits are the widest: it builds twice as slowly as Whoosh when
# other work shares the cores, and a run that cannot finish its build says
# nothing at all. The run's budget still bounds the total.
LIMITS = {
    "scifact": {
        "kavosh": 330,
        "kavosh-http": 120,
        "kavosh-typesense": 240,  # a three-node cluster to start, then the push
        "whoosh": 150,
        "default": 90,
    },
    "wikitext": {
        "kavosh": 300,
        "kavosh-http": 120,
        "kavosh-typesense": 300,  # a three-node cluster to start, then the push
        "whoosh": 200,
        "default": 120,
    },
    "seeds": {"kavosh-http": 90, "default": 60},
}
QUICK_LIMIT = 180
RUN_ORDER = ("seeds", "scifact", "wikitext")
# Seconds kept for each run still to come when the budget runs short.
RESERVE_PER_RUN = 10


@dataclass
class Plan:
    """What to run and where.

    :param budget: seconds the whole run may take; later engines get what is left.
    """

    corpora: list[str]
    engines: list[str]
    workdir: Path
    quick: bool = False
    budget: float = 19.5 * 60
    warmup: int = 20
    rps_seconds: float = 3.0
    started: float = 0.0
    log: Callable[[str], None] = print


def run(plan: Plan, log=print) -> list[dict]:
    """Every engine on every corpus, in order; one result dict each."""
    plan.started = time.monotonic()
    plan.log = log
    results: list[dict] = []
    runs = len(plan.corpora) * len(plan.engines)
    # The seeds first: they take seconds, and must not be starved by the budget.
    for corpus_name in sorted(plan.corpora, key=RUN_ORDER.index):
        queries_path, _ = prepare(corpus_name, plan)
        for engine in plan.engines:
            limits = LIMITS[corpus_name]
            wanted = QUICK_LIMIT if plan.quick else limits.get(engine, limits["default"])
            later = runs - len(results) - 1
            results.append(_run_within(engine, corpus_name, queries_path, plan, wanted, later))
    return results


def run_scale(plan: Plan, sizes: list[int], log=print) -> list[dict]:
    """The scaling curve (see `scaling`): each engine at each size, each
    result marked with its number of copies and paragraph words."""
    plan.started = time.monotonic()
    plan.log = log
    results: list[dict] = []
    runs = len(sizes) * len(plan.engines)
    for copies in sizes:
        corpus_name = scaling.corpus_name(copies)
        queries_path, words = prepare(corpus_name, plan)
        for engine in plan.engines:
            wanted = scaling.limit(engine, copies)
            later = runs - len(results) - 1
            result = _run_within(engine, corpus_name, queries_path, plan, wanted, later)
            results.append({**result, "copies": copies, "words": words})
    return results


def _run_within(engine, corpus_name, queries_path, plan: Plan, wanted: float, later: int) -> dict:
    """`run_one` with `wanted` seconds, or what the budget leaves after
    keeping `RESERVE_PER_RUN` for each of the `later` runs still to come."""
    left = plan.budget - (time.monotonic() - plan.started) - RESERVE_PER_RUN * later
    limit = min(wanted, left)
    if limit < 5:
        result = _failed(engine, corpus_name, "not run: the run's time budget was spent")
    else:
        plan.log(f"{corpus_name:9} {engine:12} running (limit {limit:.0f} s)")
        result = run_one(engine, corpus_name, queries_path, plan, limit)
    plan.log(f"{corpus_name:9} {engine:12} {_summary(result)}")
    return result


def prepare(corpus_name: str, plan: Plan) -> tuple[Path, int]:
    """Write the corpus's files for Kavosh and its query set, once per run;
    return the query set's path and the corpus's paragraph words."""
    corpus = load(corpus_name, plan.workdir, quick=plan.quick)
    sets = query_sets(corpus, quick=plan.quick, warmup=plan.warmup)
    folder = plan.workdir / corpus_name
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / ("queries-quick.json" if plan.quick else "queries.json")
    path.write_text(json.dumps(sets.to_dict()))
    return path, scaling.words(corpus)


def run_one(engine: str, corpus: str, queries_path: Path, plan: Plan, limit: float) -> dict:
    """One worker subprocess; stopped, with its servers, at `limit` seconds."""
    base = plan.workdir / corpus / f"{engine}.result"
    result_path, spec_path = base.with_suffix(".json"), base.with_suffix(".spec.json")
    log_path, phase_path = base.with_suffix(".log"), base.with_suffix(".phase")
    for stale in (result_path, phase_path):
        stale.unlink(missing_ok=True)
    spec = {
        "engine": engine,
        "corpus": corpus,
        "quick": plan.quick,
        "workdir": str(plan.workdir),
        "queries_path": str(queries_path),
        "result_path": str(result_path),
        "rps_seconds": plan.rps_seconds,
        # Wall clock, so the worker can stop asking queries in time.
        "deadline": time.time() + limit,
    }
    spec_path.write_text(json.dumps(spec))
    started = time.monotonic()
    with open(log_path, "wb") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "bench.worker", str(spec_path)],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            worker.wait(limit)
        except subprocess.TimeoutExpired:
            _stop_group(worker)
            phase = phase_path.read_text() if phase_path.exists() else "starting"
            return _failed(engine, corpus, f"timed out after {limit:.0f} s while {phase}")
    wall = round(time.monotonic() - started, 1)
    _stop_group(worker)
    if not result_path.exists():
        tail = log_path.read_text(errors="replace").strip().splitlines()[-1:] or ["no output"]
        return _failed(engine, corpus, f"worker exited with {worker.returncode}: {tail[0]}")
    result = json.loads(result_path.read_text())
    result["wall_seconds"] = wall
    return result


def _stop_group(worker: subprocess.Popen) -> None:
    """SIGTERM the worker's process group (it and its servers), then SIGKILL.

    Also run after a normal exit: a server the worker failed to stop is still
    in the group, and is stopped here rather than left running.
    """
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if not _group_alive(worker.pid):
            break
        os.killpg(worker.pid, sig)
        deadline = time.monotonic() + 10
        while _group_alive(worker.pid) and time.monotonic() < deadline:
            if worker.poll() is None:
                try:
                    worker.wait(0.2)
                except subprocess.TimeoutExpired:
                    pass
            else:
                time.sleep(0.2)
    worker.poll()


def _group_alive(group: int) -> bool:
    """True while a live (non-zombie) process is in process group `group`."""
    for process in psutil.process_iter(["status"]):
        try:
            if os.getpgid(process.pid) == group and process.info["status"] != "zombie":
                return True
        except (ProcessLookupError, PermissionError):
            continue
    return False


def _failed(engine: str, corpus: str, reason: str) -> dict:
    return {"engine": engine, "corpus": corpus, "status": "failed", "reason": reason}


def _summary(result: dict) -> str:
    if result["status"] != "ok":
        return f"FAILED: {result['reason']}"
    relevance = ", ".join(f"{k} {v}" for k, v in result.get("relevance", {}).items())
    latency = result.get("latency", {})
    build = result["build_seconds"]
    return (
        f"ok in {result.get('wall_seconds', 0):.0f} s: "
        f"build {'reused' if build is None else f'{build} s'}, "
        f"p50 {latency.get('p50_ms')} ms, {relevance}"
    )
