"""Markdown through markdown-it-py (CommonMark, GFM tables and strikethrough,
front matter through mdit-py-plugins), walked once as a token stream.

Every block token carries `map`, its `[first, last)` source lines; those lines
are the blocks' spans, so citations come from the parser, not from a second
scan. Prose keeps raw spans (the chunker may cut them at sentences) and is
made plain by `markdown_inline.inline_text`, which parses inline syntax with
the same parser; code keeps its text verbatim, its language in a field; front
matter is read by `front_matter.py`. MyST directive fences (`{note}`,
`{eval-rst}`, `{code-block}`) are read by what they hold.

Interview speaker labels (`**Name:**`, `*Name: question*`), front matter
lines and page-break joins work as in the line scanner (`lines.py`), which the
seed interview relies on.
"""

from __future__ import annotations

import re

from markdown_it.token import Token

from indexer.blocks import Block, LineIndex, ParsedDocument
from indexer.formats.front_matter import read_toml_front_matter, state_yaml_front_matter
from indexer.formats.html import text_of_fragment
from indexer.formats.lines import LABEL_INLINE, LABEL_LINE, OTHER_LABEL, finish, speakers_of
from indexer.formats.markdown_inline import PARSER, inline_text, render_inline
from indexer.formats.rst import parse_rst

# MyST directives whose body is not text a reader searches for.
_SILENT_DIRECTIVES = {"toctree", "currentmodule", "module", "contents", "image", "figure"}
_CODE_DIRECTIVES = {"code-block", "code", "sourcecode", "code-cell"}
_DIRECTIVE_OPTION = re.compile(r"^:[\w-]+:.*$")


def parse_markdown(text: str, lines: LineIndex) -> list[ParsedDocument]:
    document = ParsedDocument(title="", format="markdown")
    source = read_toml_front_matter(text, document)
    env: dict = {}
    tokens = PARSER.parse(source, env)
    walker = _Walker(text, lines, document, env, speakers_of(text))
    walker.walk(tokens)
    finish(document, text)
    return [document]


