"""Running one file's parsing within a time and memory budget.

A PDF can hide a decompression bomb, a `.docx` a billion-laughs table, an
HTML file 100,000 nested `<div>`s. Parsing such a file in the build process
could hang the build (holding the build lock) or take the machine's memory.
`within_budget` runs the parse in a forked child process instead: the child
gets an address-space limit (`RLIMIT_AS`) of its current size plus the
budget, and the parent kills it at the deadline. The result comes back
pickled through a pipe. Past either limit the caller gets `OverBudget` with
a reason a person can read, and the build goes on with the next file.

A fork costs a few milliseconds, so the callers keep plain text formats
in-process (their parsers are linear) and send only the heavier formats here:
a corpus of thousands of small text files pays nothing.
"""

from __future__ import annotations

import faulthandler
import os
import pickle
import resource
import select
import signal
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

DEFAULT_SECONDS = 30.0
DEFAULT_MEMORY_MB = 1024


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
    """`function(*args)` run in a child process within `budget`.

    With `budget=None` it runs in this process (the caller has already
    decided the input is cheap). Raises `OverBudget` past a limit, and
    `ParseFailed` with the child's message if `function` raised.
    """
    if budget is None:
        return function(*args)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(read_end)
        _child(write_end, budget, function, args)
    os.close(write_end)
    try:
        payload = _collect(read_end, pid, time.monotonic() + budget.seconds, budget)
    finally:
        os.close(read_end)
    status, value = pickle.loads(payload)
    if status == "ok":
        return value
    if status == "memory":
        raise OverBudget(f"needed more than the memory budget of {budget.memory_mb} MB")
    raise ParseFailed(value)


def _collect(read_end: int, pid: int, deadline: float, budget: Budget) -> bytes:
    """Read the child's answer until EOF or the deadline; reap the child."""
    chunks: list[bytes] = []
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([read_end], [], [], remaining)[0]:
            _kill(pid)
            raise OverBudget(f"took longer than the time budget of {budget.seconds:g} s")
        chunk = os.read(read_end, 1 << 20)
        if not chunk:
            break
        chunks.append(chunk)
    _, status = os.waitpid(pid, 0)
    if not chunks:
        if os.WIFSIGNALED(status):
            name = signal.Signals(os.WTERMSIG(status)).name
            # Allocation failures past RLIMIT_AS often end C code with SIGABRT.
            raise OverBudget(
                f"the parser crashed ({name}); its memory budget was {budget.memory_mb} MB"
            )
        raise OverBudget(f"needed more than the memory budget of {budget.memory_mb} MB")
    return b"".join(chunks)


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    os.waitpid(pid, 0)


def _child(write_end: int, budget: Budget, function, args) -> None:
    code = 0
    faulthandler.disable()  # a crash here is reported by the parent, not dumped
    try:
        # The limit counts from what the fork inherited: a parent that already
        # maps 2 GB still gives its child `memory_mb` to spend.
        limit = _address_space() + budget.memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, resource.RLIM_INFINITY))
        try:
            answer = ("ok", function(*args))
        except MemoryError:
            answer = ("memory", None)
        except RecursionError:
            answer = ("error", "too deeply nested to parse")
        except Exception as error:  # the parser's own failure, reported by name
            answer = ("error", str(error) or type(error).__name__)
        try:
            data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
        except MemoryError:
            data = pickle.dumps(("memory", None))
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(data)
    except BaseException:  # nothing may escape a forked child into the parent's code
        code = 1
        try:
            traceback.print_exc()
        except BaseException:
            pass
    finally:
        os._exit(code)


def _address_space() -> int:
    """This process's virtual size in bytes (Linux), 0 where unknown."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        return 0
