"""The typed values that flow through the indexer: files become `Document`s,
documents become `Passage`s, and every passage carries its `Citation`.

They are plain frozen dataclasses so that every later stage (index, search
core, JSON, HTML) can rely on them without knowing how they were made.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

SECTION_SEPARATOR = " › "


@dataclass(frozen=True)
class Citation:
    """Where a passage stands in its source file.

    Lines are 1-based and inclusive; characters are 0-based offsets into the
    decoded (and, for .gz files, decompressed) text, end exclusive. For PDF
    and Word that text is the extracted text (`sources.read_source`).

    A paged file (PDF) also names the pages: `page` holds the first cited
    line, `page_end` the last (the same page unless the passage crosses a
    page break), and each line number counts within its own page, as a
    reader cites a book. Both are None for formats without pages.
    """

    file: str
    line_start: int
    line_end: int
    char_start: int
    char_end: int
    label: str
    page: int | None = None
    page_end: int | None = None

    @property
    def anchor(self) -> str:
        return f"L{self.line_start}-L{self.line_end}"

    def to_dict(self) -> dict:
        # Spelled out: `asdict` recurses and copies, ten times slower on the
        # API's path, for fields that are all plain values.
        return {
            "file": self.file,
            "line_start": self.line_start,
            "line_end": self.line_end,
            "char_start": self.char_start,
            "char_end": self.char_end,
            "label": self.label,
            "page": self.page,
            "page_end": self.page_end,
        }


@dataclass(frozen=True)
class Document:
    """One document: a file, or one article of a file that holds several."""

    id: str
    path: str
    title: str
    format: str
    author: str | None = None
    date: str | None = None
    publisher: str | None = None
    scripts: tuple[str, ...] = ()
    size: int = 0
    sha256: str = ""
    encoding: str = "utf-8"
    facts: dict[str, str] = field(default_factory=dict)
    # Front matter `tags:` (Markdown): a facet of every passage of the document.
    tags: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        data = asdict(self)
        data["scripts"] = list(self.scripts)
        data["tags"] = list(self.tags)
        return data


@dataclass(frozen=True)
class Passage:
    """The unit a reader cites: a paragraph, or a run of whole sentences."""

    id: str
    document_id: str
    title: str
    section: str | None
    speaker: str | None
    kind: str
    text: str
    citation: Citation
    # The language of a `code` passage, as its fence or directive names it.
    language: str | None = None

    @property
    def word_count(self) -> int:
        return len(self.text.split())
