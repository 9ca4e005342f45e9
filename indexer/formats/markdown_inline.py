"""Markdown inline syntax made plain text, by the parser that reads the blocks.

Emphasis and strikethrough marks go, code spans stay verbatim (`__init__`),
a link's text is followed by its target in parentheses, an image gives its
alt text, and a MyST role reads as its target ({ref}`name` -> "name"). Only
characters are removed and spaces inserted, so every word stays in the lines
a passage cites.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.front_matter import front_matter_plugin

PARSER = (
    MarkdownIt("commonmark", {"html": True})
    .enable(["table", "strikethrough"])
    .use(front_matter_plugin)
)
# `*` and `_` left over where no emphasis closed (a label cut off a paragraph).
_STRAY_MARKS = re.compile(r"(?<!\S)[*_]{1,3}|[*_]{1,3}(?!\S)")
# A MyST role before its code span: {ref}`target` reads as "target".
_MYST_ROLE = re.compile(r"\{[\w:.+-]+\}$")


def inline_text(raw: str, env: dict | None = None) -> str:
    """The plain text of Markdown inline syntax, links followed by their target."""
    tokens = PARSER.parseInline(raw, env if env is not None else {})
    return render_inline(tokens[0].children or [] if tokens else [])


def render_inline(children: list[Token]) -> str:
    parts: list[str] = []
    targets: list[str | None] = []
    for position, token in enumerate(children):
        following = children[position + 1] if position + 1 < len(children) else None
        if token.type == "text":
            content = _STRAY_MARKS.sub("", token.content)
            if following is not None and following.type == "code_inline":
                content = _MYST_ROLE.sub("", content)
            parts.append(content)
        elif token.type == "code_inline":
            # Spaced apart from glued words (with`f(x)`, `Group`s): the
            # backtick is what separates them in the file.
            glued_before = bool(parts) and parts[-1][-1:].isalnum()
            glued_after = following is not None and following.content[:1].isalnum()
            parts.append(" " * glued_before + token.content + " " * glued_after)
        elif token.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif token.type == "image":
            parts.append(token.content)
        elif token.type == "link_open":
            href = str(token.attrs.get("href") or "")
            targets.append(None if token.markup == "autolink" else href)
        elif token.type == "link_close" and targets:
            href = targets.pop()
            if href:
                parts.append(f" ({href})")
    return " ".join("".join(parts).split())
