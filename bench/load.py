"""A bounded load test of a running Kavosh server, driven by `wrk`.

    python -m bench.load --url http://127.0.0.1:5000 --connections 32 --seconds 60

wrk (Debian's package, C, event-driven) generates the load so the client
does not compete with the server for the GIL. This script writes wrk a Lua
script that cycles through a fixed, seeded mix of requests — the relevance
suite's kinds of queries, random words from the index vocabulary, phrases,
typos, filters and deep pages — and counts 5xx answers separately from other
non-2xx ones. It reports requests per second, p50/p95/p99 latency and errors,
and stops by itself after `--seconds`. Only loopback addresses are accepted.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlencode, urlparse

QUESTIONS = (
    "who founded the Worker-communist Party of Iran",
    "when did Mansoor Hekmat die",
    "how many civilians were killed",
    "Koroosh Modaressi",
    "Taghvaee",
    '"Neither Shah nor Mullah"',
    "WPI-H",
    "حزب كمونيست كارگري",
    "speaker:Milad women",
    "hekm*",
    "-Iran Hekmat",
    "socialsm~1",
)
LUA = r"""
local paths = %(paths)s
local counter = 0
fivexx = 0
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end

response = function(status, headers, body)
  if status >= 500 then fivexx = fivexx + 1 end
end

done = function(summary, latency, requests)
  local total5xx = 0
  for _, thread in ipairs(threads) do total5xx = total5xx + thread:get("fivexx") end
  local errors = summary.errors
  io.write(string.format(
    'KAVOSH_LOAD {"requests": %%d, "duration_us": %%d, "status_errors": %%d, "fivexx": %%d, ' ..
    '"connect": %%d, "read": %%d, "write": %%d, "timeout": %%d, ' ..
    '"p50_ms": %%.3f, "p95_ms": %%.3f, "p99_ms": %%.3f, "max_ms": %%.3f}\n',
    summary.requests, summary.duration, errors.status, total5xx,
    errors.connect, errors.read, errors.write, errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
"""


def request_mix(vocabulary: list[str], sources: list[str], count: int = 2000, seed: int = 7):
    """A fixed, seeded list of request paths of every kind a reader sends."""
    rng = random.Random(seed)
    words = [w for w in vocabulary if w.isalpha() and len(w) > 2] or ["iran"]
    paths = []
    for _ in range(count):
        kind = rng.random()
        params: dict[str, str | int] = {}
        if kind < 0.15:
            params["q"] = rng.choice(QUESTIONS)
        elif kind < 0.50:
            params["q"] = " ".join(rng.choice(words) for _ in range(rng.randint(1, 3)))
        elif kind < 0.60:
            params["q"] = '"' + " ".join(rng.choice(words) for _ in range(2)) + '"'
        elif kind < 0.75:
            params["q"] = _typo(rng.choice([w for w in words if len(w) > 5] or words), rng)
        elif kind < 0.85 and sources:
            params["q"] = rng.choice(words)
            params["source"] = rng.choice(sources)
        else:
            params["q"] = rng.choice(words)
            params["page"] = rng.randint(2, 40)
        paths.append("/api/search?" + urlencode(params))
    return paths


def _typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(len(word) - 1)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def run(url: str, paths: list[str], connections: int, seconds: int, threads: int = 2) -> dict:
    """Run wrk once and return its figures (see the module docstring)."""
    host = urlparse(url).hostname or ""
    if not (host == "localhost" or host.startswith("127.") or host == "::1"):
        raise SystemExit(f"refusing to load {host}: only loopback addresses are tested")
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is not installed: run scripts/install-system-deps")
    lua = LUA % {"paths": "{" + ",".join(json.dumps(p) for p in paths) + "}"}
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua)
    command = [
        wrk,
        f"-t{min(threads, connections)}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        script.name,
        url,
    ]
    try:
        finished = subprocess.run(
            command, capture_output=True, text=True, timeout=seconds + 60, check=False
        )
    finally:
        Path(script.name).unlink(missing_ok=True)
    match = re.search(r"KAVOSH_LOAD (\{.*\})", finished.stdout)
    if not match:
        raise RuntimeError(f"wrk failed: {finished.stdout}\n{finished.stderr}")
    figures = json.loads(match.group(1))
    seconds_run = figures["duration_us"] / 1e6
    figures["requests_per_second"] = round(figures["requests"] / seconds_run, 1)
    figures["errors"] = sum(figures[k] for k in ("connect", "read", "write", "timeout"))
    figures["non_2xx"] = figures["status_errors"]
    figures["connections"] = connections
    figures["seconds"] = round(seconds_run, 1)
    return figures


def mix_from_index(index_dir: Path, count: int = 2000) -> list[str]:
    """The request mix for the live generation of `index_dir`."""
    name = (index_dir / "CURRENT").read_text("utf-8").strip()
    generation = index_dir / name
    vocabulary = json.loads((generation / "vocabulary.json").read_text("utf-8"))
    documents = json.loads((generation / "documents.json").read_text("utf-8"))
    common = sorted(vocabulary, key=lambda w: -vocabulary[w][1])[:5000]
    return request_mix(common, sorted({d["path"] for d in documents}), count)


def report(figures: dict) -> str:
    return (
        f"{figures['connections']} connections, {figures['seconds']} s: "
        f"{figures['requests']:,} requests, {figures['requests_per_second']:,} req/s, "
        f"p50 {figures['p50_ms']:.1f} ms, p95 {figures['p95_ms']:.1f} ms, "
        f"p99 {figures['p99_ms']:.1f} ms; errors {figures['errors']}, "
        f"non-2xx {figures['non_2xx']}, 5xx {figures['fivexx']}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:5000")
    parser.add_argument(
        "--index",
        type=Path,
        default=Path("instance/index"),
        help="index folder of the server, for the vocabulary",
    )
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    figures = run(args.url, mix_from_index(args.index), args.connections, args.seconds)
    print(json.dumps(figures) if args.json else report(figures))
    failed = figures["errors"] or figures["fivexx"] or figures["non_2xx"]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
