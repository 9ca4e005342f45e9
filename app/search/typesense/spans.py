"""The matched words of a page of Typesense hits, from what each passage
carries: its terms by position (`text_ids`, read for re-scoring anyway)
and where each position starts (`text_starts`, pushed by `kavosh index`).

Analysing a hundred passages to mark them was most of a SciFact search's
own time; this reads the positions whose terms the query marks and finds
each word's end with `WORD_PATTERN` at its start, as the Whoosh engine does
from its stored offsets (`app.search.stored_spans`). The spans are those
`highlight.matched_spans` finds: a term marks every word holding it, a
phrase only where its words follow each other within its slop. A passage
pushed without starts, or whose starts do not fit its text, answers None
and is highlighted by analysis.
"""

from __future__ import annotations

from bisect import bisect_right

from app.search.highlight import Marks, Span
from indexer.analysis import WORD_PATTERN
from indexer.typesense.word_starts import positions_in, start_of


def text_spans(
    found: dict[str, list[int]], count: int, starts: str | None, text: str, marks: Marks
) -> list[Span] | None:
    """The spans of `text` that `marks` marks, from where its marked terms
    stand (`found`, `Window.occurrences`), its number of positions and its
    `text_starts` value; None when they cannot be told from those."""
    if starts is None:
        return None
    marked = {p for term in marks.terms for p in found.get(term, ())}
    for phrase, slop in marks.phrases:
        marked.update(_phrase_positions(found, phrase, slop, count))
    if not marked:
        return []
    if positions_in(starts) != count:  # starts of another text: let analysis answer
        return None
    spans: set[Span] = set()
    for position in marked:
        word = WORD_PATTERN.match(text, start_of(starts, position))
        if word is None:
            return None
        spans.add(word.span())
    return sorted(spans)


def marked_terms(marks: Marks) -> frozenset[str]:
    """Every term whose positions `text_spans` needs: the marked terms and
    the words of the marked phrases."""
    return frozenset(marks.terms).union(*(phrase for phrase, _ in marks.phrases))


def _phrase_positions(found: dict[str, list[int]], phrase, slop: int, count: int) -> list[int]:
    """The positions of each occurrence of `phrase`: its words in order, each
    at most `slop` positions after the one before (Whoosh's phrase matching,
    as `highlight` marks it)."""
    lists = [found.get(term) for term in phrase]
    if any(at is None for at in lists):
        return []
    chains: list[int] = []
    for start in lists[0]:
        chain, at = [start], start
        for following in lists[1:]:
            index = bisect_right(following, at)
            if index == len(following) or following[index] >= min(at + 1 + slop, count):
                break
            at = following[index]
            chain.append(at)
        if len(chain) == len(phrase):
            chains.extend(chain)
    return chains
