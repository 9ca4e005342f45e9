"""What a binary format (PDF, Word) is read into: the text that its passages
are cited against, with the document structure already found.

A PDF or `.docx` file has no text a reader could cite lines of, so Kavosh
extracts one: `Extracted.text` is what the source viewer shows and what every
citation of the file counts lines and characters in. For a PDF, `pages`
holds the character offset where each page starts, and a passage's lines
are counted within its page (see `page_line`). The structure (headings,
paragraphs, list items, tables) is found while extracting, from fonts and
styles the text alone no longer carries, and kept as a `ParsedDocument`
whose block spans point into `text`.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from indexer.blocks import Block, ParsedDocument


@dataclass
class Extracted:
    """A binary file's extracted text, its page starts and its structure."""

    text: str
    pages: tuple[int, ...]
    document: ParsedDocument


def page_of(offset: int, pages: tuple[int, ...]) -> int | None:
    """The 1-based page holding character `offset`, None without pages."""
    if not pages:
        return None
    return max(1, bisect.bisect_right(pages, offset))


def page_line(line: int, page: int | None, pages: tuple[int, ...], line_starts) -> int:
    """File line `line` counted within `page` (1 is the page's first line).

    :param line_starts: the `LineIndex` of the whole text, to find the line
        the page starts on.
    """
    if page is None:
        return line
    first = line_starts.line_of(pages[page - 1])
    return line - first + 1


@dataclass
class TextBuilder:
    """Writes extracted text line by line and records blocks and page starts."""

    format: str
    parts: list[str] = field(default_factory=list)
    length: int = 0
    pages: list[int] = field(default_factory=list)
    document: ParsedDocument | None = None
    _sections: list[tuple[int, str]] = field(default_factory=list)
    _after_heading: bool = False

    def __post_init__(self):
        self.document = ParsedDocument(title="", format=self.format)

    def line(self, text: str) -> tuple[int, int]:
        """Append one line; return its span (without the newline)."""
        start = self.length
        self.parts.append(text + "\n")
        self.length += len(text) + 1
        return start, start + len(text)

    def blank(self) -> None:
        """A blank line, unless the text is empty or already ends with one."""
        if self.parts and self.parts[-1] != "\n":
            self.line("")

    def new_page(self) -> None:
        self.pages.append(self.length)

    def heading(self, name: str, level: int) -> None:
        """A heading: the first top-level one names the document, others
        make the section path (as in the line formats)."""
        if not self.document.title and level == 1:
            self.document.title = name
        else:
            while self._sections and self._sections[-1][0] >= level:
                self._sections.pop()
            self._sections.append((level, name))
        self._after_heading = True

    def block(self, kind: str, start: int, end: int) -> Block:
        block = Block(
            kind,
            [(start, end)],
            tuple(name for _, name in self._sections),
            after_break=self._after_heading,
        )
        self._after_heading = False
        self.document.blocks.append(block)
        return block

    def finish(self, fallback_title: str = "") -> Extracted:
        if not self.document.title:
            self.document.title = fallback_title
        return Extracted("".join(self.parts), tuple(self.pages), self.document)
