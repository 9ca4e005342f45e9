"""Building one index generation from a source folder.

`build_index` is what `kavosh index` runs: read the corpus, chunk it, write
the passages into a new Whoosh generation beside the live one, and publish it
atomically (see `generations`). Besides the Whoosh files, a generation holds:

- `manifest.json`: schema version, build time, counts, skipped files, and
  every other file's size and SHA-256;
- `documents.json`: each document's metadata and passage count;
- `vocabulary.json`: every folded word form with its stem and document
  frequency, which the search core uses for typo tolerance, "did you mean"
  and completions without scanning the index;
- `typos-*.npy`, `typos-meta.json`: the vocabulary's deletion index, which
  finds a typo's neighbours by look-up (see `typo_index`);
- `stored-records.*`: each passage's stored fields, which Whoosh no longer
  stores (see `stored_records`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

from whoosh import index as whoosh_index

from indexer.budget import Budget
from indexer.bulk import BulkWriter
from indexer.errors import BuildError
from indexer.generations import GenerationStore, seal
from indexer.passages import (
    DOCUMENTS,
    VOCABULARY,
    BuildReport,
    manifest_of,
    refuse_empty,
    refuse_skipped,
    require_folder,
)
from indexer.pipeline import AnalysedPassages, WalkResult
from indexer.schema import build_schema
from indexer.sources import DEFAULT_BUDGET
from indexer.stored_records import StoredRecordWriter
from indexer.typo_index import write_typo_index

__all__ = ["BuildReport", "build_index"]

# `BUILD_MEMORY_MB`'s default: megabytes a build may hold, both processes.
MEMORY_MB = 512
# What a build holds besides the posting pool: two Python processes with
# Whoosh and NLTK loaded, the decoded corpus, its vocabulary. The pool gets
# the rest of the budget, and never less than this share of it.
FIXED_MB = 300
MIN_POOL_SHARE = 0.25


def build_index(
    source_dir: Path,
    index_dir: Path,
    *,
    progress: Callable[[str], None] | None = None,
    lock_timeout: float = 60.0,
    strict: bool = False,
    memory_mb: float = MEMORY_MB,
    exclude: tuple[str, ...] = (),
    budget: Budget | None = DEFAULT_BUDGET,
) -> BuildReport:
    """Build and publish a new generation of the index of `source_dir`.

    :param progress: called with each file's name as it is read and indexed.
    :param lock_timeout: seconds to wait for a build already under way.
    :param strict: refuse to publish if any file of a readable type failed.
    :param memory_mb: about how much memory the build may use; past it,
        postings go to disk in sorted runs, merged when the build ends.
    :param exclude: gitignore patterns to leave out, besides `.kavoshignore`.
    :param budget: the time and memory parsing one file may take.
    """
    started = time.monotonic()
    source_dir = require_folder(source_dir)
    store = GenerationStore(index_dir)
    with store.lock(lock_timeout):
        removed = store.remove_leftovers()
        try:
            with store.new_generation() as (folder, name):
                reading = {"exclude": exclude, "budget": budget}
                walked, runs = _write(folder, source_dir, reading, progress, _pool_mb(memory_mb))
                report, documents, vocabulary = walked.report, walked.documents, walked.vocabulary
                report.removed_leftovers = removed
                refuse_skipped(report, strict, "the previous index")
                refuse_empty(report, source_dir)
                _write_json(folder / DOCUMENTS, documents)
                _write_json(folder / VOCABULARY, vocabulary)
                write_typo_index(folder, vocabulary)
                report.seconds = time.monotonic() - started
                manifest = manifest_of(name, source_dir, report)
                manifest["build"] = {"memory_mb": memory_mb, "sorted_runs": runs}
                # Sizes and checksums let a reader tell a truncated or damaged
                # generation before trusting it, and while serving it.
                seal(folder, manifest)
        except OSError as error:
            raise BuildError(
                f"could not write the index in {index_dir}: {error.strerror or error}; "
                "the previous index is untouched"
            ) from error
        report.generation = store.current_name() or ""
    report.seconds = time.monotonic() - started
    return report


def _pool_mb(memory_mb: float) -> float:
    return max(memory_mb - FIXED_MB, memory_mb * MIN_POOL_SHARE)


def _write(folder, source_dir, reading, progress, pool_mb) -> tuple[WalkResult, int]:
    """Write the passages a child process analyses (see `pipeline`); return
    what it counted and how many sorted runs the postings took on disk."""
    index = whoosh_index.create_in(folder, build_schema())
    # The scored arrays and the token offsets are written with the segment (see `bulk`).
    writer = BulkWriter(index, limitmb=pool_mb, scored_folder=folder)
    records = StoredRecordWriter(folder)  # each passage's stored fields
    try:
        with AnalysedPassages(source_dir, reading, progress) as passages:
            for fields, analysed in passages:
                writer.add_analysed(fields, analysed)
                records.add(fields)
            runs = len(writer.pool.runs)
            # The child compresses the segment's blocks as it is written.
            writer.compressor = passages.compressor()
            writer.commit()
            records.finish()
    except BaseException:
        writer.cancel()
        records.cancel()
        raise
    return passages.result, runs


def _write_json(path: Path, data) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
