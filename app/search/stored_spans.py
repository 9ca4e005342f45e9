"""The matched words of a page of passages, from stored offsets: the
postings' positions of the terms a query marks (`scored.occurrences`),
mapped to characters through the offsets recorded at build time
(`indexer.token_offsets`). No analysis chain runs at query time, and the
cost follows the marked terms' postings in the page, not the passages'
length.

The spans are the ones `highlight.matched_spans` finds by analysing the
text (the positions are the analysis chain's own), so excerpts read the
same either way: a phrase is marked only where its words follow each other
within its slop, as Whoosh matched it. A generation without offsets, or a
passage whose offsets do not fit its text, answers None and is highlighted
by analysis.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.search.highlight import Marks, Span
from indexer.analysis import WORD_PATTERN
from indexer.token_offsets import FIELD, FIRSTS, STARTS


@dataclass(frozen=True)
class TokenOffsets:
    firsts: np.ndarray  # where each passage's positions start in `starts` (and the end)
    starts: np.ndarray  # the character start of each position's word


def open_offsets(folder: Path, doc_count: int) -> TokenOffsets | None:
    """Generation `folder`'s offsets, read whole (as `scored` reads its
    arrays: a short file raises, never a signal), or None without them."""
    try:
        firsts = np.load(Path(folder) / FIRSTS, allow_pickle=False)
        starts = np.load(Path(folder) / STARTS, allow_pickle=False)
    except FileNotFoundError:
        return None
    if len(firsts) != doc_count + 1 or int(firsts[-1]) != len(starts):
        raise ValueError(f"{FIRSTS} does not fit the passages or {STARTS}")
    return TokenOffsets(firsts, starts)


def page_spans(postings, offsets, docnums: list[int], texts: list[str], marks: Marks) -> list:
    """For each passage `docnums[i]` with text `texts[i]`: the spans of its
    words that `marks` marks, in order, or None where they cannot be told
    from the stored offsets."""
    if offsets is None or not docnums or not postings.has_positions(FIELD):
        return [None] * len(docnums)
    within = np.unique(np.asarray(docnums, dtype=np.int32))
    in_phrases = set().union(*(phrase for phrase, _ in marks.phrases))
    # The (passage, position) of every marked word of the page, in arrays,
    # and for a phrase's words, term -> passage -> its positions there.
    ids, positions = [], []
    found: dict[str, dict[int, list[int]]] = {}
    for term in marks.terms | in_phrases:
        term_ids, term_positions = postings.occurrences(FIELD, term, within)
        if not len(term_ids):
            continue
        if term in marks.terms:
            ids.append(term_ids)
            positions.append(term_positions)
        if term in in_phrases:
            found[term] = _by_passage(term_ids, term_positions)
    if found:
        phrase_ids, phrase_positions = _phrases_marked(offsets, found, marks, within)
        ids.append(phrase_ids)
        positions.append(phrase_positions)
    starts, unfit = _marked_starts(offsets, ids, positions)
    spans = {}
    for docnum in within.tolist():
        spans[docnum] = None if docnum in unfit else starts.get(docnum, [])
    return [_word_spans(text, spans[d]) for d, text in zip(docnums, texts, strict=True)]


def _by_passage(ids: np.ndarray, positions: np.ndarray) -> dict[int, list[int]]:
    grouped: dict[int, list[int]] = {}
    for docnum, position in zip(ids.tolist(), positions.tolist(), strict=True):
        grouped.setdefault(docnum, []).append(position)
    return grouped


def _phrases_marked(offsets: TokenOffsets, found, marks: Marks, within: np.ndarray):
    """(passage, position) of each word of each occurrence of the phrases."""
    ids: list[int] = []
    positions: list[int] = []
    for docnum in within.tolist():
        count = int(offsets.firsts[docnum + 1] - offsets.firsts[docnum])
        for phrase, slop in marks.phrases:
            chained = _phrase_positions(found, docnum, phrase, slop, count)
            ids += [docnum] * len(chained)
            positions += chained
    return np.asarray(ids, dtype=np.int64), np.asarray(positions, dtype=np.int64)


def _marked_starts(offsets: TokenOffsets, ids: list, positions: list):
    """({passage: the distinct character starts of its marked positions,
    ascending}, the passages with a position their offsets do not hold)."""
    if not ids:
        return {}, set()
    ids = np.concatenate(ids).astype(np.int64)
    positions = np.concatenate(positions).astype(np.int64)
    firsts = offsets.firsts[ids]
    fits = positions < offsets.firsts[ids + 1] - firsts
    unfit = set(ids[~fits].tolist())
    ids = ids[fits]
    starts = offsets.starts[firsts[fits] + positions[fits]].astype(np.int64)
    keys = np.unique((ids << 32) | starts)  # passage, then character: sorted, distinct
    grouped: dict[int, list[int]] = {}
    for docnum, start in zip((keys >> 32).tolist(), (keys & 0xFFFFFFFF).tolist(), strict=True):
        grouped.setdefault(docnum, []).append(start)
    return grouped, unfit


def _word_spans(text: str, starts: list[int] | None) -> list[Span] | None:
    """The spans of the words starting at `starts` (ascending, distinct), or
    None when one of them starts no word: offsets of another text."""
    if starts is None:
        return None
    spans = []
    for start in starts:
        word = WORD_PATTERN.match(text, start)
        if word is None:
            return None
        spans.append(word.span())
    return spans


def _phrase_positions(found, docnum: int, phrase, slop: int, count: int) -> list[int]:
    """The positions of each occurrence of `phrase`: its words in order, each
    at most `slop` positions after the one before (`highlight._phrase_spans`)."""
    lists = [found.get(term, {}).get(docnum) for term in phrase]
    if any(at is None for at in lists):
        return []
    chains = []
    for start in lists[0]:
        chain, at = [start], start
        for following in lists[1:]:
            index = bisect_right(following, at)
            if index == len(following):
                break
            at_next = following[index]
            if at_next >= min(at + 1 + slop, count):
                break
            at = at_next
            chain.append(at)
        if len(chain) == len(phrase):
            chains.extend(chain)
    return chains
