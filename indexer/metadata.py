"""Document metadata a reader would look for: title, author, date, publisher,
and the writing systems present.

Formats that state metadata (HTML `<meta>`) are believed first. Otherwise the
front matter is read the way a librarian would: a line that is a date, a line
that is a person's name, and lines naming a library, press or web site.
"""

from __future__ import annotations

import re
import unicodedata

from indexer.blocks import ParsedDocument

_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_DATE = re.compile(
    rf"^(?:\d{{1,2}} (?:{_MONTHS}) \d{{4}}"  # 19 January 2026
    rf"|(?:{_MONTHS}) \d{{1,2}}, \d{{4}}"  # January 19, 2026
    r"|\d{4}-\d{2}-\d{2})$"  # 2026-01-19
)
_PERSON = re.compile(r"^[A-Z][a-z]+(?: [A-Z][a-z]+){1,3}$")
_PUBLISHER = re.compile(
    r"^(?:[\w-]+\.)+(?:org|com|net|info|io|edu)$|\b(?:Library|Press|Publishing|Books|Publishers)\b"
)
_SCRIPT_NAMES = ("LATIN", "ARABIC", "CYRILLIC", "GREEK", "HEBREW", "CJK", "HANGUL", "DEVANAGARI")


def describe(parsed: ParsedDocument, front_lines: list[str]) -> dict[str, str | None]:
    """Author, date and publisher of a document, or None where not stated."""
    found: dict[str, str | None] = {"author": None, "date": None, "publisher": None}
    publishers: list[str] = []
    for line in front_lines:
        line = line.strip(" *_#")
        if not line or line == parsed.title:
            continue
        if found["date"] is None and _DATE.match(line):
            found["date"] = line
        elif _PUBLISHER.search(line):
            if not any(_same_publisher(line, known) for known in publishers):
                publishers.append(line)
        elif found["author"] is None and _PERSON.match(line):
            found["author"] = line
    if publishers:
        found["publisher"] = " / ".join(publishers)
    for key, value in parsed.stated.items():
        found[key] = value
    return found


def _same_publisher(a: str, b: str) -> bool:
    """`theanarchistlibrary.org` and `The Anarchist Library` are one publisher."""

    def key(name: str) -> str:
        name = re.sub(r"\.(org|com|net|info|io|edu)$", "", name.lower())
        return re.sub(r"[^a-z0-9]|^the", "", name.replace(" ", ""))

    return key(a) == key(b)


def scripts(text: str, sample: int = 200_000) -> tuple[str, ...]:
    """The writing systems of the letters in `text` (a sample of it), by name."""
    found: set[str] = set()
    for char in set(text[:sample]):
        if not char.isalpha():
            continue
        name = unicodedata.name(char, "")
        for script in _SCRIPT_NAMES:
            if name.startswith(script):
                found.add(script.title() if script != "CJK" else "CJK")
    return tuple(sorted(found))
