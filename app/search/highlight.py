"""Excerpts: the best sentence or two of a passage, with every matched word
wrapped in `<mark>` and every other character HTML-escaped.

Words are found in the *original* text with the indexer's word pattern and
compared by their index terms (stem, exact form, compound parts), so stemmed,
fuzzy and synonym matches are marked, and so is Persian typed with Arabic
letters, while the reader sees the text as it was written.
"""

from __future__ import annotations

import re
from html import escape

from indexer.analysis import WORD_PATTERN, compound_forms, exact_term, fold, stem

EXCERPT_CHARS = 280
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+")


def matched_spans(text: str, terms: set[str]) -> list[tuple[int, int]]:
    """Character spans of the words of `text` whose index terms are in `terms`."""
    spans = []
    for match in WORD_PATTERN.finditer(text):
        folded = fold(match.group())
        same, parts = compound_forms(folded)
        forms = same + parts
        if any(stem(f) in terms or exact_term(f) in terms for f in forms):
            spans.append(match.span())
    return spans


def excerpt(text: str, terms: set[str], limit: int = EXCERPT_CHARS) -> str:
    """HTML for the part of `text` that best shows why it matched."""
    spans = matched_spans(text, terms)
    start, end = _window(text, spans, limit)
    return _render(text, spans, start, end)


def mark(text: str, terms: set[str]) -> str:
    """HTML for all of `text`, matched words marked."""
    return _render(text, matched_spans(text, terms), 0, len(text))


def _window(text: str, spans: list[tuple[int, int]], limit: int) -> tuple[int, int]:
    """The run of whole sentences (at most about `limit` chars) with the most
    distinct matched words; a short passage is shown whole."""
    if len(text) <= limit + 40:
        return 0, len(text)
    bounds = [0] + [m.end() for m in _SENTENCE_END.finditer(text)] + [len(text)]
    sentences = [(a, b) for a, b in zip(bounds, bounds[1:], strict=False) if b > a]
    best, best_score = (0, min(len(text), limit)), -1.0
    for i in range(len(sentences)):
        for j in (i, i + 1):
            if j >= len(sentences):
                continue
            a, b = sentences[i][0], sentences[j][1]
            if b - a > limit * 1.3 and j > i:
                continue
            inside = {text[s:e].casefold() for s, e in spans if a <= s and e <= b}
            score = len(inside) + 0.1 * sum(1 for s, e in spans if a <= s and e <= b)
            score -= 0.001 * i  # earlier wins ties
            if score > best_score:
                best, best_score = (a, b), score
    a, b = best
    if b - a > limit * 1.3:  # one very long sentence: centre on the first match
        first = next((s for s, e in spans if a <= s < b), a)
        a = max(a, first - limit // 3)
        b = min(b, a + limit)
    return a, b


def _render(text: str, spans: list[tuple[int, int]], start: int, end: int) -> str:
    start, end = _snap_to_words(text, start, end)
    pieces = ["…" if start > 0 else ""]
    cursor = start
    for s, e in spans:
        if s < start or e > end:
            continue
        pieces.append(escape(text[cursor:s]))
        pieces.append(f"<mark>{escape(text[s:e])}</mark>")
        cursor = e
    pieces.append(escape(text[cursor:end]))
    pieces.append("…" if end < len(text) else "")
    return "".join(pieces).strip()


def _snap_to_words(text: str, start: int, end: int) -> tuple[int, int]:
    while 0 < start < len(text) and not text[start - 1].isspace():
        start += 1
    while end < len(text) and end > start and not text[end].isspace():
        end -= 1
    return start, max(end, start)
