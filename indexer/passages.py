"""The passages of a source folder, the same for every backend: the walk
over the corpus that `build.build_index` (Whoosh) and `typesense.push`
both write from, the fields each passage stores, what a build counts and
reports, and its manifest.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from indexer.analysis import WORD_PATTERN, fold, indexed_forms, stem
from indexer.budget import Budget
from indexer.corpus import documents_of, read_corpus, train_splitter
from indexer.errors import BuildError, SourceError
from indexer.models import Document, Passage
from indexer.schema import SCHEMA_VERSION
from indexer.sources import DEFAULT_BUDGET, Skipped

# Words whose indexed forms `Tally` remembers; past it the memory is cleared.
FORMS_KEPT = 300_000

# Beside the index proper, each generation stores these.
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


@dataclass
class Tally:
    """What a build counts as passages go by: each document with its passage
    count, and the document frequency of every indexed word form."""

    documents: list[dict] = field(default_factory=list)
    frequencies: Counter[str] = field(default_factory=Counter)
    # Each word as written with its indexed forms, learnt once (bounded).
    _forms: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)

    def count(self, text: str) -> int:
        """Count the forms of one passage's words once each; return its word count."""
        found = WORD_PATTERN.findall(text)
        # Dicts, not sets: the vocabulary's order (and the typo index's,
        # which follows it) is then the corpus's, the same in every build.
        forms_of, forms = self._forms, {}
        for word in dict.fromkeys(found):
            known = forms_of.get(word)
            if known is None:
                if len(forms_of) >= FORMS_KEPT:
                    forms_of.clear()
                known = forms_of[word] = indexed_forms(fold(word))
            forms.update(dict.fromkeys(known))
        self.frequencies.update(forms.keys())
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


def require_folder(source_dir: Path) -> Path:
    """`source_dir` as a `Path`; `SourceError` when it is not a folder."""
    source_dir = Path(source_dir)
    if not source_dir.is_dir():
        raise SourceError(f"source folder {source_dir} does not exist or is not a folder")
    return source_dir


def read_source_folder(
    source_dir: Path,
    progress: Callable[[str], None] | None = None,
    *,
    exclude: tuple[str, ...] = (),
    budget: Budget | None = DEFAULT_BUDGET,
):
    """The corpus of `source_dir`, its sentence splitter and a report already
    holding the files skipped while reading and the types not read.

    :param exclude: gitignore patterns to leave out, besides `.kavoshignore`.
    :param budget: the time and memory parsing one file may take.
    """
    report = BuildReport()
    corpus = read_corpus(source_dir, progress, exclude=exclude, budget=budget)
    report.skipped.extend(corpus.skipped)
    report.warnings.extend(corpus.warnings)
    report.unread = dict(sorted(corpus.unread.items(), key=lambda kv: (-kv[1], kv[0])))
    return corpus, train_splitter(corpus), report


def refuse_skipped(report: BuildReport, strict: bool, previous: str) -> None:
    """With `--strict`, refuse to publish when any file was skipped."""
    if strict and report.skipped:
        names = ", ".join(s.relative_path for s in report.skipped[:5])
        files = "1 file" if len(report.skipped) == 1 else f"{len(report.skipped)} files"
        raise BuildError(f"{files} could not be indexed ({names}); --strict keeps {previous}")


def refuse_empty(report: BuildReport, source_dir: Path) -> None:
    """Refuse to publish a build that found no passage: an empty index would
    answer every search with nothing, and look like a working one."""
    if report.passages:
        return
    found = []
    unread = sum(report.unread.values())
    if unread:
        kinds = "a type" if unread == 1 else "types"
        found.append(f"{_files(unread)} of {kinds} Kavosh does not read")
    if report.skipped:
        found.append(f"{_files(len(report.skipped))} that could not be read")
    detail = f" ({'; '.join(found)})" if found else ""
    raise BuildError(
        f"nothing to index: no file in {source_dir} yielded a passage{detail}; "
        "the previous index, if any, is kept"
    )


def _files(count: int) -> str:
    return f"{count:,} file" + ("" if count == 1 else "s")
