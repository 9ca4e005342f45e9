"""One engine on one corpus, inside its own subprocess (`python -m bench.worker SPEC`).

The worker loads the corpus and the query set the runner wrote, builds the
engine's index, times every query one at a time after a warm-up, judges the
answers, load-tests the HTTP engines, and writes one JSON result. It records
the phase it is in beside the result, so that a worker killed at its time
limit can still say where it was. Any error becomes a "failed" result with its
reason: a failing engine is reported, never dropped.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
import traceback
from pathlib import Path

from bench import measure, relevance
from bench.corpora import load
from bench.engines import Engine, create
from bench.http_load import requests_per_second
from bench.queries import Query, QuerySets

RPS_CLIENTS = (1, 8, 32)
# Share of queries that may raise before the engine counts as failed.
MAX_QUERY_ERRORS = 0.1
# Seconds kept after the queries for closing, and for the HTTP load test.
QUERY_RESERVE = 10
QUERY_RESERVE_HTTP = 30
# Fewer answers than this within the time limit says nothing: a failure.
MIN_ANSWERED = 10


def main(spec_path: str) -> None:
    spec = json.loads(Path(spec_path).read_text())
    result_path = Path(spec["result_path"])
    phase_path = result_path.with_suffix(".phase")
    result: dict = {"engine": spec["engine"], "corpus": spec["corpus"], "status": "failed"}
    engine: Engine | None = None
    sampler = measure.TreeSampler(os.getpid(), interval=0.1)

    def phase(name: str) -> None:
        phase_path.write_text(name)

    try:
        with sampler:
            phase("loading the corpus")
            corpus = load(spec["corpus"], Path(spec["workdir"]), quick=spec["quick"])
            sets = QuerySets.from_dict(json.loads(Path(spec["queries_path"]).read_text()))
            engine = create(spec["engine"])
            result["versions"] = engine.versions()
            engine_dir = Path(spec["workdir"]) / spec["corpus"] / spec["engine"]
            shutil.rmtree(engine_dir, ignore_errors=True)
            engine_dir.mkdir(parents=True)

            phase("building the index")
            started = time.perf_counter()
            info = engine.build(corpus, engine_dir)
            seconds = round(time.perf_counter() - started, 2)
            result["build_seconds"] = None if info.reused else seconds
            result["index_bytes"] = measure.size_on_disk(*info.index_paths)
            sampler.sample()
            result["build_peak_rss"] = sampler.peak
            result["notes"] = info.notes
            phase("starting the server")
            started = time.perf_counter()
            engine.start()
            result["start_seconds"] = round(time.perf_counter() - started, 2)
            result["figures"] = info.figures

            phase("asking the queries")
            k = 100 if corpus.by_document else 10
            reserve = QUERY_RESERVE_HTTP if engine.http_target() else QUERY_RESERVE
            result.update(_ask(engine, corpus, sets, k, spec["deadline"] - reserve))

            target = engine.http_target()
            if target:
                phase("load-testing the server")
                result["rps"] = _load(target, sets.load, spec["rps_seconds"])
            sampler.sample()
            result["status"] = "ok"
    except Exception as error:
        result["reason"] = f"{type(error).__name__}: {error}".strip()
        result["traceback"] = traceback.format_exc(limit=8)
    finally:
        if engine is not None:
            try:
                engine.close()
            except Exception as error:
                result.setdefault("close_error", repr(error))
        sampler.sample()
        result["peak_rss"] = sampler.peak
        result_path.write_text(json.dumps(result, indent=1))


def _ask(engine: Engine, corpus, sets: QuerySets, k: int, deadline: float) -> dict:
    """Time every query, then judge the answers; too many errors is a failure.

    The warm-up queries are asked first and not timed, so lazily opened files
    and code paths are warm; they differ from the timed ones, and each timed
    query is asked once, so no answer cache helps. An engine still asking at
    `deadline` (wall clock) stops there and is judged on the queries it
    answered, a random sample since the sets are shuffled, flagged as partial.
    """
    queries = sets.timed
    errors: list[str] = []

    def ask(query: Query) -> list[str]:
        try:
            return engine.search(query, k)
        except Exception as error:
            errors.append(f"{query.id}: {type(error).__name__}: {error}")
            return []

    for query in sets.warmup:
        ask(query)
    errors.clear()
    seconds, answers = measure.timed(ask, queries, deadline)
    asked = len(answers)
    if asked < min(MIN_ANSWERED, len(queries)):
        raise RuntimeError(f"only {asked} queries answered before the time limit")
    if len(errors) > MAX_QUERY_ERRORS * asked:
        raise RuntimeError(f"{len(errors)} of {asked} queries failed; first: {errors[0]}")
    total, queries = len(queries), queries[:asked]
    timings = list(zip(seconds, queries, strict=True))
    out: dict = {
        "queries": total,
        "answered": asked,
        "query_errors": len(errors),
        "latency": measure.percentiles(seconds),
        "latency_by_kind": {
            kind: measure.percentiles([s for s, q in timings if q.kind == kind])
            for kind in sorted({q.kind for q in queries})
        },
    }
    rankings = {query.id: ids for query, ids in zip(queries, answers, strict=True)}
    if corpus.qrels is not None:
        out["relevance"] = relevance.judged(corpus.qrels, rankings)
    else:
        texts = {
            query.id: [engine.text_of(i) or corpus.text_of(i) or "" for i in rankings[query.id]]
            for query in queries
        }
        out["relevance"] = relevance.by_text(queries, texts)
    return out


def _load(target, pool: list[Query], seconds: float) -> dict:
    """Requests per second at each client count, each level on its own third
    of the pool, so that no request repeats an earlier one."""
    share = len(pool) // len(RPS_CLIENTS)
    levels = {}
    for level, clients in enumerate(RPS_CLIENTS):
        paths = [target.path_of(q, 10) for q in pool[level * share : (level + 1) * share]]
        levels[str(clients)] = requests_per_second(
            target.port,
            paths,
            clients,
            headers=target.headers,
            seconds=seconds,
            max_requests=len(paths),
        )
    return levels


if __name__ == "__main__":
    main(sys.argv[1])
