"""What every format parser produces: a document as an ordered list of
`Block`s, each knowing its section, speaker, kind and where it stands in the
file.

A block points into the decoded file text by character spans rather than
carrying cleaned text, so the chunker can split it at sentence boundaries and
still cite exact offsets. HTML, whose visible text is not a substring of the
file, carries its text and a span that contains every one of its words.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Block:
    kind: str  # paragraph | list_item | infobox | front_matter | table | code
    spans: list[tuple[int, int]]
    section: tuple[str, ...] = ()
    speaker: str | None = None
    text: str | None = None  # set when the text is not the spans' raw text (HTML)
    # True when a heading or a speaker label stands between this block and the
    # previous one: such blocks are never joined across a page break.
    after_break: bool = False
    # A code block's language (the fence's info word, `.. code-block:: python`).
    language: str | None = None
    # How a run of this block's raw text becomes passage text, where the
    # format's own parser must do it (Markdown inline syntax); None: by format.
    clean: Callable[[str], str] | None = None

    @property
    def start(self) -> int:
        return self.spans[0][0]

    @property
    def end(self) -> int:
        return self.spans[-1][1]


@dataclass
class ParsedDocument:
    """One document found in a file, before metadata and chunking."""

    title: str
    format: str
    blocks: list[Block] = field(default_factory=list)
    facts: dict[str, str] = field(default_factory=dict)
    # Metadata the format states outright (HTML <meta>, Markdown front matter).
    stated: dict[str, str] = field(default_factory=dict)
    tags: tuple[str, ...] = ()


class LineIndex:
    """Maps character offsets of a text to 1-based line numbers."""

    def __init__(self, text: str):
        self.starts = [0]
        position = text.find("\n")
        while position != -1:
            self.starts.append(position + 1)
            position = text.find("\n", position + 1)

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)

    def lines(self, text: str):
        """Yield (start, end, line) for each line, end excluding the newline."""
        ends = [s - 1 for s in self.starts[1:]] + [len(text)]
        for start, end in zip(self.starts, ends, strict=True):
            yield start, end, text[start:end]
