"""From a source folder to `Document`s and cited `Passage`s.

This is the pure half of a build: it reads files and returns values, and
knows nothing of the index. Files that cannot be read or parsed are returned
as `Skipped`, named, so the rest of the corpus is still indexed.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from indexer.blocks import LineIndex, ParsedDocument
from indexer.budget import Budget, ParseFailed, within_budget
from indexer.chunker import Chunk, chunk_blocks
from indexer.formats import detect_format, parse
from indexer.formats.paged import page_line, page_of
from indexer.metadata import describe, scripts
from indexer.models import SECTION_SEPARATOR, Citation, Document, Passage
from indexer.sentences import TRAINING_CHARS, SentenceSplitter
from indexer.sources import DEFAULT_BUDGET, Skipped, SourceText, Unread, discover, read_source

# Formats whose parser can be made slow by its input (deep nesting, docutils'
# nested structures): parsed in the budget's worker process. Markdown and
# the line formats parse in linear time here, so a corpus of many small text
# files pays no round trip to the worker.
BUDGETED_FORMATS = {"html", "rst"}


@dataclass
class Corpus:
    """Everything read from a source folder."""

    sources: list[SourceText] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    # Files of types Kavosh does not read, counted by extension.
    unread: Counter[str] = field(default_factory=Counter)
    # What parsing one file may take, for the passes after reading.
    budget: Budget | None = DEFAULT_BUDGET


def read_corpus(
    root: Path,
    progress: Callable[[str], None] | None = None,
    *,
    exclude: Iterable[str] = (),
    budget: Budget | None = DEFAULT_BUDGET,
) -> Corpus:
    """Every file under `root` read (see `sources.discover`), failures named.

    :param exclude: gitignore patterns to leave out, besides `.kavoshignore`.
    :param budget: what one binary file's extraction may take.
    """
    corpus = Corpus(budget=budget)
    for found in discover(root, exclude):
        if isinstance(found, Unread):
            corpus.unread[found.extension] += 1
            continue
        if isinstance(found, Skipped):
            corpus.skipped.append(found)
            continue
        source = read_source(found, root.resolve(), budget)
        if progress:
            progress(source.relative_path)
        if isinstance(source, Skipped):
            corpus.skipped.append(source)
        else:
            corpus.sources.append(source)
            corpus.warnings.extend((source.relative_path, w) for w in source.warnings)
    return corpus


def train_splitter(corpus: Corpus) -> SentenceSplitter:
    """Punkt parameters learnt from (a sample of) the corpus itself."""
    sample, size = [], 0
    for source in corpus.sources:
        sample.append(source.text)
        size += len(source.text)
        if size > TRAINING_CHARS:
            break
    return SentenceSplitter("\n\n".join(sample))


def documents_of(
    source: SourceText, splitter: SentenceSplitter, budget: Budget | None = DEFAULT_BUDGET
) -> Iterator[tuple[Document, list[Passage]]]:
    """The documents of one decoded file, each with its passages.

    :param budget: what parsing a file of a `BUDGETED_FORMATS` format may
        take; past it the file fails with the reason (`OverBudget`).
    """
    lines = LineIndex(source.text)
    if source.parsed is not None:  # PDF, Word: structured while extracted
        fmt = source.parsed.format
        parsed_documents = [source.parsed]
    else:
        fmt = detect_format(source.suffix, source.text)
        guard = budget if fmt in BUDGETED_FORMATS else None
        try:
            parsed_documents = within_budget(guard, parse, source.text, fmt, lines)
        except ParseFailed as error:
            raise ValueError(str(error)) from None
    file_scripts = scripts(source.text)
    for number, parsed in enumerate(parsed_documents):
        title = parsed.title or Path(source.relative_path).name
        document_id = source.relative_path
        if len(parsed_documents) > 1:
            document_id = f"{source.relative_path}#{number + 1}"
        stated = describe(parsed, _front_lines(parsed, source.text))
        document = Document(
            id=document_id,
            path=source.relative_path,
            title=title,
            format=fmt,
            author=stated["author"],
            date=stated["date"],
            publisher=stated["publisher"],
            scripts=file_scripts,
            size=source.size,
            sha256=source.sha256,
            encoding=source.encoding,
            facts=dict(parsed.facts),
            tags=parsed.tags,
        )
        chunks = chunk_blocks(parsed.blocks, source.text, fmt, splitter)
        yield document, _passages(document, chunks, lines, source.pages)


def _front_lines(parsed: ParsedDocument, text: str) -> list[str]:
    lines: list[str] = []
    for block in parsed.blocks:
        if block.kind == "front_matter":
            lines.extend(text[block.start : block.end].splitlines())
    return lines


def _passages(
    document: Document, chunks: list[Chunk], lines: LineIndex, pages: tuple[int, ...] = ()
) -> list[Passage]:
    passages: list[Passage] = []
    seen: dict[str, int] = {}
    for chunk in chunks:
        section = SECTION_SEPARATOR.join(chunk.section) or None
        last_char = max(chunk.start, chunk.end - 1)
        # A paged file's lines count within the page (a reader's "p. 3, line 4").
        page, page_end = page_of(chunk.start, pages), page_of(last_char, pages)
        line_start = page_line(lines.line_of(chunk.start), page, pages, lines)
        line_end = page_line(lines.line_of(last_char), page_end, pages, lines)
        citation = Citation(
            file=document.path,
            line_start=line_start,
            line_end=line_end,
            char_start=chunk.start,
            char_end=chunk.end,
            label=citation_label(document, section, line_start, line_end, page, page_end),
            page=page,
            page_end=page_end,
        )
        passage_id = _stable_id(document.id, section, chunk.text, seen)
        passages.append(
            Passage(
                id=passage_id,
                document_id=document.id,
                title=document.title,
                section=section,
                speaker=chunk.speaker,
                kind=chunk.kind,
                text=chunk.text,
                citation=citation,
                language=chunk.language,
            )
        )
    return passages


def citation_label(
    document: Document,
    section: str | None,
    start: int,
    end: int,
    page: int | None = None,
    page_end: int | None = None,
) -> str:
    """ "Title › Section — file, lines 4–9"; for a paged file "p. 3, lines 4–9",
    or "p. 3, line 40 – p. 4, line 2" across a page break."""
    where = SECTION_SEPARATOR.join(part for part in (document.title, section) if part)
    # A Word file's extracted text has one paragraph per line.
    unit = "paragraph" if document.format == "docx" else "line"
    if page is not None and page_end not in (None, page):
        lines = f"p. {page}, {unit} {start} – p. {page_end}, {unit} {end}"
    else:
        lines = f"{unit} {start}" if start == end else f"{unit}s {start}–{end}"
        if page is not None:
            lines = f"p. {page}, {lines}"
    return f"{where} — {document.path}, {lines}"


def _stable_id(document_id: str, section: str | None, text: str, seen: dict[str, int]) -> str:
    """An id from what the passage says and where, not from its line numbers,
    so that editing one paragraph changes only the ids of the passages it
    touches and saved links survive a rebuild."""
    normalized = re.sub(r"\s+", " ", text).strip()
    key = "\x1f".join((document_id, section or "", normalized))
    digest = hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]
    count = seen.get(digest, 0)
    seen[digest] = count + 1
    return digest if count == 0 else f"{digest}-{count + 1}"
