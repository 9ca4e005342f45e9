"""Reading and analysing the corpus in a second process while the first writes.

A build has two halves of about the same cost: reading, parsing, chunking and
analysing each passage into postings, and pooling those postings and writing
the segment. Machines have two cores or more, so `AnalysedPassages` forks a
child (spawns one, in a process with other threads) that walks the corpus
(`passages.read_source_folder`, `passages.each_passage`, `bulk.Analyser`)
and sends the results in batches down a pipe, while the parent writes them.
A pipe's `send` blocks while the parent is behind, so the child never runs
far ahead and memory stays bounded.

The two share the analysis, whichever is free: the child analyses a batch
passage by passage while the parent is still writing the one before, and
the moment the parent has written every batch sent so far (it is waiting),
the child sends the batch with the passages it has not reached unanalysed,
and the parent analyses those itself. (A batch is larger than the pipe's
buffer, so a `send` returns only once the parent is reading it: the parent
is at most one batch behind.) Either way the index is the same.

The child reports back what the walk counted (the `BuildReport`, each
document with its passage count, the vocabulary) when it is done, and any
error it met, which the parent raises as its own; if the child dies, the
build fails with a `BuildError` and the previous index keeps serving.
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import pickle
import queue
import signal
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from indexer.bulk import Analyser
from indexer.errors import BuildError
from indexer.passages import BuildReport, Tally, each_passage, passage_fields, read_source_folder
from indexer.posting_blocks import compress_blocks
from indexer.schema import build_schema

# Passages per message: large enough that pickling is a few big calls, small
# enough that the parent starts writing at once.
BATCH = 200
_PR_SET_PDEATHSIG = 1


@dataclass
class WalkResult:
    """What the child counted over the whole corpus."""

    report: BuildReport
    documents: list[dict] = field(default_factory=list)
    vocabulary: dict = field(default_factory=dict)


class AnalysedPassages:
    """`(fields, analysed)` for every passage, in order; `result` once exhausted."""

    def __init__(
        self,
        source_dir: Path,
        reading: dict | None = None,
        progress: Callable[[str], None] | None = None,
    ):
        """:param reading: keyword arguments of `read_source_folder` (the
        excluded patterns, the per-file parse budget)."""
        # fork: the child starts at once, with every module already imported.
        # But a fork copies no thread, and a lock another thread held stays
        # held in the child (Python 3.12 warns of it), so a process with
        # threads (a server, a test session) spawns a fresh interpreter.
        alone = threading.active_count() == 1
        context = multiprocessing.get_context("fork" if alone else "spawn")
        self._receiver, sender = context.Pipe(duplex=False)
        # The writer's posting blocks go the other way, once the walk is done.
        requests, self._requests = context.Pipe(duplex=False)
        self._progress = progress
        # Batches the parent has written, read by the child (see the module).
        self._written = context.Value("l", 0, lock=False)
        self._process = context.Process(
            target=_walk,
            args=(
                Path(source_dir),
                reading or {},
                (self._receiver, self._requests),
                sender,
                requests,
                self._written,
                progress is not None,
            ),
            name="kavosh-analyse",
        )
        self._process.start()
        sender.close()
        requests.close()
        self.result: WalkResult | None = None

    def __iter__(self) -> Iterator[tuple[dict, list | None]]:
        """Each passage's fields with their analysis, or None when the
        writer is to analyse them (`BulkWriter.add_analysed` does)."""
        batches = 0
        while True:
            # Asked for more: every batch received so far is written.
            self._written.value = batches
            try:
                kind, payload = self._receiver.recv()
            except EOFError:
                self._process.join()
                raise BuildError(
                    "the process reading the corpus stopped "
                    f"(exit code {self._process.exitcode}); the previous index is untouched"
                ) from None
            if kind == "passages":
                batches += 1
                yield from payload
            elif kind == "progress":
                self._progress(payload)
            elif kind == "error":
                raise payload
            else:
                self.result = payload
                return

    def compressor(self) -> _Compressor:
        """Once every passage is read: the child, as the `Compressor` of
        the writer's posting blocks (see `posting_blocks`)."""
        return _Compressor(self._requests, self._receiver, self._process)

    def close(self) -> None:
        """Stop the child if it is still running, and reap it."""
        self._requests.close()
        self._receiver.close()
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()

    def __enter__(self) -> AnalysedPassages:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class _Compressor:
    """`posting_blocks.Compressor` by the child: batches of blocks go down
    one pipe and come back compressed, in order, up the other."""

    def __init__(self, requests, results, process):
        self._requests, self._results, self._process = requests, results, process

    def send(self, level: int, blocks: list) -> None:
        try:
            self._requests.send((level, blocks))
        except OSError:
            raise self._stopped() from None

    def receive(self) -> list[bytes]:
        try:
            kind, payload = self._results.recv()
        except EOFError:
            raise self._stopped() from None
        if kind == "error":
            raise payload
        return payload

    def _stopped(self) -> BuildError:
        self._process.join()
        return BuildError(
            "the process compressing the postings stopped "
            f"(exit code {self._process.exitcode}); the previous index is untouched"
        )


