"""Removing markup from the raw text of a block, per format: MediaWiki and
WikiText by rules here, Markdown by its own parser (each Markdown block
carries `markdown_inline.inline_text` as its `clean`), plain text not at all: its
underscores and asterisks are the author's (`__init__`).

Cleaning only removes characters or inserts spaces; it never invents words, so
every word of a passage's text can still be found in the lines it cites.
"""

from __future__ import annotations

import re

_SPACES = re.compile(r"\s+")
# A URL glued to the word before it ("Committee.http://iskraa.net").
_GLUED_URL = re.compile(r"(?<=[^\s(<\[\"'])(?=https?://)")

_WIKI = [
    (re.compile(r"'''''|'''|''"), ""),
    (re.compile(r"\[\[(?:[^|\]]*\|)?([^\]]*)\]\]"), r"\1"),  # [[target|text]]
    (re.compile(r"\[(https?://\S+)\s+([^\]]+)\]"), r"\2 (\1)"),  # [url text]
    (re.compile(r"\{\{[^{}]*\}\}"), ""),  # templates
    (re.compile(r"<ref[^>]*/>|<ref[^>]*>.*?</ref>", re.S), ""),
    (re.compile(r"^\s*(?:[-*#:;]+)\s*", re.M), ""),  # list and indent marks
]
_WIKITEXT = [
    (re.compile(r" @([-,.])@ "), r"\1"),  # "1 @,@ 000" -> "1,000", "two @-@ part"
]


def clean_inline(raw: str, fmt: str) -> str:
    """Plain text of one block (or heading) of format `fmt`."""
    rules = {"wiki": _WIKI, "wikitext": _WIKITEXT}
    text = raw
    for pattern, replacement in rules.get(fmt, ()):
        text = pattern.sub(replacement, text)
    text = _GLUED_URL.sub(" ", text)
    return _SPACES.sub(" ", text).strip()
