"""Parsing line-oriented formats: plain text, MediaWiki-style text and
tokenized WikiText (Markdown has its own parser, `markdown.py`, and shares the
speaker labels, front matter and page-break repair defined here).

They share one scanner: blank lines end paragraphs, heading lines set the
section path, list items stand alone, and interview speaker labels
(`**Name:**`, `*Name: question*`) set who is speaking. What differs per format
is only how a heading looks and whether an infobox (`- Key: Value` lines) or
several articles per file can occur. In plain text a heading is a line
underlined with `===` or `---`; a `# …` line is a comment or a shell prompt,
never a heading.
"""

from __future__ import annotations

import re
from collections import Counter

from indexer.blocks import Block, LineIndex, ParsedDocument
from indexer.formats.markup import clean_inline

_HEADINGS = {
    "wiki": re.compile(r"^(=+)\s*([^=].*?)\s*=+\s*$"),
    "wikitext": re.compile(r"^ ?((?:= )+)([^=].*?) (?:= ?)+$"),
}
# A plain-text heading's underline: `Title` over `=====` (level 1) or `-----`.
_UNDERLINE = re.compile(r"^(?:={3,}|-{3,})\s*$")
_LIST_ITEM = re.compile(r"^\s{0,3}(?:[-*+•]|\d{1,3}[.)])\s+(?=\S)")
_INFOBOX_LINE = re.compile(r"^\s*-\s+[A-Z][\w ]{0,40}?:\s+\S")
_FENCE = re.compile(r"^\s*(```|~~~)")
_NAME = r"[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){1,3}"
# `**Name:**` alone on a line: the following paragraphs are Name's.
LABEL_LINE = re.compile(rf"^\s*[*_]{{1,2}}({_NAME}):[*_]{{1,2}}\s*$")
# `*Name: the question…*`: this paragraph is Name's.
LABEL_INLINE = re.compile(rf"^\s*[*_]{{0,2}}({_NAME}):[*_]{{0,2}}\s+(?=\S)")
# `**Note:**` and similar one-word labels end a speaker's turn.
OTHER_LABEL = re.compile(r"^\s*[*_]{1,2}[A-Z][\w ]{0,20}:[*_]{1,2}\s*$")
_SENTENCE_END = tuple(".!?:;\"'”’)]»…")
_SHORT_WORDS = 15


def parse_lines(text: str, fmt: str, lines: LineIndex) -> list[ParsedDocument]:
    """Split `text` into documents of blocks (see the module docstring)."""
    speakers = speakers_of(text) if fmt in ("markdown", "plain") else set()
    heading = _HEADINGS.get(fmt)
    documents: list[ParsedDocument] = []
    document = ParsedDocument(title="", format=fmt)
    sections: list[tuple[int, str]] = []
    paragraph: list[tuple[int, int]] = []
    state = {"speaker": None, "break": False, "fenced": False, "infobox": None}

    def section() -> tuple[str, ...]:
        return tuple(name for _, name in sections)

    def add(kind: str, spans: list[tuple[int, int]], speaker=None) -> Block:
        block = Block(kind, spans, section(), speaker, after_break=state["break"])
        state["break"] = False
        document.blocks.append(block)
        return block

    def flush() -> None:
        if paragraph:
            add("paragraph", [(paragraph[0][0], paragraph[-1][1])], state["speaker"])
            paragraph.clear()

    numbered = list(lines.lines(text))
    underlined = _underlined_headings(numbered) if fmt == "plain" else {}
    for number, (start, end, line) in enumerate(numbered):
        stripped = line.strip()
        if number in underlined or number - 1 in underlined:
            flush()
            if number in underlined:
                _open_section(document, sections, underlined[number], stripped)
                state.update(speaker=None, infobox=None, **{"break": True})
            continue
        if _FENCE.match(line):
            state["fenced"] = not state["fenced"]
            paragraph.append((start, end)) if state["fenced"] else flush()
            continue
        if state["fenced"]:
            paragraph.append((start, end))
            continue
        if not stripped:
            flush()
            continue
        match = heading.match(line) if heading else None
        if match:
            flush()
            level = match.group(1).count("=") or match.group(1).count("#")
            name = clean_inline(match.group(2), fmt)
            if fmt == "wikitext" and level == 1 and document.title:
                documents.append(document)
                document = ParsedDocument(title="", format=fmt)
                sections.clear()
            # Only a top-level heading names the document: MediaWiki source and
            # many Markdown files start at `==Status==` / `## Usage`, which are
            # sections (the title then falls back to the file name).
            _open_section(document, sections, level, name)
            state.update(speaker=None, infobox=None, **{"break": True})
            continue
        fact = _INFOBOX_LINE.match(line) if fmt == "wiki" else None
        if fact and _in_infobox_zone(document, sections, state["infobox"]):
            flush()
            key, value = clean_inline(line, fmt).split(": ", 1)
            if state["infobox"] is None:
                state["infobox"] = add("infobox", [(start, end)])
                state["infobox"].text = ""
            infobox = state["infobox"]
            infobox.spans[0] = (infobox.start, end)
            infobox.text += ("; " if infobox.text else "") + f"{key}: {value}"
            document.facts[key] = value
            continue
        if speakers and (LABEL_LINE.match(line) or OTHER_LABEL.match(line)):
            flush()
            label = LABEL_LINE.match(line)
            state.update(speaker=label.group(1) if label and label.group(1) in speakers else None)
            state["break"] = True
            continue
        inline = LABEL_INLINE.match(line) if speakers else None
        if inline and inline.group(1) in speakers:
            flush()
            state["speaker"] = inline.group(1)
            state["break"] = True
            paragraph.append((start + inline.end(), end))
            continue
        if _LIST_ITEM.match(line):
            flush()
            add("list_item", [(start, end)], state["speaker"])
            continue
        paragraph.append((start, end))
    flush()
    documents.append(document)
    for parsed in documents:
        finish(parsed, text)
    return [d for d in documents if d.blocks or d.title]


