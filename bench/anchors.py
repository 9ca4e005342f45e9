"""Splitting tokenized WikiText into articles and paragraphs.

WikiText marks an article title as a line ` = Title = ` and a section as
` = = Section = = `. Some train "titles" are really headings inside articles
(629 title lines against 600 articles in the paper), and nothing in the text
tells them apart, so any ` = X = ` line starts a new document: that is the
rule `shared/data/wikitext-2/SOURCE.md` names. Every other non-blank line is
one paragraph. Peers index these paragraphs with the article title as a field;
Kavosh reads the same gz files with its own parser, so relevance on WikiText
is judged by text, never by unit id.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SPLITS = ("train", "valid", "test")
# ` = Title = ` but not ` = = Section = = `: exactly one `=` on each side.
_TITLE = re.compile(r"^ = (?!= )(.+?) = $")
_HEADING = re.compile(r"^ (?:= )+.*?(?: =)+ ?$")


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of one WikiText article, with a stable id."""

    id: str
    title: str
    text: str


def is_title(line: str) -> bool:
    """True for an article title line (` = X = `), false for section headings."""
    return bool(_TITLE.match(line.rstrip("\n")))


def paragraphs_of(lines: Iterator[str], split: str) -> Iterator[Paragraph]:
    """The paragraphs of one split, each tagged with its article's title.

    Ids are `<split>-<article number>-<paragraph number>`, so they are stable
    as long as the files are (they are checksummed in SOURCE.md).
    """
    title, article, number = "", -1, 0
    for raw in lines:
        line = raw.rstrip("\n")
        match = _TITLE.match(line)
        if match:
            title, article, number = match.group(1).strip(), article + 1, 0
            continue
        if not line.strip() or _HEADING.match(line):
            continue
        yield Paragraph(f"{split}-{article}-{number}", title, line.strip())
        number += 1


def read_wikitext(folder: Path) -> list[Paragraph]:
    """All paragraphs of train, valid and test, in file order."""
    paragraphs: list[Paragraph] = []
    for split in SPLITS:
        with gzip.open(Path(folder) / f"{split}.txt.gz", "rt", encoding="utf-8") as handle:
            paragraphs.extend(paragraphs_of(handle, split))
    return paragraphs
