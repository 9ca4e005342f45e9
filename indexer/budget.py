"""Running one file's parsing within a time and memory budget.

A PDF can hide a decompression bomb, a `.docx` a billion-laughs table, an
HTML file 100,000 nested `<div>`s. Parsing such a file in the build process
could hang the build (holding the build lock) or take the machine's memory.
`within_budget` runs the parse in a worker process instead: a child forked
once, with an address-space limit (`RLIMIT_AS`) of its size at the fork plus
the budget, that parses file after file. The parent sends each job through a
pipe and waits for the answer until the file's deadline; past it the worker
is killed and the next file gets a fresh one. A worker that ran out of
memory or crashed is replaced the same way. Past either limit the caller
gets `OverBudget` with a reason a person can read, and the build goes on.

One persistent worker, not a fork per file: a fork of a large process costs
about 10 ms, which on a corpus of 1,000 small HTML files was 7 s of CPU. The
worker retires itself once its own heap has eaten a quarter of the budget,
so one file's leftovers never shrink the next file's allowance much.
"""

from __future__ import annotations

import faulthandler
import math
import os
import pickle
import resource
import select
import signal
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

DEFAULT_SECONDS = 30.0
DEFAULT_MEMORY_MB = 1024
_HEADER = struct.Struct("!Q")


@dataclass(frozen=True)
class Budget:
    """What one file's parsing may take."""

    seconds: float = DEFAULT_SECONDS
    memory_mb: int = DEFAULT_MEMORY_MB


class OverBudget(Exception):
    """The parse took too long, needed too much memory, or crashed."""


class ParseFailed(Exception):
    """The parser itself raised; the message is the parser's."""


def within_budget(budget: Budget | None, function: Callable[..., Any], *args: Any) -> Any:
    """`function(*args)` run in the worker process within `budget`.

    `function` must be a module-level function (it is sent by name). With
    `budget=None` it runs in this process (the caller has decided the input
    is cheap). Raises `OverBudget` past a limit, and `ParseFailed` with the
    parser's message if `function` raised.
    """
    if budget is None:
        return function(*args)
    return _worker_for(budget).run(function, args, budget.seconds)


_workers: dict[tuple[int, int], _Worker] = {}


def _worker_for(budget: Budget) -> _Worker:
    key = (os.getpid(), budget.memory_mb)  # never a worker forked by a parent process
    worker = _workers.get(key)
    if worker is None or not worker.alive:
        worker = _workers[key] = _Worker(budget.memory_mb)
    return worker


class _Worker:
    """A forked child that runs jobs sent through a pipe, one at a time."""

    def __init__(self, memory_mb: int):
        self.memory_mb = memory_mb
        jobs_read, self.jobs = os.pipe()
        self.answers, answers_write = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:  # the child: never returns
            os.close(self.jobs)
            os.close(self.answers)
            _serve(jobs_read, answers_write, memory_mb)
        os.close(jobs_read)
        os.close(answers_write)
        self.alive = True

    def run(self, function, args, seconds: float) -> Any:
        try:
            job = (function, args, seconds)
            _send(self.jobs, pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL))
            payload = _receive(self.answers, time.monotonic() + seconds)
        except TimeoutError:
            self.stop()
            raise OverBudget(f"took longer than the time budget of {seconds:g} s") from None
        except (EOFError, BrokenPipeError):
            status = self.stop()
            if os.WIFSIGNALED(status):
                name = signal.Signals(os.WTERMSIG(status)).name
                # Allocation failures past RLIMIT_AS often end C code with SIGABRT.
                raise OverBudget(
                    f"the parser crashed ({name}); its memory budget was {self.memory_mb} MB"
                ) from None
            raise OverBudget(f"needed more than the memory budget of {self.memory_mb} MB") from None
        status, value, retire = pickle.loads(payload)
        if retire or status == "memory":
            self.stop()
        if status == "ok":
            return value
        if status == "memory":
            raise OverBudget(f"needed more than the memory budget of {self.memory_mb} MB")
        raise ParseFailed(value)

    def stop(self) -> int:
        """Kill and reap the child; its exit status."""
        self.alive = False
        for descriptor in (self.jobs, self.answers):
            try:
                os.close(descriptor)
            except OSError:
                pass
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        return os.waitpid(self.pid, 0)[1]


def _send(descriptor: int, data: bytes) -> None:
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:
        view = view[os.write(descriptor, view) :]


def _receive(descriptor: int, deadline: float | None) -> bytes:
    """One length-prefixed message; TimeoutError past `deadline`, EOFError
    if the other end closed."""
    header = _read_exactly(descriptor, _HEADER.size, deadline)
    return _read_exactly(descriptor, _HEADER.unpack(header)[0], deadline)


def _read_exactly(descriptor: int, size: int, deadline: float | None) -> bytes:
    chunks, missing = [], size
    while missing:
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([descriptor], [], [], remaining)[0]:
                raise TimeoutError
        chunk = os.read(descriptor, min(missing, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        missing -= len(chunk)
    return b"".join(chunks)


def _serve(jobs: int, answers: int, memory_mb: int) -> None:
    """The worker's loop: run each job, answer, until the parent goes away."""
    faulthandler.disable()  # a crash here is reported by the parent, not dumped
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    code = 0
    try:
        # The limit counts from what the fork inherited: a parent that already
        # maps 2 GB still gives its worker `memory_mb` to spend.
        base = _address_space()
        budget = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (base + budget, resource.RLIM_INFINITY))
        while True:
            try:
                function, args, seconds = pickle.loads(_receive(jobs, None))
            except EOFError:
                break
            # A backstop for a parent killed mid-job (kill -9 of `kavosh
            # index`): the alarm ends the worker soon after the deadline.
            signal.alarm(math.ceil(seconds) + 2)
            answer = _answer(function, args)
            signal.alarm(0)
            retire = _address_space() - base > budget // 4
            try:
                data = pickle.dumps((*answer, retire), protocol=pickle.HIGHEST_PROTOCOL)
            except MemoryError:
                data = pickle.dumps(("memory", None, True))
            _send(answers, data)
            if retire or answer[0] == "memory":
                break
    except BaseException:  # nothing may escape a forked child into the parent's code
        code = 1
    finally:
        os._exit(code)


def _answer(function, args) -> tuple[str, Any]:
    try:
        return "ok", function(*args)
    except MemoryError:
        return "memory", None
    except RecursionError:
        return "error", "too deeply nested to parse"
    except Exception as error:  # the parser's own failure, reported by name
        return "error", str(error) or type(error).__name__


def _address_space() -> int:
    """This process's virtual size in bytes (Linux), 0 where unknown."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        return 0
