"""reStructuredText through docutils: the doctree, walked in document order.

Sections come from title adornments; paragraphs, list items, field lists,
definitions, admonitions and tables become blocks; literal blocks,
`code-block` directives and doctests become `code` blocks, their text
verbatim. Sphinx's directives and roles, unknown to plain docutils, read as
their text through the stand-ins of `sphinx.py`, so no Sphinx file fails.
docutils' own messages are silenced and their nodes skipped.

A node's text is not a substring of the file (markup sits in between), so a
block carries its text and a span found from the node's line: from its first
word to its last, each found in order after the previous block. Every word of
the block is then inside its span, which keeps the citation invariant.
"""

from __future__ import annotations

import io
import re

from docutils import nodes
from docutils.core import publish_doctree

from indexer.blocks import Block, LineIndex, ParsedDocument
from indexer.formats import sphinx

_SETTINGS = {
    "report_level": 5,  # nothing reaches the terminal
    "halt_level": 5,
    "warning_stream": io.StringIO(),
    "file_insertion_enabled": False,
    "raw_enabled": False,
    "doctitle_xform": False,  # the first section title stays a section: we name the document
    "syntax_highlight": "none",
    "input_encoding": "unicode",
    "_disable_config": True,
}
_SILENT = (nodes.system_message, nodes.comment, nodes.substitution_definition, nodes.target)
_SILENT = _SILENT + (nodes.raw, nodes.problematic, nodes.footnote_reference)
_ITEMS = (nodes.list_item, nodes.field, nodes.definition_list_item)
_CODE = (nodes.literal_block, nodes.doctest_block)
_BODIES = (nodes.definition, nodes.field_body)
_NAMES = (nodes.term, nodes.field_name, nodes.classifier)
_TEXT = (nodes.paragraph, nodes.line_block, nodes.rubric, nodes.caption)
_WORD = re.compile(r"\w+")


def parse_rst(text: str, lines: LineIndex) -> list[ParsedDocument]:
    document = ParsedDocument(title="", format="rst")
    tree = publish_doctree(text, settings_overrides=dict(_SETTINGS, warning_stream=io.StringIO()))
    _Collector(text, lines, document).visit(tree, ())
    return [document]


class _Collector:
    def __init__(self, text: str, lines: LineIndex, document: ParsedDocument):
        self.text, self.lines, self.document = text, lines, document
        self.cursor = 0
        self.after_break = False

    def visit(self, node: nodes.Node, section: tuple[str, ...]) -> None:
        self.visit_all(node.children, section)

    def visit_all(self, children, section: tuple[str, ...]) -> None:
        for child in children:
            if isinstance(child, _SILENT):
                continue
            if isinstance(child, nodes.section):
                self._section(child, section)
            elif isinstance(child, _CODE):
                self._code(child, section)
            elif isinstance(child, _ITEMS):
                self._item(child, section)
            elif isinstance(child, nodes.table):
                self._table(child, section)
            elif isinstance(child, (*_TEXT, nodes.title)):
                self._add("paragraph", _text(child), section, child)
            elif isinstance(child, nodes.Element):
                self.visit(child, section)

    def _section(self, node: nodes.section, section: tuple[str, ...]) -> None:
        title = node.next_node(nodes.title)
        name = _text(title) if title is not None else ""
        if title is not None:
            self._span(name, title)  # move the cursor past the title
        self.after_break = True
        if not self.document.title and not section and name:
            self.document.title = name
            inner = section
        else:
            inner = (*section, name) if name else section
        self.visit_all([child for child in node.children if child is not title], inner)

    def _item(self, node: nodes.Element, section: tuple[str, ...]) -> None:
        """A list item, field or definition: its own text is one block
        (`name: body` for fields and definitions); lists and code nested in it
        follow as blocks of their own, in text order."""
        parts: list[str] = []
        nested: list[nodes.Node] = []
        for child in node.children:
            inner = child.children if isinstance(child, _BODIES) else [child]
            for part in inner:
                if isinstance(part, _SILENT):
                    continue
                if nested or not isinstance(part, (*_TEXT, *_NAMES)):
                    nested.append(part)
                else:
                    parts.append(_text(part))
        named = isinstance(node, (nodes.field, nodes.definition_list_item)) and len(parts) > 1
        text = f"{parts[0]}: {' '.join(parts[1:])}" if named else " ".join(parts)
        self._add("list_item", text.strip(), section, node)
        self.visit_all(nested, section)

    def _table(self, node: nodes.table, section: tuple[str, ...]) -> None:
        rows = [
            " | ".join(_text(entry) for entry in row.findall(nodes.entry))
            for row in node.findall(nodes.row)
        ]
        self._add("table", "\n".join(row for row in rows if row.strip(" |")), section, node)

    def _code(self, node: nodes.Element, section: tuple[str, ...]) -> None:
        code = node.astext()
        if not code.strip():
            return
        classes = [c for c in node.get("classes", []) if c != "code"]
        language = node.get("language") or (classes[0] if classes else None)
        if isinstance(node, nodes.doctest_block):
            language = "pycon"
        spans = self._code_spans(code)
        self._add("code", code, section, node, spans=spans, language=language)

    def _code_spans(self, code: str) -> list[tuple[int, int]] | None:
        """One span per code line, where the lines follow the cursor as written."""
        code_lines = code.split("\n")
        first = code_lines[0].strip()
        at = self.text.find(first, self.cursor)
        if at == -1:
            return None
        number = self.lines.line_of(at) - 1
        spans = []
        for offset, line in enumerate(code_lines):
            if number + offset >= len(self.lines.starts):
                return None
            start = self.lines.starts[number + offset]
            source = self.text[start:].split("\n", 1)[0]
            if source.strip() != line.strip():
                return None
            spans.append((start + len(source) - len(source.lstrip()), start + len(source.rstrip())))
        return spans

    def _add(self, kind, text, section, node, spans=None, language=None) -> None:
        if not text:
            return
        span = self._span(text, node)
        if spans:
            self.cursor = spans[-1][1]
        elif kind == "code":
            spans = [span] * (text.count("\n") + 1)
        block = Block(kind, spans or [span], section, after_break=self.after_break, text=text)
        block.language = language
        self.after_break = False
        self.document.blocks.append(block)

    def _span(self, text: str, node: nodes.Node) -> tuple[int, int]:
        """From the first word of `text` to its last, found in order from the
        node's line (or the previous block, if that is later)."""
        line = getattr(node, "line", None) or 0
        hint = self.lines.starts[max(0, min(line, len(self.lines.starts)) - 2)] if line else 0
        position = max(self.cursor, hint if line else self.cursor)
        start = end = None
        for word in _WORD.findall(text):
            found = self.text.find(word, position)
            if found == -1:
                continue
            start = found if start is None else start
            position = end = found + len(word)
        if start is None:
            return self.cursor, self.cursor + 1
        self.cursor = end
        return start, end


def _text(node: nodes.Node) -> str:
    if isinstance(node, _SILENT):
        return ""
    if isinstance(node, nodes.Text):
        return str(node)
    return " ".join("".join(_text(child) for child in node.children).split())


sphinx.register()
