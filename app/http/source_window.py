"""The source viewer's text, cut into windows: what `/source/<file>` shows.

Viewing a file of any size must cost about what a small one costs, and must
never slow search (#15: WikiText-2's `train.txt.gz` was 16 MB of HTML per
view). So a file is read once per index generation, through
`indexer.sources.read_source` (the reader the indexer used, so every citation
points into exactly this text), and kept compactly: as UTF-8 bytes with the
offset of every 64th line, not as a list of lines. A view then decodes only
its window of rows (at most `WINDOW_ROWS`, each cut at `MAX_ROW_CHARS`).

Two layouts share one interface of numbered rows:

- `LineLayout`: a row per line of the text, as citations count lines. For a
  paged format (a PDF, whose text is the extracted text) each row also knows
  its page and its line within the page, as its citations count them.
- `BlockLayout`: an HTML file as readable text, a row per block of text the
  indexer extracted (paragraphs, list items), each knowing the lines of the
  markup it came from; the raw markup is one click away.

Nothing here knows Flask.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

import numpy as np

from indexer.blocks import LineIndex
from indexer.formats import detect_format, parse
from indexer.models import SECTION_SEPARATOR
from indexer.sources import SourceText, format_suffix

WINDOW_ROWS = 200
CONTEXT_ROWS = 12  # rows shown above a cited range
MAX_ROW_CHARS = 5_000  # a longer line (a minified file) is cut, and says so
CHECKPOINT = 64  # one stored line offset per this many lines
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Row:
    """One numbered row of a view: a line, or a block of readable text."""

    number: int  # 1-based position among the layout's rows
    line: int  # the first line of the text it shows (1-based)
    last_line: int
    text: str
    cut: int = 0  # characters left out of a very long line
    page: int | None = None  # paged formats: the page, and the line within it
    page_line: int | None = None
    section: str | None = None  # readable HTML: the section the block is under


class LineLayout:
    """A text as lines, kept as UTF-8 bytes with sparse line offsets."""

    readable = False
    sha256 = ""  # of the file as read, to tell whether it changed since the build

    def __init__(self, text: str, pages: tuple[int, ...] = ()):
        self.data = text.encode("utf-8")
        self.checkpoints, self.line_count = _checkpoints(self.data)
        # The first line of each page (1-based), counted in one pass.
        self.page_lines: list[int] = []
        line, position = 1, 0
        for offset in sorted(pages):
            line += text.count("\n", position, offset)
            position = offset
            self.page_lines.append(line)

    @property
    def size(self) -> int:
        return len(self.data)

    def __len__(self) -> int:
        return self.line_count

    def row_of_line(self, line: int) -> int:
        return min(max(1, line), self.line_count)

    def line_of_page(self, page: int, page_line: int) -> int | None:
        """The text's line for line `page_line` of page `page`, or None."""
        if not 1 <= page <= len(self.page_lines):
            return None
        return self.page_lines[page - 1] + page_line - 1

    def rows(self, first: int, count: int) -> list[Row]:
        first = self.row_of_line(first)
        position = self._start_of(first)
        rows = []
        for line in range(first, min(self.line_count, first + count - 1) + 1):
            end = self.data.find(b"\n", position)
            end = len(self.data) if end == -1 else end
            rows.append(self._row(line, position, end))
            position = end + 1
        return rows

    def _row(self, line: int, start: int, end: int) -> Row:
        raw = self.data[start : min(end, start + MAX_ROW_CHARS * 4)]
        text = raw.decode("utf-8", errors="ignore").rstrip("\r")
        cut = 0
        if len(text) > MAX_ROW_CHARS or end - start > len(raw):
            whole = len(self.data[start:end].decode("utf-8", errors="ignore"))
            text = text[:MAX_ROW_CHARS]
            cut = whole - len(text)
        page = page_line = None
        if self.page_lines:
            page = max(1, bisect.bisect_right(self.page_lines, line))
            page_line = line - self.page_lines[page - 1] + 1
        return Row(line, line, line, text, cut, page, page_line)

    def _start_of(self, line: int) -> int:
        """The byte offset where `line` starts: from the nearest checkpoint."""
        position = int(self.checkpoints[(line - 1) // CHECKPOINT])
        for _ in range((line - 1) % CHECKPOINT):
            position = self.data.find(b"\n", position) + 1
        return position


def _checkpoints(data: bytes) -> tuple[np.ndarray, int]:
    """The byte offset of lines 1, 65, 129, … and the number of lines.

    Found a chunk at a time, so a file of newlines never holds an offset per
    line in memory."""
    found = [np.zeros(1, dtype=np.int64)]
    newlines = 0
    array = np.frombuffer(data, dtype=np.uint8)
    for offset in range(0, len(array), _CHUNK):
        starts = np.flatnonzero(array[offset : offset + _CHUNK] == 10) + (offset + 1)
        # Line newlines+k+2 starts after the k-th newline of this chunk.
        skip = (-(newlines + 1)) % CHECKPOINT
        found.append(starts[skip::CHECKPOINT])
        newlines += len(starts)
    return np.concatenate(found), newlines + 1


class BlockLayout:
    """An HTML file as readable text: the blocks the indexer extracted."""

    readable = True
    sha256 = ""
    page_lines: list[int] = []

    def __init__(self, text: str):
        lines = LineIndex(text)
        self.line_count = len(lines.starts)
        self.blocks: list[Row] = []
        self.size = 0
        for document in parse(text, "html", lines):
            for block in document.blocks:
                number = len(self.blocks) + 1
                first, last = lines.line_of(block.start), lines.line_of(block.end - 1)
                section = SECTION_SEPARATOR.join(block.section) or None
                self.blocks.append(Row(number, first, last, block.text or "", section=section))
                self.size += len(block.text or "") * 2

    def __len__(self) -> int:
        return len(self.blocks)

    def row_of_line(self, line: int) -> int:
        """The first block that reaches `line`."""
        for row in self.blocks:
            if row.last_line >= line:
                return row.number
        return max(1, len(self.blocks))

    def line_of_page(self, page: int, page_line: int) -> int | None:
        return None

    def rows(self, first: int, count: int) -> list[Row]:
        return self.blocks[max(0, first - 1) : first - 1 + count]


Layout = LineLayout | BlockLayout


def layout_of(source: SourceText) -> Layout:
    """Readable blocks for HTML, lines for everything else.

    HTML that no longer parses (edited since the build) is shown as its lines:
    a view must never fail where the raw text can still be shown."""
    layout: Layout | None = None
    if detect_format(source.suffix, source.text) == "html":
        try:
            layout = BlockLayout(source.text)
        except Exception:  # the parser's failure is the build's to report
            layout = None
    if layout is None:
        layout = LineLayout(source.text, tuple(getattr(source, "pages", ()) or ()))
    layout.sha256 = source.sha256
    return layout


@dataclass(frozen=True)
class Window:
    rows: list[Row]
    first: int  # the first row's number
    total: int  # rows in the layout
    earlier: int | None  # where the window before this one starts
    later: int | None


def window(layout: Layout, cited: range, at: int | None) -> Window:
    """The rows to show: from row `at` if given, else a little above the
    first cited line, else from the start."""
    total = len(layout)
    if at is None:
        at = layout.row_of_line(cited.start) - CONTEXT_ROWS if cited else 1
    last_window = max(1, total - WINDOW_ROWS + 1)
    first = last_window if at > total else max(1, at)
    rows = layout.rows(first, WINDOW_ROWS)
    earlier = max(1, first - WINDOW_ROWS) if first > 1 else None
    later = first + WINDOW_ROWS if first + WINDOW_ROWS <= total else None
    return Window(rows, first, total, earlier, later)


# Raw files are served as themselves; text of every kind as plain text (the
# markup of an HTML source is what "raw" shows, and plain text runs nothing).
RAW_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def raw_content_type(name: str, encoding: str | None) -> str:
    """The content type `/source/<file>?raw=1` sends for `name`."""
    if name.lower().endswith(".gz"):
        return "application/gzip"
    return RAW_TYPES.get(format_suffix(name)) or f"text/plain; charset={encoding or 'utf-8'}"
