"""Parsing HTML with BeautifulSoup: the title (the first <h1>, else <title>),
h1–h6 as sections, paragraphs and list items as blocks; script, style, nav and
other non-content is dropped.

The visible text of an element is not a substring of the file (tags and
entities sit in between), so each block carries its text, and its span runs
from the element's start tag to the last of its words found in order in the
raw file. That keeps the citation invariant: every word is inside the span.
"""

from __future__ import annotations

import re
import warnings

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, NavigableString, Tag

from indexer.blocks import Block, LineIndex, ParsedDocument

_DROPPED = ("script", "style", "nav", "noscript", "template", "svg", "iframe", "head", "title")
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
# Elements that stand on their own lines; every other tag is inline.
_BLOCKS = (
    set(
        "p li blockquote pre td th dd dt figcaption caption div section article main body"
        " header footer aside table ul ol dl tr form address details summary html".split()
    )
    | {"[document]"}
    | set(_HEADINGS)
)
_WORD = re.compile(r"\w+")
_SPACES = re.compile(r"\s+")
_META = {
    "author": "author",
    "article:author": "author",
    "dc.creator": "author",
    "date": "date",
    "article:published_time": "date",
    "dc.date": "date",
    "publisher": "publisher",
    "og:site_name": "publisher",
    "dc.publisher": "publisher",
}


def parse_html(text: str, lines: LineIndex) -> list[ParsedDocument]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        soup = BeautifulSoup(text, "html.parser")
    document = ParsedDocument(title="", format="html", stated=_stated_metadata(soup))
    page_title = _text_of(soup.title) if soup.title and soup.title.string else ""
    for element in soup.find_all(_DROPPED):
        element.decompose()
    # The first top-level heading names the page, then <title> (which often
    # carries the site's name too), then the first heading of any level.
    first_h1 = next((h for h in soup.find_all("h1") if _text_of(h)), None)
    document.title = _text_of(first_h1) if first_h1 is not None else page_title
    sections: list[tuple[int, str]] = []
    in_headings = _inside_headings(soup)
    for element in soup.find_all(True):
        if element.name in _HEADINGS:
            name = _text_of(element)
            if not name or element is first_h1:
                continue
            level = _HEADINGS[element.name]
            if not document.title:
                document.title = name
                continue
            if name == document.title and not sections and not document.blocks:
                continue
            while sections and sections[-1][0] >= level:
                sections.pop()
            sections.append((level, name))
            continue
        if element.name not in _BLOCKS or id(element) in in_headings:
            continue
        own = _own_text(element)
        if not own:
            continue
        span = _span(element, own, text, lines)
        kind = "list_item" if element.name in ("li", "dd", "dt") else "paragraph"
        section = tuple(name for _, name in sections)
        document.blocks.append(Block(kind, [span], section, text=own))
    # Text directly inside <body> (or a fragment with no tags) is a block too.
    own = _own_text(soup)
    if own:
        document.blocks.insert(0, Block("paragraph", [_span(soup, own, text, lines)], text=own))
    return [document]


def text_of_fragment(fragment: str) -> str:
    """The visible text of an HTML fragment (a raw HTML block in Markdown)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        soup = BeautifulSoup(fragment, "html.parser")
    for element in soup.find_all(_DROPPED):
        element.decompose()
    return _text_of(soup)


def _text_of(element: Tag) -> str:
    return _SPACES.sub(" ", _inline_text(element)).strip()


def _own_text(element: Tag) -> str:
    """Text of `element` that no nested block element will report."""
    parts = []
    for child in element.children:
        if isinstance(child, NavigableString):
            if type(child) is NavigableString:  # not a Comment, Doctype, CData…
                parts.append(str(child))
        elif child.name not in _BLOCKS:
            parts.append(_inline_text(child))
        else:
            parts.append(" ")  # a nested block breaks the line around it
    return _SPACES.sub(" ", "".join(parts)).strip()


def _inline_text(element: Tag) -> str:
    """The text of an element as a browser shows it.

    Inline tags add no space of their own (`<b>1991</b>,` is "1991,", and
    `river <a>people</a>.` is "river people."); only the whitespace in the
    file and `<br>` separate words.
    """
    if element.name == "br":
        return " "
    parts = []
    for child in element.descendants:
        if type(child) is NavigableString:
            parts.append(str(child))
        elif isinstance(child, Tag) and (child.name == "br" or child.name in _BLOCKS):
            parts.append(" ")
    return "".join(parts)


def _inside_headings(soup: BeautifulSoup) -> set[int]:
    """Ids of the elements inside a heading, found from the headings down:
    asking each element for its parents costs the depth of the tree each
    time, minutes for a page of 100,000 nested <div>s."""
    return {id(inner) for heading in soup.find_all(_HEADINGS) for inner in heading.descendants}


def _span(element: Tag, own: str, text: str, lines: LineIndex) -> tuple[int, int]:
    """From the element's start to the end of its last word found in order."""
    if element.sourceline is not None:
        start = lines.starts[element.sourceline - 1] + element.sourcepos
    else:
        start = 0
    position = end = start
    for word in _WORD.findall(own):
        found = text.find(word, position)
        if found != -1:
            position = end = found + len(word)
    return start, max(end, start + 1)


def _stated_metadata(soup: BeautifulSoup) -> dict[str, str]:
    stated: dict[str, str] = {}
    for meta in soup.find_all("meta"):
        key = (meta.get("name") or meta.get("property") or "").strip().lower()
        field = _META.get(key)
        content = (meta.get("content") or "").strip()
        if field and content and field not in stated:
            stated[field] = content
    time = soup.find("time", attrs={"datetime": True})
    if time and "date" not in stated:
        stated["date"] = time["datetime"]
    return stated
