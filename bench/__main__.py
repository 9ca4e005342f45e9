"""`python -m bench`: run the benchmark and write its results.

python -m bench                      # everything, about 15 minutes
python -m bench --quick              # a dozen SciFact claims on 400 abstracts
python -m bench --corpus wikitext --engine kavosh --engine whoosh
python -m bench --quick --output /tmp/out   # leave the committed results alone
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import report, runner
from bench.corpora import CORPORA
from bench.engines import ENGINES

HERE = Path(__file__).resolve().parent


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a few SciFact queries (for tests)")
    parser.add_argument("--corpus", action="append", choices=CORPORA, help="repeatable")
    parser.add_argument("--engine", action="append", choices=list(ENGINES), help="repeatable")
    parser.add_argument("--output", type=Path, default=HERE, help="where results go")
    parser.add_argument("--workdir", type=Path, default=HERE / ".work", help="indexes, logs")
    parser.add_argument("--budget", type=float, default=19.5 * 60, help="seconds for the run")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    corpora = args.corpus or (["scifact"] if args.quick else list(CORPORA))
    engines = args.engine or list(ENGINES)
    plan = runner.Plan(
        corpora=corpora,
        engines=engines,
        workdir=args.workdir.resolve(),
        quick=args.quick,
        budget=args.budget,
        warmup=3 if args.quick else 20,
        rps_seconds=0.5 if args.quick else 3.0,
    )
    started = time.monotonic()
    date = datetime.now(UTC).isoformat(timespec="seconds")
    load_before = os.getloadavg()
    results = runner.run(plan, log=lambda line: print(line, flush=True))
    meta = {
        "date": date,
        "quick": args.quick,
        "corpora": corpora,
        "engines": engines,
        "wall_seconds": round(time.monotonic() - started, 1),
        # Other work on the machine skews timings; the load average shows it.
        "load_average": {
            "before": [round(x, 2) for x in load_before],
            "after": [round(x, 2) for x in os.getloadavg()],
        },
    }
    record = report.write(results, args.output, meta)
    failed = sum(r["status"] != "ok" for r in results)
    print(
        f"{len(results) - failed} of {len(results)} runs ok in {meta['wall_seconds']:.0f} s; "
        f"results in {args.output}",
        flush=True,
    )
    for target in record["targets"]:
        print(f"  {target['verdict']:>10}: {target['target']} ({target['measured']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