def _walk(source_dir: Path, reading: dict, parents, sender, requests, written, with_progress):
    """The child: walk the corpus, analyse each passage, send it all; then
    compress the writer's posting blocks until it closes the pipe."""
    # The parent's ends of the pipes, closed here so that a parent killed
    # outright breaks the pipe; and the kernel is asked to stop this process
    # too then, so it cannot hold the build lock it inherited.
    for end in parents:
        end.close()
    _die_with_parent()
    try:
        analyse = Analyser(build_schema())
        progress = (lambda name: sender.send(("progress", name))) if with_progress else None
        corpus, splitter, report = read_source_folder(source_dir, progress, **reading)
        tally, batch, sent = Tally(), [], 0
        for document, passage, position in each_passage(corpus, splitter, report, progress, tally):
            batch.append(passage_fields(document, passage, position))
            if len(batch) >= BATCH:
                sender.send(("passages", _analysed(batch, analyse, written, sent)))
                batch, sent = [], sent + 1
        if batch:
            sender.send(("passages", _analysed(batch, analyse, written, sent)))
        sender.send(("done", WalkResult(report, tally.documents, tally.vocabulary())))
        # The walk's corpus, analyser and counts are done with: let them go
        # before this process waits on the writer's blocks (at 8x WikiText-2
        # the build's peak was 841 MB held, 602 MB before it waited here).
        del corpus, splitter, report, tally, analyse, batch
        gc.collect()
        _compress(requests, sender)
    except BrokenPipeError:
        pass  # the parent stopped listening: it has its own error to report
    except BaseException as error:
        try:
            sender.send(("error", _transferable(error)))
        except (BrokenPipeError, OSError):
            pass
    finally:
        sender.close()


def _compress(requests, sender) -> None:
    """Compress each batch of posting blocks the parent sends, while a
    thread reads the next one in (so that the parent, sending it, never
    waits on this process sending the last one back)."""
    batches: queue.SimpleQueue = queue.SimpleQueue()

    def read() -> None:
        try:
            while True:
                batches.put(requests.recv())
        except (EOFError, OSError):
            batches.put(None)

    threading.Thread(target=read, name="kavosh-blocks", daemon=True).start()
    while (batch := batches.get()) is not None:
        sender.send(("compressed", compress_blocks(*batch)))


def _analysed(batch: list[dict], analyse: Analyser, written, sent: int) -> list:
    """The batch, analysed here passage by passage while the parent is still
    writing; from the moment it waits (it has written all `sent` batches),
    the rest goes unanalysed, for the parent to analyse."""
    analysed = []
    for at, fields in enumerate(batch):
        if written.value >= sent:
            analysed += [(rest, None) for rest in batch[at:]]
            break
        analysed.append((fields, analyse(fields)))
    return analysed


def _die_with_parent() -> None:
    """Ask Linux for SIGKILL when the parent dies (`prctl(PR_SET_PDEATHSIG)`);
    elsewhere the broken pipe stops the child at its next send."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def _transferable(error: BaseException) -> BaseException:
    """`error` itself if it survives pickling, else a `BuildError` naming it."""
    try:
        pickle.loads(pickle.dumps(error))
        return error
    except Exception:
        return BuildError(f"could not read the corpus: {type(error).__name__}: {error}")
