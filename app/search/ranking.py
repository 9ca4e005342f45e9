"""Ranking a compiled query over one Whoosh generation with the NumPy
evaluator: the matched passages (the query, the API's filters and the
query's exclusions), their tiers and scores, grouping by document, and the
page asked for with its facets.

Only what the page can show is computed past the match set: tiers are
taken best first, and (results not grouped) none after those that already
hold the page's passages; the total and facets count the whole match set.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from whoosh.query import And, Or

from app.search.budget import Budget
from app.search.engine import TIER_STEP, Found, Page, Query, levels_within
from app.search.evaluator import Evaluator
from app.search.facets import tag_filter
from app.search.querylang import Clause
from app.search.sparse import Matches, intersect, without

if TYPE_CHECKING:
    from app.search.whoosh_engine import Generation


def rank(generation: Generation, query: Query) -> Page:
    """The page of passages `query.request` asks for, best first."""
    request, compiled = query.request, query.compiled
    evaluator = Evaluator(generation.postings, Budget(deadline=query.deadline))
    ranked = evaluator.evaluate(compiled.ranked)
    matched = _allowed(evaluator, query, ranked.ids)
    # Grouped, every passage's level counts (its document's best passage);
    # ungrouped, tiers past the first `end` passages cannot change the page.
    level, scores = levels_within(
        compiled.tiers,
        lambda tier: _places(evaluator.evaluate(tier), matched),
        ranked.scores if matched is ranked.ids else ranked.at(matched)[1],
        enough=None if request.group else request.end,
    )
    passages = matched
    if request.group == "document":
        passages, level, scores = _best_passages(generation, matched, level, scores, compiled)
    window = _top(passages, level, scores, request.end, len(compiled.tiers))[request.start :]
    stored = generation.stored_fields
    by_document = generation.document_scorer.document_of if request.group else None
    return Page(
        total=len(passages),
        found=[Found(stored(docnum), score, compiled.marks, docnum) for docnum, score in window],
        facets=generation.facets.counts(matched, request.facet_limit, by_document),
        partial=evaluator.partial,
    )


def _allowed(evaluator: Evaluator, query: Query, ids: np.ndarray) -> np.ndarray:
    """The passages of `ids` (ascending) that are live and that the API's
    filters and the query's exclusions leave."""
    live = evaluator.postings.live
    if live is not None:
        ids = ids[live[ids]]
    restrict = _filters(query)
    if restrict is not None:
        ids = intersect(ids, evaluator.evaluate(restrict).ids)
    if query.compiled.excluded is not None:
        ids = without(ids, evaluator.evaluate(query.compiled.excluded).ids)
    return ids


def _places(tier: Matches, matched: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where the passages of `tier` that `matched` (ascending) holds stand
    in it, and their tier scores: a search per tier passage, not per match."""
    at = matched.searchsorted(tier.ids)
    if not len(matched):  # nothing is matched: no tier passage stands anywhere
        return at[:0], tier.scores[:0]
    held = matched[np.minimum(at, len(matched) - 1)] == tier.ids
    if held.all():
        return at, tier.scores
    return at[held], tier.scores[held]


def _best_passages(generation: Generation, matched, level, scores, compiled):
    """`DocumentScorer.best_passages`, which takes arrays over every passage."""
    size = generation.postings.doc_count
    mask = np.zeros(size, dtype=bool)
    mask[matched] = True
    every_level = np.full(size, len(compiled.tiers), dtype=level.dtype)
    every_level[matched] = level
    every_score = np.zeros(size)
    every_score[matched] = scores
    return generation.document_scorer.best_passages(every_level, every_score, mask, compiled.words)


def _filters(query: Query):
    """The API's filters, as the query language's field clauses would be."""
    request, compiler = query.request, query.compiler
    parts = []
    if request.sources:
        parts.append(
            Or([compiler.field_filter(Clause(s, field="source")) for s in request.sources])
        )
    if request.section:
        parts.append(compiler.field_filter(Clause(request.section, field="section")))
    if request.speaker:
        parts.append(compiler.field_filter(Clause(request.speaker, field="speaker")))
    if request.tags:
        parts.append(tag_filter(request.tags))
    return And(parts) if parts else None


def _top(candidates: np.ndarray, level: np.ndarray, scores: np.ndarray, end: int, lowest: int):
    """The first `end` (candidate, sort key) pairs: by level, then by score,
    equal scores in index order (as Whoosh orders them). `level` and `scores`
    are indexed like `candidates`; `lowest` is the level of the untiered rest."""
    ordered: list = []
    sizes = np.bincount(level, minlength=lowest + 1).tolist() if lowest else [len(level)]
    for number, size in enumerate(sizes):
        need = end - len(ordered)
        if need <= 0:
            break
        if not size:
            continue
        inside = np.arange(size) if size == len(level) else np.flatnonzero(level == number)
        wanted = scores[inside]
        if size > need:  # keep the best `need`, and every tie with the last of them
            kept = wanted >= np.partition(wanted, size - need)[size - need]
            inside, wanted = inside[kept], wanted[kept]
        order = np.lexsort((candidates[inside], -wanted))[:need]
        step = TIER_STEP * (lowest - number)
        ordered += [
            (candidate, score + step)
            for candidate, score in zip(
                candidates[inside[order]].tolist(), wanted[order].tolist(), strict=True
            )
        ]
    return ordered