def _open_section(document: ParsedDocument, sections: list, level: int, name: str) -> None:
    """A top-level heading names the document if nothing has yet; any other
    heading opens a section at its level."""
    if not document.title and level == 1:
        document.title = name
        return
    while sections and sections[-1][0] >= level:
        sections.pop()
    sections.append((level, name))


def _underlined_headings(numbered: list[tuple[int, int, str]]) -> dict[int, int]:
    """{line number: level} of text lines underlined with `===` or `---`."""
    found: dict[int, int] = {}
    for number in range(len(numbered) - 1):
        line, underline = numbered[number][2].strip(), numbered[number + 1][2].strip()
        previous = numbered[number - 1][2].strip() if number else ""
        if line and not previous and _UNDERLINE.match(underline) and number - 1 not in found:
            found[number] = 1 if underline.startswith("=") else 2
    return found


def _in_infobox_zone(document: ParsedDocument, sections: list, infobox: Block | None) -> bool:
    """Infobox lines come in one run near the top, before any section or list."""
    blocks = document.blocks
    if infobox is not None:
        return blocks[-1] is infobox
    paragraphs = sum(1 for block in blocks if block.kind == "paragraph")
    return not sections and paragraphs <= 2 and all(b.kind == "paragraph" for b in blocks)


def speakers_of(text: str) -> set[str]:
    """Names used as speaker labels at least twice: one label is no interview."""
    counts: Counter[str] = Counter()
    for line in text.splitlines():
        match = LABEL_LINE.match(line) or LABEL_INLINE.match(line)
        if match:
            counts[match.group(1)] += 1
    return {name for name, count in counts.items() if count >= 2}


def finish(document: ParsedDocument, text: str) -> None:
    """Mark front matter and repair page breaks."""
    _mark_front_matter(document, text)
    join_page_breaks(document, text)


def _mark_front_matter(document: ParsedDocument, text: str) -> None:
    """Short heading-less lines before the first prose are front matter.

    Front matter is names, dates, sites and subtitles: short lines that are
    not sentences. The first block with a long line, or ending like a
    sentence, is prose and ends the front matter.
    """
    for block in document.blocks:
        if block.kind == "infobox":
            continue
        if block.kind != "paragraph" or block.section or block.speaker:
            break
        raw = text[block.start : block.end].rstrip(" *_\n")
        longest_line = max(len(line.split()) for line in raw.splitlines() or [""])
        if longest_line >= _SHORT_WORDS or raw.endswith((".", "!", "?", "…")):
            break
        block.kind = "front_matter"


def join_page_breaks(document: ParsedDocument, text: str) -> None:
    """Join a paragraph that stops mid-sentence to one that goes on in lower case.

    PDF extraction leaves a blank line where a page ended; such a pair is one
    paragraph, and its citation spans both.
    """
    joined: list[Block] = []
    for block in document.blocks:
        previous = joined[-1] if joined else None
        if (
            previous is not None
            and previous.kind == block.kind == "paragraph"
            and not block.after_break
            and previous.section == block.section
            and previous.speaker == block.speaker
            and ends_mid_sentence(text[previous.start : previous.end])
            and starts_lower(text[block.start : block.end])
        ):
            previous.spans.extend(block.spans)
            continue
        joined.append(block)
    document.blocks = joined


def ends_mid_sentence(raw: str) -> bool:
    tail = raw.rstrip().rstrip("*_")
    return bool(tail) and not tail.endswith(_SENTENCE_END)


def starts_lower(raw: str) -> bool:
    head = raw.lstrip().lstrip("*_")
    return bool(head) and head[0].islower()
