"""Reading a PDF's text layer with PDFium (`pypdfium2`), page by page.

PDFium was chosen over pypdf and pdfminer.six by measurement (see the
commit that added this module): it keeps the reading order of justified
and multi-column text, decomposes ligature glyphs (pypdf leaves `ﬁ`), marks
the hyphens it inserted at line ends apart from real ones (so "man-agement"
becomes "management" and "On-line" stays), and is 10-25 times faster.

A page's characters come with boxes and font sizes. From them:

- lines repeated at the top or bottom of most pages (running headers,
  footers, page numbers; digits compared as one) are dropped;
- a line in a font clearly larger than the body text is a heading, and the
  distinct heading sizes, largest first, give the levels;
- a vertical gap wider than the page's usual leading, or a short line that
  ends a sentence, ends a paragraph; a bullet starts a list item.

The extracted text has one line per PDF line, a blank line between
paragraphs, and a blank line between pages. A paragraph cut by a page (or
column) break is joined with the repair the line formats use.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections import Counter
from dataclasses import dataclass

import pypdfium2
import pypdfium2.raw as pdfium_c

from indexer.formats.lines import ends_mid_sentence, join_page_breaks, starts_lower
from indexer.formats.paged import Extracted, TextBuilder, page_of

NO_TEXT_LAYER = "no text layer (scanned?)"
ENCRYPTED = "encrypted"

_EDGE_LINES = 3  # lines at each end of a page where headers and footers stand
_HEADING_RATIO = 1.15  # a font this much larger than the body's is a heading
_HEADING_WORDS = 20
_BULLET = re.compile(r"^\s*(?:[•◦▪‣●○■–-]|\d{1,3}[.)])\s+\S")
_SENTENCE_END = tuple(".!?:;\"'”’)]»…")
_DIGITS = re.compile(r"\d+")
# PDFium's mark for a hyphen it found at a line end and joined across.
_SOFT_HYPHEN = "\ufffe"
# Hyphens a typesetter adds where it breaks a word: Chromium prints a broken
# soft hyphen as U+2010; U+00AD itself is invisible wherever it stands. A
# plain "-" at a line end may be a compound's ("built-in"), so it is kept.
_BREAK_HYPHENS = ("\u2010", "\u00ad")
_WORD_START = re.compile(r"^\s*([a-zà-ÿ][\w’']*[,.;:!?)]*)\s*")


@dataclass
class _Line:
    text: str
    top: float
    bottom: float
    left: float
    right: float
    size: float

    @property
    def height(self) -> float:
        return max(self.top - self.bottom, 1.0)


def extract_pdf(data: bytes, name: str = "") -> Extracted:
    """The text, page starts and structure of a PDF.

    Raises ValueError("encrypted") for a PDF that needs a password and
    ValueError("no text layer (scanned?)") for one whose pages hold no text.
    """
    try:
        pdf = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as error:
        if "password" in str(error).lower():
            raise ValueError(ENCRYPTED) from None
        raise ValueError(f"not a readable PDF: {error}") from None
    try:
        pages = [_page_lines(pdf[number]) for number in range(len(pdf))]
        title = (pdf.get_metadata_dict().get("Title") or "").strip()
    finally:
        pdf.close()
    if not any(line.text.strip() for page in pages for line in page):
        raise ValueError(NO_TEXT_LAYER)
    pages = _drop_running_lines(pages)
    return _structure(pages, title or name)


def _page_lines(page) -> list[_Line]:
    textpage = page.get_textpage()
    try:
        count = textpage.count_chars()
        text = textpage.get_text_range(0, count) if count else ""
        lines: list[_Line] = []
        start = 0
        for match in re.finditer(r"\r\n|\n|\r", text + "\n"):
            end = match.start()
            line = _line(textpage, text, start, end)
            if line is not None:
                lines.append(line)
            start = match.end()
        return _join_hyphenated(lines)
    finally:
        textpage.close()
        page.close()


def _join_hyphenated(lines: list[_Line]) -> list[_Line]:
    """A word broken at a line end with a typesetter's hyphen is made whole
    on the first line ("unpredic‐" / "table" becomes "unpredictable")."""
    for above, below in zip(lines, lines[1:], strict=False):
        if not above.text.endswith(_BREAK_HYPHENS):
            continue
        match = _WORD_START.match(below.text)
        if match and match.end() < len(below.text):
            above.text = above.text[:-1] + match.group(1)
            below.text = below.text[match.end() :]
    for line in lines:
        line.text = line.text.replace("\u00ad", "")
    return lines


def _line(textpage, text: str, start: int, end: int) -> _Line | None:
    raw = text[start:end]
    cleaned = unicodedata.normalize("NFKC", raw.replace(_SOFT_HYPHEN, "")).rstrip()
    if not cleaned.strip():
        return None
    boxes, sizes = [], []
    for index in range(start, min(end, len(text))):
        if text[index].isspace() or text[index] == _SOFT_HYPHEN:
            continue
        boxes.append(textpage.get_charbox(index))
        sizes.append(round(pdfium_c.FPDFText_GetFontSize(textpage, index), 1))
    if not boxes:
        return None
    return _Line(
        text=cleaned,
        left=min(box[0] for box in boxes),
        bottom=min(box[1] for box in boxes),
        right=max(box[2] for box in boxes),
        top=max(box[3] for box in boxes),
        size=Counter(sizes).most_common(1)[0][0],
    )


def _drop_running_lines(pages: list[list[_Line]]) -> list[list[_Line]]:
    """Drop lines that stand at a page's top or bottom on most pages."""
    if len(pages) < 2:
        return pages

    def key(line: _Line) -> str:
        return _DIGITS.sub("#", " ".join(line.text.split())).lower()

    counts: Counter[str] = Counter()
    for page in pages:
        counts.update({key(line) for line in _edges(page)})
    needed = max(2, round(0.6 * len(pages)))
    running = {text for text, count in counts.items() if count >= needed}
    kept = []
    for page in pages:
        edges = {id(line) for line in _edges(page)}
        kept.append([ln for ln in page if not (id(ln) in edges and key(ln) in running)])
    return kept


