"""Building one index generation from a source folder.

`build_index` is what `kavosh index` runs: read the corpus, chunk it, write
the passages into a new Whoosh generation beside the live one, and publish it
atomically (see `generations`). Besides the Whoosh files, a generation holds:

- `manifest.json`: schema version, build time, counts, skipped files;
- `documents.json`: each document's metadata and passage count;
- `vocabulary.json`: every folded word form with its stem and document
  frequency, which the search core uses for typo tolerance, "did you mean"
  and completions without scanning the index.
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
from indexer.generations import MANIFEST, GenerationStore
from indexer.passages import (
    DOCUMENTS,
    VOCABULARY,
    BuildReport,
    Tally,
    each_passage,
    manifest_of,
    passage_fields,
    read_source_folder,
    refuse_empty,
    refuse_skipped,
    require_folder,
)
from indexer.schema import build_schema
from indexer.scored_postings import write_scored_postings
from indexer.sources import DEFAULT_BUDGET

__all__ = ["BuildReport", "build_index"]


def build_index(
    source_dir: Path,
    index_dir: Path,
    *,
    progress: Callable[[str], None] | None = None,
    lock_timeout: float = 60.0,
    strict: bool = False,
    exclude: tuple[str, ...] = (),
    budget: Budget | None = DEFAULT_BUDGET,
) -> BuildReport:
    """Build and publish a new generation of the index of `source_dir`.

    :param progress: called with each file's name as it is read and indexed.
    :param lock_timeout: seconds to wait for a build already under way.
    :param strict: refuse to publish if any file of a readable type failed.
    :param exclude: gitignore patterns to leave out, besides `.kavoshignore`.
    :param budget: the time and memory parsing one file may take.
    """
    started = time.monotonic()
    source_dir = require_folder(source_dir)
    store = GenerationStore(index_dir)
    with store.lock(lock_timeout):
        removed = store.remove_leftovers()
        corpus, splitter, report = read_source_folder(
            source_dir, progress, exclude=exclude, budget=budget
        )
        report.removed_leftovers = removed
        try:
            with store.new_generation() as (folder, name):
                documents, vocabulary = _write(folder, corpus, splitter, report, progress)
                refuse_skipped(report, strict, "the previous index")
                refuse_empty(report, source_dir)
                write_scored_postings(folder)
                _write_json(folder / DOCUMENTS, documents)
                _write_json(folder / VOCABULARY, vocabulary)
                report.seconds = time.monotonic() - started
                manifest = manifest_of(name, source_dir, report)
                # Sizes let a reader tell a truncated or damaged generation
                # before trusting it (see `GenerationStore.checked_manifest`).
                manifest["files"] = {
                    p.name: p.stat().st_size
                    for p in sorted(folder.iterdir())
                    if p.is_file() and not p.name.endswith("WRITELOCK")
                }
                _write_json(folder / MANIFEST, manifest)
        except OSError as error:
            raise BuildError(
                f"could not write the index in {index_dir}: {error.strerror or error}; "
                "the previous index is untouched"
            ) from error
        report.generation = store.current_name() or ""
    report.seconds = time.monotonic() - started
    return report


def _write(folder, corpus, splitter, report, progress) -> tuple[list[dict], dict]:
    index = whoosh_index.create_in(folder, build_schema())
    writer = BulkWriter(index)
    tally = Tally()
    try:
        for document, passage, position in each_passage(corpus, splitter, report, progress, tally):
            writer.add_document(**passage_fields(document, passage, position))
        writer.commit()
    except BaseException:
        writer.cancel()
        raise
    return tally.documents, tally.vocabulary()


def _write_json(path: Path, data) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
