"""Excerpts: the best sentence or two of a passage, with every matched word
wrapped in `<mark>` and every other character HTML-escaped.

Words are found in the *original* text with the indexer's word pattern and
compared by their index terms (stem, exact form, compound parts), so stemmed,
fuzzy and synonym matches are marked, and so is Persian typed with Arabic
letters, while the reader sees the text as it was written. A phrase is marked
only where it occurs as a phrase: `"I oppose all"` marks those three words,
not every "I" in the passage.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from html import escape

from indexer.analysis import EXACT_MARK, WORD_PATTERN, compound_forms, fold, stem

EXCERPT_CHARS = 280
# A sentence's end: its mark, closing quotes or brackets, then space (the
# next sentence starts after the space). Written without a look-behind, so
# the search skips to the marks instead of testing every character.
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*\s+")
_ENDS_SENTENCE = re.compile(r"[.!?…؟](?:[\"'”’)\]]|&quot;|&#x27;|</mark>)*$")
_TRAILING_COMMA = re.compile(r"[,;:،؛]+$")


@dataclass
class Marks:
    """What to mark: index terms matched anywhere, and phrases of terms
    (each with its slop: the largest position step between two of its words)."""

    terms: set[str] = field(default_factory=set)
    phrases: list[tuple[tuple[str, ...], int]] = field(default_factory=list)

    def update(self, other: Marks) -> None:
        self.terms |= other.terms
        self.phrases += [p for p in other.phrases if p not in self.phrases]


Span = tuple[int, int]


def matched_spans(text: str, marks: Marks | set[str]) -> list[Span]:
    """Character spans of the words of `text` that the query matched, in order."""
    if not isinstance(marks, Marks):
        marks = Marks(terms=set(marks))
    if not marks.phrases:  # no positions needed: test each word's terms as it comes
        terms = marks.terms
        return [
            match.span()
            for match in WORD_PATTERN.finditer(text)
            if not _all_terms(match.group()).isdisjoint(terms)
        ]
    positions = _positions(text)
    spans = {span for span, terms in positions if terms & marks.terms}
    for phrase, slop in marks.phrases:
        spans.update(_phrase_spans(positions, phrase, slop))
    return sorted(spans)


def _positions(text: str) -> list[tuple[Span, frozenset[str]]]:
    """The index positions of `text`, as the analysis chain numbers them: a
    compound word takes one position per part. Each carries the span of its
    whole word and the terms the index holds there."""
    return [
        (match.span(), terms)
        for match in WORD_PATTERN.finditer(text)
        for terms in _terms_at(match.group())
    ]


@lru_cache(maxsize=100_000)
def _all_terms(word: str) -> frozenset[str]:
    """Every term the index holds for `word`, at any of its positions."""
    return frozenset().union(*_terms_at(word))


# Stems the open index already computed at build time (its vocabulary): a
# dictionary look-up instead of Snowball for each word not seen before.
# Stems are a pure function of the word, so a table from any generation
# built by this version of the analysis serves.
_known_stems: dict[str, str] = {}


def know_stems(stems: dict[str, str]) -> None:
    """Use `stems` (folded form -> stem) before computing a stem."""
    global _known_stems
    _known_stems = stems


def prepare(words) -> None:
    """Work out the index terms of `words` now (a server's most frequent
    words, in their usual spellings), so excerpts need not on first sight."""
    for word in words:
        _all_terms(word)


def _index_terms(folded: str) -> tuple[str, ...]:
    """The stem, and the exact form where it differs (`analysis.exact_term`)."""
    stemmed = _known_stems.get(folded) or stem(folded)
    return (stemmed,) if stemmed == folded else (stemmed, EXACT_MARK + folded)


@lru_cache(maxsize=100_000)
def _terms_at(word: str) -> tuple[frozenset[str], ...]:
    """The terms the index holds at each position `word` takes (cached: a
    page of excerpts repeats most of its words)."""
    same, parts = compound_forms(fold(word))
    whole = {t for f in same for t in _index_terms(f)}
    at = []
    for offset, part in enumerate(parts or [None]):
        terms = set(whole) if offset == 0 else set()
        if part is not None:
            terms.update(_index_terms(part))
        at.append(frozenset(terms))
    return tuple(at)


def _phrase_spans(positions, phrase: tuple[str, ...], slop: int) -> list[Span]:
    """Spans of each occurrence of `phrase`, its words in order, each at most
    `slop` positions after the one before (Whoosh's phrase semantics)."""
    found = []
    for start, (_, terms) in enumerate(positions):
        if phrase[0] not in terms:
            continue
        chain, at = [start], start
        for term in phrase[1:]:
            window = range(at + 1, min(at + 1 + slop, len(positions)))
            at = next((i for i in window if term in positions[i][1]), -1)
            if at < 0:
                break
            chain.append(at)
        if len(chain) == len(phrase):
            found.extend(positions[i][0] for i in chain)
    return found


def excerpt(text: str, marks: Marks | set[str], limit: int = EXCERPT_CHARS) -> str:
    """HTML for the part of `text` that best shows why it matched."""
    return excerpt_of_spans(text, matched_spans(text, marks), limit)


def excerpt_of_spans(text: str, spans: list[Span], limit: int = EXCERPT_CHARS) -> str:
    """`excerpt`, given the matched spans (`matched_spans`, or the same read
    from stored offsets: `stored_spans`): the window is cut, then marked."""
    start, end = _window(text, spans, limit)
    return _render(text, spans, start, end)


def mark(text: str, marks: Marks | set[str]) -> str:
    """HTML for all of `text`, matched words marked (the source viewer's lines)."""
    return _render(text, matched_spans(text, marks), 0, len(text))


def _window(text: str, spans: list[tuple[int, int]], limit: int) -> tuple[int, int]:
    """The run of whole sentences (at most about `limit` chars) with the most
    distinct matched words; a short passage is shown whole."""
    if len(text) <= limit + 40:
        return 0, len(text)
    bounds = [0] + [m.end() for m in _SENTENCE_END.finditer(text)] + [len(text)]
    sentences = [(a, b) for a, b in zip(bounds, bounds[1:], strict=False) if b > a]
    best, best_score = (0, min(len(text), limit)), -1.0
    # Spans never overlap, so those inside a sentence run are a slice of them.
    span_starts, span_ends = [s for s, _ in spans], [e for _, e in spans]
    words = [text[s:e].casefold() for s, e in spans]
    for i in range(len(sentences)):
        for j in (i, i + 1):
            if j >= len(sentences):
                continue
            a, b = sentences[i][0], sentences[j][1]
            if b - a > limit * 1.3 and j > i:
                continue
            first, last = bisect_left(span_starts, a), bisect_right(span_ends, b)
            inside = set(words[first:last])
            score = len(inside) + 0.1 * max(0, last - first)
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
    html = "".join(pieces).strip()
    if end < len(text):  # cut short: "word…", but "place. …" after a sentence, never ".…"
        html = html + " …" if _ENDS_SENTENCE.search(html) else _TRAILING_COMMA.sub("", html) + "…"
    return html


def _snap_to_words(text: str, start: int, end: int) -> tuple[int, int]:
    while 0 < start < len(text) and not text[start - 1].isspace():
        start += 1
    while end < len(text) and end > start and not text[end].isspace():
        end -= 1
    return start, max(end, start)
