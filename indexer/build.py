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
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from whoosh import index as whoosh_index

from indexer.analysis import WORD_PATTERN, fold, indexed_forms, stem
from indexer.budget import Budget
from indexer.bulk import BulkWriter
from indexer.corpus import documents_of, read_corpus, train_splitter
from indexer.errors import BuildError, SourceError
from indexer.generations import MANIFEST, GenerationStore
from indexer.models import Document, Passage
from indexer.schema import SCHEMA_VERSION, build_schema
from indexer.sources import DEFAULT_BUDGET, Skipped

DOCUMENTS = "documents.json"
VOCABULARY = "vocabulary.json"


@dataclass
class BuildReport:
    """What a build did, for the closing summary."""

    generation: str = ""
    documents: int = 0
    passages: int = 0
    words: int = 0
    seconds: float = 0.0
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    removed_leftovers: list[str] = field(default_factory=list)
    # Files of types Kavosh does not read, by extension: counted, not failures.
    unread: dict[str, int] = field(default_factory=dict)


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
    source_dir = Path(source_dir)
    if not source_dir.is_dir():
        raise SourceError(f"source folder {source_dir} does not exist or is not a folder")
    store = GenerationStore(index_dir)
    report = BuildReport()
    with store.lock(lock_timeout):
        report.removed_leftovers = store.remove_leftovers()
        corpus = read_corpus(source_dir, progress, exclude=exclude, budget=budget)
        report.skipped.extend(corpus.skipped)
        report.warnings.extend(corpus.warnings)
        report.unread = dict(sorted(corpus.unread.items(), key=lambda kv: (-kv[1], kv[0])))
        splitter = train_splitter(corpus)
        try:
            with store.new_generation() as (folder, name):
                documents, vocabulary = _write(folder, corpus, splitter, report, progress)
                if strict and report.skipped:
                    names = ", ".join(s.relative_path for s in report.skipped[:5])
                    raise BuildError(
                        f"{len(report.skipped)} file(s) could not be indexed ({names}); "
                        "--strict keeps the previous index"
                    )
                if not report.passages:
                    raise BuildError(nothing_indexed(source_dir, report))
                _write_json(folder / DOCUMENTS, documents)
                _write_json(folder / VOCABULARY, vocabulary)
                report.seconds = time.monotonic() - started
                manifest = manifest_of(name, source_dir, report)
                # Sizes let a reader tell a truncated or damaged generation
                # before trusting it (see SearchService).
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


def nothing_indexed(source_dir: Path, report: BuildReport) -> str:
    """Why a build that found no passage is refused (an empty index would
    answer every search with nothing, and look like a working one)."""
    found = []
    unread = sum(report.unread.values())
    if unread:
        kinds = "a type" if unread == 1 else "types"
        found.append(f"{_files(unread)} of {kinds} Kavosh does not read")
    if report.skipped:
        found.append(f"{_files(len(report.skipped))} that could not be read")
    detail = f" ({'; '.join(found)})" if found else ""
    return (
        f"nothing to index: no file in {source_dir} yielded a passage{detail}; "
        "the previous index, if any, is kept"
    )


def _files(count: int) -> str:
    return f"{count:,} file" + ("" if count == 1 else "s")


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


@dataclass
class Tally:
    """What a build counts as passages go by: each document with its passage
    count, and the document frequency of every indexed word form."""

    documents: list[dict] = field(default_factory=list)
    frequencies: Counter[str] = field(default_factory=Counter)

    def count(self, text: str) -> int:
        """Count the forms of one passage's words once each; return its word count."""
        found = WORD_PATTERN.findall(text)
        self.frequencies.update({f for word in set(found) for f in indexed_forms(fold(word))})
        return len(found)

    def vocabulary(self) -> dict:
        return {form: [stem(form), count] for form, count in self.frequencies.items()}


def each_passage(corpus, splitter, report: BuildReport, progress, tally: Tally):
    """Every passage of the corpus in order, as (document, passage, position),
    counted into `report` and `tally`; every backend writes from this."""
    position = 0
    for source in corpus.sources:
        try:
            parsed = list(documents_of(source, splitter, corpus.budget))
        except Exception as error:  # one broken file must not stop the corpus
            report.skipped.append(Skipped(source.relative_path, f"could not parse: {error}"))
            continue
        if progress:
            progress(source.relative_path)
        for document, passages in parsed:
            for passage in passages:
                yield document, passage, position
                position += 1
                report.words += tally.count(passage.text)
            report.passages += len(passages)
            report.documents += 1
            tally.documents.append({**document.to_dict(), "passages": len(passages)})


def passage_fields(document: Document, passage: Passage, position: int) -> dict:
    """What the index stores of one passage; every backend stores the same."""
    fields = {
        "id": passage.id,
        "document": document.id,
        "source": document.path,
        "kind": passage.kind,
        "text": passage.text,
        "title": document.title,
        "position": position,
        "citation": passage.citation.to_dict(),
    }
    if passage.section:
        fields["section"] = passage.section
        fields["section_path"] = passage.section
    if passage.speaker:
        fields["speaker"] = passage.speaker
        fields["speaker_name"] = passage.speaker
    if passage.language:
        fields["language"] = passage.language
    if document.tags:
        fields["tags"] = ",".join(tag.replace(",", " ") for tag in document.tags)
    return fields


def manifest_of(name: str, source_dir: Path, report: BuildReport) -> dict:
    """What a generation records about its build; every backend records the same."""
    return {
        "schema_version": SCHEMA_VERSION,
        "generation": name,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "source_dir": str(source_dir.resolve()),
        "documents": report.documents,
        "passages": report.passages,
        "words": report.words,
        "seconds": round(report.seconds, 2),
        "skipped": [{"path": s.relative_path, "reason": s.reason} for s in report.skipped],
        "unread": report.unread,
        "warnings": [{"path": path, "warning": text} for path, text in report.warnings],
    }


def _write_json(path: Path, data) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
