"""Blocks become passages: the units a reader would cite.

A block of up to `MAX_WORDS` words is one passage. A longer one is cut into
runs of whole sentences of about equal length, none over `MAX_WORDS` unless a
single sentence is. Runs of short list items and of front matter are grouped,
so a reader does not get a passage of three words. Nothing crosses a section.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from indexer.blocks import Block
from indexer.formats import clean_inline
from indexer.sentences import SentenceSplitter

MAX_WORDS = 120
SHORT_WORDS = 15


@dataclass(frozen=True)
class Chunk:
    kind: str
    section: tuple[str, ...]
    speaker: str | None
    text: str
    start: int
    end: int
    language: str | None = None


def chunk_blocks(
    blocks: list[Block], text: str, fmt: str, splitter: SentenceSplitter
) -> list[Chunk]:
    chunks: list[Chunk] = []
    for group in _group_short(blocks, text):
        first = group[0]
        if first.kind == "code":
            chunks.extend(_split_code(first))
            continue
        if first.text is not None:
            body = " ".join(block.text for block in group)
            chunks.extend(_split_text(first, body, group[-1].end, splitter))
            continue
        spans = [span for block in group for span in block.spans]
        clean = first.clean or (lambda raw: clean_inline(raw, fmt))
        for run in _split_spans(spans, text, splitter):
            cleaned = clean("\n".join(text[a:b] for a, b in run)).strip()
            if cleaned:
                start, end = _trim(text, run[0][0], run[-1][1])
                chunks.append(Chunk(first.kind, first.section, first.speaker, cleaned, start, end))
    return chunks


def _split_code(block: Block) -> list[Chunk]:
    """Code keeps its lines verbatim; a long block is cut between lines into
    runs of at most MAX_WORDS words, each citing exactly its own lines (the
    block has one span per line of its text)."""
    code_lines = block.text.split("\n")
    runs: list[list[int]] = [[]]
    words = 0
    for number, line in enumerate(code_lines):
        count = len(line.split())
        if runs[-1] and words + count > MAX_WORDS:
            runs.append([])
            words = 0
        runs[-1].append(number)
        words += count
    chunks = []
    for run in runs:
        kept = [n for n in run if code_lines[n].strip()]
        if not kept:
            continue
        first, last = kept[0], kept[-1]
        body = "\n".join(code_lines[first : last + 1])
        start, end = block.spans[first][0], block.spans[last][1]
        chunks.append(Chunk("code", block.section, None, body, start, end, block.language))
    return chunks


def _group_short(blocks: list[Block], text: str) -> list[list[Block]]:
    """Group consecutive front matter, and consecutive short list items."""
    groups: list[list[Block]] = []
    for block in blocks:
        previous = groups[-1][-1] if groups else None
        groupable = block.kind == "front_matter" or (
            block.kind == "list_item" and _words(block, text) < SHORT_WORDS
        )
        if (
            previous is not None
            and groupable
            and not block.after_break
            and previous.kind == block.kind
            and previous.section == block.section
            and previous.speaker == block.speaker
            and (block.kind == "front_matter" or _words(previous, text) < SHORT_WORDS)
            and sum(_words(b, text) for b in groups[-1]) + _words(block, text) <= MAX_WORDS
        ):
            groups[-1].append(block)
        else:
            groups.append([block])
    return groups


def _words(block: Block, text: str) -> int:
    if block.text is not None:
        return len(block.text.split())
    return sum(len(text[a:b].split()) for a, b in block.spans)


def _split_spans(
    spans: list[tuple[int, int]], text: str, splitter: SentenceSplitter
) -> list[list[tuple[int, int]]]:
    """Cut raw spans into runs of whole sentences; each run is a list of spans."""
    if sum(len(text[a:b].split()) for a, b in spans) <= MAX_WORDS:
        return [spans]
    # Join the spans with single spaces so a sentence may cross a page break,
    # and keep a map from the joined text back to file offsets.
    joined, pieces, cursor = [], [], 0
    for a, b in spans:
        pieces.append((cursor, a, b - a))
        joined.append(text[a:b])
        cursor += b - a + 1
    sentences = []
    for s_start, s_end in splitter.spans(" ".join(joined)):
        mapped = _map_back(s_start, s_end, pieces)
        words = sum(len(text[a:b].split()) for a, b in mapped)
        if words > MAX_WORDS:
            sentences.extend(_hard_split(mapped, text))
        elif mapped:
            sentences.append((mapped, words))
    return [run for run in _balance(sentences)]


def _map_back(start: int, end: int, pieces) -> list[tuple[int, int]]:
    mapped = []
    for joined_start, raw_start, length in pieces:
        a = max(start, joined_start)
        b = min(end, joined_start + length)
        if a < b:
            mapped.append((raw_start + a - joined_start, raw_start + b - joined_start))
    return mapped


_WORD_RUN = re.compile(r"\S+")


def _hard_split(spans, text) -> list[tuple[list[tuple[int, int]], int]]:
    """A sentence longer than a passage is cut between words."""
    words = [(a + m.start(), a + m.end()) for a, b in spans for m in _WORD_RUN.finditer(text[a:b])]
    pieces = []
    for i in range(0, len(words), MAX_WORDS):
        batch = words[i : i + MAX_WORDS]
        pieces.append(([(batch[0][0], batch[-1][1])], len(batch)))
    return pieces


def _balance(sentences):
    """Group sentences into runs of about equal length, at most MAX_WORDS each."""
    total = sum(words for _, words in sentences)
    target = total / max(1, math.ceil(total / MAX_WORDS))
    run: list[tuple[int, int]] = []
    run_words = 0
    for spans, words in sentences:
        if run and (run_words + words > MAX_WORDS or run_words >= target):
            yield run
            run, run_words = [], 0
        run = run + spans
        run_words += words
    if run:
        yield run


def _split_text(block: Block, body: str, end: int, splitter: SentenceSplitter) -> list[Chunk]:
    """Blocks that carry their own text (HTML) split by sentences of that text;
    every piece cites the whole element, which contains all of its words."""
    start = block.start
    if len(body.split()) <= MAX_WORDS:
        return [Chunk(block.kind, block.section, block.speaker, body, start, end)]
    sentences = [([(a, b)], len(body[a:b].split())) for a, b in splitter.spans(body)]
    return [
        Chunk(block.kind, block.section, block.speaker, body[run[0][0] : run[-1][1]], start, end)
        for run in _balance(sentences)
    ]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
