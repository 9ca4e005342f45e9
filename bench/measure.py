"""Measuring an engine: latency percentiles, peak memory and index size.

Latency is timed one query at a time after a warm-up pass, because a user
waits for one answer, and caches and lazily opened files should not count as
the engine's speed. Memory is the peak of the summed resident sets of the
engine's worker and every process it started, sampled ten times a second.
`getrusage`'s `ru_maxrss` is not used: on Linux a child started by fork and
exec inherits its parent's high-water mark, so every worker would report at
least the runner's own memory.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy
import psutil

PERCENTILES = (50, 95, 99)


def percentiles(seconds: list[float]) -> dict[str, float]:
    """p50, p95 and p99 in milliseconds (linear interpolation, numpy's default)."""
    if not seconds:
        return {}
    values = numpy.percentile(numpy.array(seconds) * 1000.0, PERCENTILES)
    return {f"p{p}_ms": round(float(v), 3) for p, v in zip(PERCENTILES, values, strict=True)}


def timed(call: Callable, items: Iterable, deadline: float) -> tuple[list[float], list]:
    """Call `call(item)` for each item, one at a time, timing each call alone;
    stop early once the wall clock passes `deadline` (`time.time()`)."""
    seconds, answers = [], []
    for item in items:
        if time.time() > deadline:
            break
        started = time.perf_counter()
        answers.append(call(item))
        seconds.append(time.perf_counter() - started)
    return seconds, answers


def size_on_disk(*paths: Path) -> int:
    """Bytes in the files under `paths` (their lengths, as `du --apparent-size`)."""
    total = 0
    for path in paths:
        path = Path(path)
        files = [path] if path.is_file() else (p for p in path.rglob("*") if p.is_file())
        for file in files:
            total += file.stat().st_size
    return total


class TreeSampler:
    """Samples the summed RSS of a process and its descendants in a thread.

    Used for servers (Typesense, gunicorn's master and workers), whose memory
    `getrusage` cannot see while they run.
    """

    def __init__(self, pid: int, interval: float = 0.1):
        self.pid = pid
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def sample(self) -> int:
        try:
            root = psutil.Process(self.pid)
            tree = [root, *root.children(recursive=True)]
        except psutil.Error:
            return 0
        total = 0
        for process in tree:
            try:
                total += process.memory_info().rss
            except psutil.Error:
                pass
        self.peak = max(self.peak, total)
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)


def machine() -> dict:
    """What the numbers were measured on."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    uname = os.uname()
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "os": f"{uname.sysname} {uname.release}",
    }
