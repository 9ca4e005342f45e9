"""The second phase of a Typesense search: the window of candidates ranked
as the Whoosh engine ranks the whole index.

Typesense found the window; here the compiled query is scored over it
(`window`), the passages it does not match are left out (a typo Typesense
allowed that our vocabulary does not know), and the rest is ordered by tier
(every word in its own form, then every word allowing typos, then the rest),
then by score, then in document order. Grouped by document, each document is
ranked by its best passage's score plus BM25 over its passages in the window
and its title, each scaled to the best, as `app.search.documents` ranks
whole documents.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from app.search.compiler import Compiled
from app.search.engine import FACET_COLUMNS, TAGS_FIELD, TIER_STEP, no_facets, tier_levels
from app.search.results import FacetValue
from app.search.typesense.window import Window, WindowEvaluator
from indexer.analysis import compound_forms, stem
from indexer.bm25f import K1, document_idf

DOCUMENT_B = 0.75


@dataclass
class Ranking:
    """The window's matched passages (or documents' best passages), best first."""

    order: list[tuple[int, float]]  # (index in the window, score)
    matched: np.ndarray  # mask over the window
    documents: int  # how many documents the matched passages belong to


def rescore(window: Window, compiled: Compiled, group: str | None) -> Ranking:
    evaluator = WindowEvaluator(window)
    ranked = evaluator.evaluate(compiled.ranked)
    matched = ranked.mask.copy()
    if compiled.excluded is not None:
        matched &= ~evaluator.evaluate(compiled.excluded).mask
    level, scores = tier_levels(evaluator, compiled, ranked, matched)
    candidates = np.flatnonzero(matched)
    documents = len(np.unique(window.owners[candidates]))
    if group == "document" and len(candidates):
        candidates, scores = _best_passages(window, candidates, level, scores, compiled.words)
    else:
        scores = scores[candidates]
    order = np.lexsort((window.positions[candidates], -scores, level[candidates]))
    lowest = len(compiled.tiers)  # the shown score is the sort key, as the Whoosh engine's
    ranked_order = [
        (int(candidates[i]), float(scores[i]) + TIER_STEP * (lowest - int(level[candidates[i]])))
        for i in order.tolist()
    ]
    return Ranking(ranked_order, matched, documents)


def _best_passages(window, candidates, level, scores, words):
    """Each document's best passage and the document's score (see the module
    docstring). The best passage is the first in the passages' ranking
    order (tier, score, position), found for all documents at once."""
    order = np.lexsort((window.positions[candidates], -scores[candidates], level[candidates]))
    owners = window.owners[candidates]
    documents, first = np.unique(owners[order], return_index=True)
    chosen = candidates[order[first]]
    passage_part = scores[chosen] / (scores[chosen].max() or 1.0)
    rows = np.searchsorted(documents, owners)  # each candidate's document's row
    whole = _document_bm25(window, candidates, rows, documents, words)
    document_part = whole / (whole.max() or 1.0)
    return chosen, passage_part + document_part


def _document_bm25(window: Window, candidates, rows, documents, words: list[str]):
    """BM25 of each of `documents` (numbers of the window's documents) for
    the query's content words, from its passages in the window (their text
    counted together, the title once); `rows` says which document holds
    each candidate."""
    stats = window.stats
    average = stats.document_average or 1.0
    lengths = np.array([stats.document_lengths.get(window.documents[d], 0.0) for d in documents])
    norm = K1 * (1 - DOCUMENT_B + DOCUMENT_B * lengths / average)
    scores = np.zeros(len(documents))
    for term in [stem(f) for word in words for f in compound_forms(word)[0]]:
        holding = stats.frequency("document", term)
        if not holding:
            continue
        tf = np.zeros(len(documents))
        titles = np.zeros(len(documents))
        np.add.at(tf, rows, window.tf("text", term)[candidates])
        np.maximum.at(titles, rows, window.tf("title", term)[candidates])
        tf += titles
        scores += document_idf(stats.documents, holding) * tf * (K1 + 1) / (tf + norm)
    return scores


def window_facets(
    window: Window, matched: np.ndarray, limit: int, group: str | None = None
) -> dict[str, list[FacetValue]]:
    """The facets of the matched passages of the window, most frequent first;
    grouped by document, documents are counted (once per value their matched
    passages have), as the Whoosh engine counts them."""
    facets = no_facets()
    chosen = np.flatnonzero(matched).tolist()
    for name, column in [*FACET_COLUMNS.items(), (TAGS_FIELD, TAGS_FIELD)]:
        pairs = [
            (window.hits[i]["document"] if group == "document" else i, value)
            for i in chosen
            for value in _values(window.hits[i].get(column))
        ]
        counted = Counter(value for _, value in set(pairs))
        values = sorted(counted.items(), key=lambda item: (-item[1], item[0]))[:limit]
        facets[name] = [FacetValue(str(value), count) for value, count in values]
    return facets


def _values(stored) -> list:
    """A facet column's values in one passage: none, one, or a list (tags)."""
    if stored is None or stored == "":
        return []
    return [v for v in stored if v] if isinstance(stored, list) else [stored]
