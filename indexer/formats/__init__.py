"""Format detection and dispatch: decoded text in, `ParsedDocument`s out."""

from __future__ import annotations

import re

from indexer.blocks import LineIndex, ParsedDocument
from indexer.formats.html import parse_html
from indexer.formats.lines import parse_lines
from indexer.formats.markdown import parse_markdown
from indexer.formats.markup import clean_inline
from indexer.formats.rst import parse_rst

__all__ = ["clean_inline", "detect_format", "parse"]

_HTML_START = re.compile(r"^\s*<(?:!doctype\s+html|html|head|body)\b", re.I)
_WIKITEXT_HEADING = re.compile(r"^ = (?:= )*[^=\n]+(?: =)+ $", re.M)
_WIKI_HEADING = re.compile(r"^=+[^=\n]+=+\s*$", re.M)
# An ATX heading counts only with a blank line after it: `# make install`
# over a command is a shell comment in a plain text file.
_MARKDOWN_HINT = re.compile(r"^#{1,6} \S.*\n[ \t]*\n|\*\*\S|^\s{0,3}[-*] \S", re.M)


def detect_format(suffix: str, text: str) -> str:
    """One of html, markdown, rst, wiki, wikitext, plain: extension first, then content."""
    head = text[:8192]
    if suffix in (".html", ".htm") or _HTML_START.match(head):
        return "html"
    if suffix in (".md", ".markdown"):
        return "markdown"
    if suffix in (".rst", ".rest"):
        return "rst"
    if _WIKITEXT_HEADING.search(head):
        return "wikitext"
    if suffix in (".wiki", ".mediawiki") or _WIKI_HEADING.search(head):
        return "wiki"
    if _MARKDOWN_HINT.search(head):
        return "markdown"
    return "plain"


def parse(text: str, fmt: str, lines: LineIndex) -> list[ParsedDocument]:
    if fmt == "html":
        return parse_html(text, lines)
    if fmt == "markdown":
        return parse_markdown(text, lines)
    if fmt == "rst":
        return parse_rst(text, lines)
    return parse_lines(text, fmt, lines)
