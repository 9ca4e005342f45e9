"""Reading a Word `.docx` file with `python-docx`.

The extracted text has one line per paragraph of the document, in the
document's order, and one line per table row with its cells separated by
` | `: a passage's lines are its paragraph numbers (a table row counts as
one). Empty paragraphs are left out, so the numbers count what a reader
sees.

- Paragraph styles `Heading 1`, `Heading 2`, … (or their style ids
  `Heading1`, …, which do not depend on Word's language) make the section
  path; a `Title` paragraph, else the first `Heading 1`, names the document,
  and the file's own title property comes next.
- List paragraphs (a `List …` style, or numbering) are list items.
- A table is one block whose rows read as rows.
"""

from __future__ import annotations

import io
import re

import docx
from docx.table import Table
from docx.text.paragraph import Paragraph

from indexer.formats.paged import Extracted, TextBuilder

_HEADING_STYLE = re.compile(r"^heading ?(\d)$", re.I)
_SPACES = re.compile(r"\s+")


def extract_docx(data: bytes, name: str = "") -> Extracted:
    """The text (one paragraph per line) and structure of a `.docx` file."""
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as error:  # a zip without Word's parts, or a broken zip
        raise ValueError(f"not a readable Word file: {error}") from None
    out = TextBuilder("docx")
    title_property = (document.core_properties.title or "").strip()
    for item in document.iter_inner_content():
        if isinstance(item, Paragraph):
            _paragraph(out, item)
        elif isinstance(item, Table):
            _table(out, item)
    return out.finish(title_property or name)


def _paragraph(out: TextBuilder, paragraph: Paragraph) -> None:
    text = _SPACES.sub(" ", paragraph.text).strip()
    if not text:
        return
    start, end = out.line(text)
    style = _style_names(paragraph)
    level = _heading_level(style)
    if "title" in style and not out.document.title:
        out.document.title = text
    elif level is not None:
        out.heading(text, level)
    elif _is_list(paragraph, style):
        out.block("list_item", start, end)
    else:
        out.block("paragraph", start, end)


def _table(out: TextBuilder, table: Table) -> None:
    first = last = None
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:
            text = _SPACES.sub(" ", cell.text).strip()
            # A merged cell appears once per column it spans; read it once.
            if text and (not cells or cells[-1] != text):
                cells.append(text)
        if cells:
            start, end = out.line(" | ".join(cells))
            first = start if first is None else first
            last = end
    if first is not None:
        out.block("table", first, last)


def _style_names(paragraph: Paragraph) -> set[str]:
    style = paragraph.style
    names = set()
    if style is not None:
        names.update(n.lower() for n in (style.name, style.style_id) if n)
    return names


def _heading_level(names: set[str]) -> int | None:
    for name in names:
        match = _HEADING_STYLE.match(name)
        if match:
            return int(match.group(1))
    return None


def _is_list(paragraph: Paragraph, names: set[str]) -> bool:
    if any(name.startswith("list") for name in names):
        return True
    properties = paragraph._p.pPr
    return properties is not None and properties.numPr is not None
