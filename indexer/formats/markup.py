"""Removing markup from the raw text of a block, per format.

Cleaning only removes characters or inserts spaces; it never invents words, so
every word of a passage's text can still be found in the lines it cites.
"""

from __future__ import annotations

import re

_SPACES = re.compile(r"\s+")
# A URL glued to the word before it ("Committee.http://iskraa.net").
_GLUED_URL = re.compile(r"(?<=[^\s(<\[\"'])(?=https?://)")

_MARKDOWN = [
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),  # image: keep the alt text
    (re.compile(r"\[([^\]]+)\]\(([^)\s]+)[^)]*\)"), r"\1 (\2)"),  # link: text (url)
    (re.compile(r"<(https?://[^>\s]+)>"), r"\1"),  # autolink
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),  # bold
    (re.compile(r"(?<![\w*])\*(?=\S)([^*]+?)(?<=\S)\*(?![\w*])"), r"\1"),  # *italic*
    (re.compile(r"(?<![\w_])_(?=\S)([^_]+?)(?<=\S)_(?![\w_])"), r"\1"),  # _italic_
    (re.compile(r"`+([^`]*)`+"), r"\1"),  # code
    (re.compile(r"^\s{0,3}(?:#{1,6}\s+|>\s?|(?:[-*+•]|\d{1,3}[.)])\s+)", re.M), ""),
    (re.compile(r"(?<!\S)[*_]{1,3}|[*_]{1,3}(?!\S)"), ""),  # stray emphasis marks
]
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
    rules = {"markdown": _MARKDOWN, "plain": _MARKDOWN, "wiki": _WIKI, "wikitext": _WIKITEXT}
    text = raw
    for pattern, replacement in rules.get(fmt, ()):
        text = pattern.sub(replacement, text)
    text = _GLUED_URL.sub(" ", text)
    return _SPACES.sub(" ", text).strip()
