"""`python -m bench`: run the benchmark and write its results.

python -m bench                      # everything, about 15 minutes
python -m bench --quick              # a dozen SciFact claims on 400 abstracts
python -m bench --corpus wikitext --engine kavosh --engine whoosh
python -m bench --quick --output /tmp/out   # leave the committed results alone
python -m bench --scale              # WikiText-2 copied 1x, 4x, 8x (bench/scaling.py)
python -m bench --scale --scale-sizes 1,2   # a quicker curve
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from bench import report, runner, scaling
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
    parser.add_argument("--budget", type=float, help="seconds for the run (19.5 min; --scale 75)")
    parser.add_argument("--scale", action="store_true", help="the scaling curve instead")
    parser.add_argument(
        "--scale-sizes",
        type=_sizes,
        default=list(scaling.SIZES),
        help="copies of WikiText-2 for --scale, comma-separated (default 1,4,8)",
    )
    return parser.parse_args(argv)


def _sizes(text: str) -> list[int]:
    try:
        sizes = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a list of numbers like 1,4,8") from None
    if not sizes or sizes[0] < 1:
        raise argparse.ArgumentTypeError("sizes are whole numbers of copies, 1 or more")
    return sizes


@contextlib.contextmanager
def _timed() -> Iterator[dict]:
    """A run's date, wall seconds and load average before and after."""
    started = time.monotonic()
    meta: dict = {"date": datetime.now(UTC).isoformat(timespec="seconds")}
    load_before = os.getloadavg()
    yield meta
    meta["wall_seconds"] = round(time.monotonic() - started, 1)
    # Other work on the machine skews timings; the load average shows it.
    meta["load_average"] = {
        "before": [round(x, 2) for x in load_before],
        "after": [round(x, 2) for x in os.getloadavg()],
    }


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    if args.scale:
        return scale(args)
    corpora = args.corpus or (["scifact"] if args.quick else list(CORPORA))
    engines = args.engine or list(ENGINES)
    plan = runner.Plan(
        corpora=corpora,
        engines=engines,
        workdir=args.workdir.resolve(),
        quick=args.quick,
        budget=args.budget or 19.5 * 60,
        warmup=3 if args.quick else 20,
        rps_seconds=0.5 if args.quick else 3.0,
    )
    with _timed() as meta:
        results = runner.run(plan, log=lambda line: print(line, flush=True))
    meta.update(quick=args.quick, corpora=corpora, engines=engines)
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


def scale(args: argparse.Namespace) -> int:
    """The scaling curve: `scaling.ENGINES` (or `--engine`) at each size."""
    plan = runner.Plan(
        corpora=[],
        engines=args.engine or list(scaling.ENGINES),
        workdir=args.workdir.resolve(),
        budget=args.budget or scaling.BUDGET,
    )
    with _timed() as meta:
        results = runner.run_scale(plan, args.scale_sizes, log=lambda line: print(line, flush=True))
    meta.update(sizes=args.scale_sizes, engines=plan.engines)
    record = report.write_scaling(results, args.output, meta)
    failed = sum(r["status"] != "ok" for r in results)
    print(f"{len(results) - failed} of {len(results)} runs ok; results in {args.output}")
    for target in scaling.targets(record):
        print(f"  {target['verdict']:>10}: {target['target']} ({target['measured']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
