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
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from html import escape

from indexer.analysis import EXACT_MARK, WORD_PATTERN, compound_forms, fold, stem

EXCERPT_CHARS = 280
# A sentence's end: its mark, closing quotes or brackets, then space (the
# next sentence starts after the space). Written without a look-behind, so
# the search skips to the marks instead of testing every character.
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*\s+")
# What may follow a sentence's mark at the end of an excerpt (escaped).
_CLOSERS = ('"', "'", "”", "’", ")", "]", "&quot;", "&#x27;", "</mark>")
_CLOSER_ENDS = frozenset(closer[-1] for closer in _CLOSERS)
_SENTENCE_MARKS = ".!?…؟"
# Cut from an excerpt's end before its "…" (as `;` it cuts an entity's end).
_TRAILING_PUNCTUATION = ",;:،؛"
# Stand-ins for `<mark>` and `</mark>` while a window is escaped (`_render`).
_OPEN, _CLOSE = "\x00", "\x01"


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
    # Runs past the sentence after the last matched word's cannot win.
    bounds = sentence_bounds(text, through=spans[-1][0] if spans else 0)
    last_sentence = len(bounds) - 2
    # The matched words of each sentence that has any: a word holds no
    # space, so it never straddles two sentences.
    words: dict[int, list[str]] = {}
    for s, e in spans:
        words.setdefault(bisect_right(bounds, s) - 1, []).append(text[s:e].casefold())
    best, best_score = (0, min(len(text), limit)), -1.0
    for i in _candidate_sentences(words):
        here = words.get(i, [])
        for j in (i, i + 1):
            if j > last_sentence:
                continue
            a, b = bounds[i], bounds[j + 1]
            if j > i:
                if b - a > limit * 1.3:
                    continue
                inside = here + words.get(j, [])
            else:
                inside = here
            score = len(set(inside)) + 0.1 * len(inside)
            score -= 0.001 * i  # earlier wins ties
            if score > best_score:
                best, best_score = (a, b), score
    a, b = best
    if b - a > limit * 1.3:  # one very long sentence: centre on the first match
        first = next((s for s, e in spans if a <= s < b), a)
        a = max(a, first - limit // 3)
        b = min(b, a + limit)
    return a, b


def sentence_bounds(text: str, through: int | None = None) -> list[int]:
    """Where the sentences of `text` start, then its end: sentence `k` is
    `text[bounds[k]:bounds[k + 1]]`, none of them empty. With `through`,
    only as far as the sentence after the one holding character `through`."""
    bounds = [0]
    if through is None:
        bounds += map(_match_end, _SENTENCE_END.finditer(text))
    else:
        after = 0
        for match in _SENTENCE_END.finditer(text):
            bounds.append(match.end())
            if bounds[-1] > through:
                after += 1
                if after == 2:
                    return bounds
    if bounds[-1] != len(text):  # a text ending in a sentence's end has it already
        bounds.append(len(text))
    return bounds


_match_end = re.Match.end


def _candidate_sentences(words: dict[int, list[str]]) -> list[int]:
    """The sentences a winning run of `_window` can start at: the first, and
    each that holds, or comes just before one that holds, a matched word.
    A run from any other sentence holds none, so it scores less than the
    run of the first sentence alone, which is scored before it."""
    candidates = {0, *words}
    candidates.update(sentence - 1 for sentence in words if sentence)
    return sorted(candidates)


def _render(text: str, spans: list[tuple[int, int]], start: int, end: int) -> str:
    start, end = _snap_to_words(text, start, end)
    # The tags stand in the window as two characters the text lacks, so it
    # is escaped in one call (escaping is per character: the same HTML).
    tagged = _OPEN not in text and _CLOSE not in text
    pieces = []
    cursor = start
    for s, e in spans:
        if s < start or e > end:
            continue
        if tagged:
            pieces += (text[cursor:s], _OPEN, text[s:e], _CLOSE)
        else:
            pieces += (escape(text[cursor:s]), "<mark>", escape(text[s:e]), "</mark>")
        cursor = e
    if tagged:
        pieces.append(text[cursor:end])
        body = escape("".join(pieces)).replace(_OPEN, "<mark>").replace(_CLOSE, "</mark>")
    else:
        pieces.append(escape(text[cursor:end]))
        body = "".join(pieces)
    html = ("…" + body if start > 0 else body).strip()
    if end < len(text):  # cut short: "word…", but "place. …" after a sentence, never ".…"
        html = html + " …" if ends_sentence(html) else html.rstrip(_TRAILING_PUNCTUATION) + "…"
    return html


def ends_sentence(html: str) -> bool:
    """Whether `html` ends a sentence: its mark, then any closing quotes,
    brackets and `</mark>` tags. Read from the end: no closer ends another."""
    end = len(html)
    while end and html[end - 1] in _CLOSER_ENDS:
        closer = next((c for c in _CLOSERS if html.endswith(c, 0, end)), None)
        if closer is None:
            break
        end -= len(closer)
    return end > 0 and html[end - 1] in _SENTENCE_MARKS


def _snap_to_words(text: str, start: int, end: int) -> tuple[int, int]:
    while 0 < start < len(text) and not text[start - 1].isspace():
        start += 1
    while end < len(text) and end > start and not text[end].isspace():
        end -= 1
    return start, max(end, start)