def _edges(page: list[_Line]) -> list[_Line]:
    return page[:_EDGE_LINES] + page[_EDGE_LINES:][-_EDGE_LINES:]


def _structure(pages: list[list[_Line]], fallback_title: str) -> Extracted:
    lines = [line for page in pages for line in page]
    body_size = Counter({size: n for size, n in _size_weights(lines).items()}).most_common(1)[0][0]
    heading_sizes = sorted({ln.size for ln in lines if _is_heading(ln, body_size)}, reverse=True)
    levels = {size: level for level, size in enumerate(heading_sizes, start=1)}
    # Where body lines start: a paragraph indented past it is a list item
    # (a printed list's bullets are often drawn, not text).
    body_left = Counter(round(ln.left) for ln in lines if ln.size == body_size).most_common(1)[0][0]
    out = TextBuilder("pdf")
    for page in pages:
        out.new_page()
        _write_page(out, page, body_size, body_left, levels)
        out.blank()
    extracted = out.finish(fallback_title)
    join_page_breaks(extracted.document, extracted.text)
    _join_list_items_across_pages(extracted)
    return extracted


def _join_list_items_across_pages(extracted: Extracted) -> None:
    """A list item cut by a page break, joined by the paragraphs' rule (it
    stops mid-sentence, and the next page goes on in lower case)."""
    text, pages, joined = extracted.text, extracted.pages, []
    for block in extracted.document.blocks:
        previous = joined[-1] if joined else None
        if (
            previous is not None
            and previous.kind == block.kind == "list_item"
            and previous.section == block.section
            and page_of(previous.end, pages) != page_of(block.start, pages)
            and ends_mid_sentence(text[previous.start : previous.end])
            and starts_lower(text[block.start : block.end])
        ):
            previous.spans.extend(block.spans)
            continue
        joined.append(block)
    extracted.document.blocks = joined


def _size_weights(lines: list[_Line]) -> Counter[float]:
    weights: Counter[float] = Counter()
    for line in lines:
        weights[line.size] += len(line.text)
    return weights


def _is_heading(line: _Line, body_size: float) -> bool:
    words = len(line.text.split())
    return line.size >= body_size * _HEADING_RATIO and 0 < words <= _HEADING_WORDS


def _write_page(
    out: TextBuilder, page: list[_Line], body_size: float, body_left: float, levels
) -> None:
    leading = _leading(page)
    right_margin = max((ln.right for ln in page), default=0.0)
    paragraph: list[tuple[int, int]] = []
    kind = "paragraph"
    previous: _Line | None = None
    heading: list[_Line] = []

    def close() -> None:
        nonlocal paragraph
        if paragraph:
            out.block(kind, paragraph[0][0], paragraph[-1][1])
            out.blank()
            paragraph = []

    def close_heading() -> None:
        if heading:
            name = " ".join(ln.text.strip() for ln in heading)
            out.heading(name, levels[heading[0].size])
            heading.clear()
            out.blank()

    for line in page:
        if _is_heading(line, body_size) and line.size in levels:
            close()
            if heading and heading[-1].size != line.size:
                close_heading()
            out.line(line.text.strip())
            heading.append(line)
            previous = line
            continue
        close_heading()
        bullet = bool(_BULLET.match(line.text))
        if paragraph and (
            bullet or _breaks(previous, line, leading, right_margin, kind == "list_item")
        ):
            close()
        if not paragraph:
            indented = line.left > body_left + line.height
            kind = "list_item" if bullet or indented else "paragraph"
        paragraph.append(out.line(line.text.strip()))
        previous = line
    close()
    close_heading()


def _leading(page: list[_Line]) -> float:
    """The usual gap between one line's bottom and the next line's top."""
    gaps = [
        above.bottom - below.top
        for above, below in zip(page, page[1:], strict=False)
        if 0 <= above.bottom - below.top < 3 * above.height
    ]
    return statistics.median(gaps) if gaps else 0.0


def _breaks(above: _Line, below: _Line, leading: float, right_margin: float, item: bool) -> bool:
    """Whether a paragraph ends between two consecutive lines of a page."""
    gap = above.bottom - below.top
    if gap < -above.height:  # the text went up: a new column
        return True
    if item and below.left < above.left - above.height:  # back out of a list
        return True
    if gap > leading + 0.5 * above.height:
        return True
    if abs(above.size - below.size) > 0.5:
        return True
    ends_sentence = above.text.rstrip().endswith(_SENTENCE_END)
    short = above.right < right_margin - 3 * above.height
    return ends_sentence and short