class _Walker:
    """One pass over the token stream, keeping the section path and speaker."""

    def __init__(self, text, lines, document, env, speakers):
        self.text, self.lines, self.document, self.env = text, lines, document, env
        self.speakers = speakers
        self.sections: list[tuple[int, str]] = []
        self.speaker: str | None = None
        self.after_break = False
        self.items: list[Block | None] = []  # open list items, innermost last
        self.title_from_front_matter = bool(document.title)

    def walk(self, tokens: list[Token]) -> None:
        position = 0
        while position < len(tokens):
            token = tokens[position]
            kind = token.type
            if kind == "front_matter":
                self._front_matter(token)
            elif kind == "heading_open":
                self._heading(token, tokens[position + 1])
            elif kind == "paragraph_open":
                self._paragraph(tokens[position + 1])
            elif kind == "list_item_open":
                self._close_item()
                self.items.append(None)
            elif kind == "list_item_close":
                self.items.pop()
            elif kind in ("bullet_list_open", "ordered_list_open"):
                self._close_item()  # a nested list: later text of the item is a new item
            elif kind in ("fence", "code_block"):
                self._code(token)
            elif kind == "table_open":
                position = self._table(tokens, position)
            elif kind == "html_block":
                self._html(token)
            position += 1

    def _front_matter(self, token: Token) -> None:
        if state_yaml_front_matter(token.content, self.document):
            self.title_from_front_matter = bool(self.document.title)
            return
        # Not a mapping: prose between two rules, which is text to index.
        first, last = token.map or (0, 0)
        spans = [self._line_span(n) for n in range(first + 1, last - 1)]
        spans = [(a, b) for a, b in spans if a < b]
        if spans:
            self._add("paragraph", spans, clean=self._clean)

    def _heading(self, token: Token, inline: Token) -> None:
        level = int(token.tag[1])
        name = render_inline(inline.children or [])
        self.speaker, self.after_break = None, True
        if not name:
            return
        if not self.document.title and level == 1:
            self.document.title = name
            return
        if self.title_from_front_matter and name == self.document.title and not self.sections:
            return
        while self.sections and self.sections[-1][0] >= level:
            self.sections.pop()
        self.sections.append((level, name))

    def _add(self, kind: str, spans, **fields) -> Block:
        section = tuple(name for _, name in self.sections)
        block = Block(kind, spans, section, after_break=self.after_break, **fields)
        self.after_break = False
        self.document.blocks.append(block)
        return block

    def _close_item(self) -> None:
        if self.items:
            self.items[-1] = None

    def _paragraph(self, inline: Token) -> None:
        """Raw line spans of the paragraph, past any list or quote markers."""
        spans: list[tuple[int, int]] = []
        for start, end, content in self._content_lines(inline):
            label = None
            if self.speakers:
                label = LABEL_LINE.match(content) or OTHER_LABEL.match(content)
            if label:
                self._flush(spans)
                spans = []
                name = label.group(1) if label.re is LABEL_LINE else None
                self.speaker = name if name in self.speakers else None
                self.after_break = True
                continue
            inline_label = LABEL_INLINE.match(content) if self.speakers else None
            if inline_label and inline_label.group(1) in self.speakers:
                self._flush(spans)
                spans = [(start + inline_label.end(), end)]
                self.speaker = inline_label.group(1)
                self.after_break = True
                continue
            spans.append((start, end))
        self._flush(spans)

    def _flush(self, spans: list[tuple[int, int]]) -> None:
        if not spans:
            return
        if self.items and self.items[-1] is not None:
            self.items[-1].spans.extend(spans)
            return
        kind = "list_item" if self.items else "paragraph"
        block = self._add(kind, spans, speaker=self.speaker, clean=self._clean)
        if self.items:
            self.items[-1] = block

    def _clean(self, raw: str) -> str:
        return inline_text(raw, self.env)

    def _content_lines(self, inline: Token):
        """(start, end, content) per source line of an inline token: the
        content is a suffix of the line (containers and indent stripped)."""
        first, last = inline.map or (0, 0)
        contents = inline.content.split("\n")
        for number, content in zip(range(first, last), contents, strict=False):
            line_start = self.lines.starts[number]
            line = self._line(number).rstrip()
            content = content.strip()
            if not content:
                continue
            if line.endswith(content):
                start = line_start + len(line) - len(content)
            else:  # a line the parser rewrote (a tab, a NUL): cite it whole
                start = line_start + len(line) - len(line.lstrip())
            yield start, line_start + len(line), content

    def _line(self, number: int) -> str:
        starts = self.lines.starts
        end = starts[number + 1] - 1 if number + 1 < len(starts) else len(self.text)
        return self.text[starts[number] : end]

    def _code(self, token: Token) -> None:
        first, last = token.map or (0, 0)
        info = token.info.strip()
        language = info.split()[0] if info else None
        content = token.content
        if token.type == "fence":
            first, last = first + 1, max(first + 1, last - 1)
        if language and language.startswith("{") and language.endswith("}"):
            directive = language[1:-1]
            if directive in _SILENT_DIRECTIVES:
                return
            if directive == "eval-rst":
                self._rst(token, first)
                return
            if directive not in _CODE_DIRECTIVES:
                self._directive(token, first, info[len(language) :].strip())
                return
            language = info.split()[1] if len(info.split()) > 1 else None
        code_lines = content.rstrip("\n").split("\n")
        spans = [self._line_span(first + k) for k in range(len(code_lines))]
        skip = 0
        while skip < len(code_lines) - 1 and _DIRECTIVE_OPTION.match(code_lines[skip]):
            skip += 1
        code_lines, spans = code_lines[skip:], spans[skip:]
        if any(line.strip() for line in code_lines) and spans:
            self._close_item()
            self._add("code", spans, text="\n".join(code_lines), language=language)

    def _verbatim_start(self, token: Token, first: int) -> int | None:
        """Where a fence's body stands verbatim in the file (not so in an
        indented fence, whose lines the parser dedented), else None."""
        if first >= len(self.lines.starts):
            return None
        start = self.lines.starts[first]
        return start if self.text.startswith(token.content, start) else None

    def _rst(self, token: Token, first: int) -> None:
        """MyST's `{eval-rst}` fence holds reStructuredText: read by the rst
        parser, its spans moved to where the body stands in this file."""
        start = self._verbatim_start(token, first)
        if start is None:
            return
        for rst_document in parse_rst(token.content, LineIndex(token.content)):
            for block in rst_document.blocks:
                block.spans = [(a + start, b + start) for a, b in block.spans]
                block.section = tuple(name for _, name in self.sections) + block.section
                self.document.blocks.append(block)

    def _directive(self, token: Token, first: int, argument: str) -> None:
        """A MyST admonition, `versionadded` and the like: the argument (a title,
        a version) is text, and the body is Markdown, walked here with its
        line maps moved to the body's lines (option lines blanked)."""
        if argument:
            fence_line = first - 1
            self._add(
                "paragraph",
                [self._line_span(fence_line)],
                text=inline_text(argument, self.env),
                speaker=self.speaker,
            )
        start = self._verbatim_start(token, first)
        body = token.content
        if start is None:
            body = "\n".join(line for line in body.split("\n") if not _DIRECTIVE_OPTION.match(line))
            text = inline_text(body, self.env)
            if text:
                last = first + max(1, token.content.rstrip("\n").count("\n") + 1)
                span = (self.lines.starts[first], self._line_span(last - 1)[1])
                self._add("paragraph", [span], text=text, speaker=self.speaker)
            return
        lines = body.split("\n")
        options = 0
        while options < len(lines) and _DIRECTIVE_OPTION.match(lines[options]):
            lines[options] = ""
            options += 1
        tokens = PARSER.parse("\n".join(lines), self.env)
        for inner in tokens:
            if inner.map:
                inner.map = [inner.map[0] + first, inner.map[1] + first]
        self.walk(tokens)

    def _line_span(self, number: int) -> tuple[int, int]:
        number = min(number, len(self.lines.starts) - 1)
        start = self.lines.starts[number]
        return start, start + len(self._line(number).rstrip())

    def _table(self, tokens: list[Token], position: int) -> int:
        """A table: one block of rows, each row its cells joined by ` | `."""
        rows: list[str] = []
        first_line = last_line = None
        cells: list[str] = []
        while tokens[position].type != "table_close":
            token = tokens[position]
            if token.type == "tr_open" and token.map:
                first_line = token.map[0] if first_line is None else first_line
                last_line = token.map[1] - 1
                cells = []
            elif token.type == "inline":
                cells.append(render_inline(token.children or []))
            elif token.type == "tr_close" and any(cells):
                rows.append(" | ".join(cells))
            position += 1
        if rows and first_line is not None:
            span = (self.lines.starts[first_line], self._line_span(last_line)[1])
            self._add("table", [span], text="\n".join(rows))
        return position

    def _html(self, token: Token) -> None:
        text = text_of_fragment(token.content)
        first, last = token.map or (0, 1)
        if text:
            span = (self.lines.starts[first], self._line_span(last - 1)[1])
            self._add("paragraph", [span], text=text, speaker=self.speaker)
