"""Judging answers: SciFact by its judgments, the other corpora by text.

SciFact's nDCG@10, Recall@100 and MRR@10 come from `ir-measures` (which runs
`pytrec_eval`), not from formulas of ours. Each run is given as ranks turned
into strictly falling scores, so that an engine's tie order is kept, and a
query an engine answered with nothing counts as zero rather than vanishing
from the average (trec_eval skips queries missing from a run).

On WikiText and the seeds the unit an engine returns differs (Kavosh cuts its
own passages), so the checks read the returned text: the top result contains
the known-item span or the phrase; some top-10 result holds the intended word
of a typo query.
"""

from __future__ import annotations

import re
from statistics import fmean

import ir_measures
from ir_measures import RR, R, nDCG

from bench.queries import Query, normalize

MEASURES = {"ndcg@10": nDCG @ 10, "recall@100": R @ 100, "mrr@10": RR @ 10}


def judged(qrels: dict[str, dict[str, int]], rankings: dict[str, list[str]]) -> dict[str, float]:
    """Mean of each measure over every judged query that was asked."""
    asked = {qid: judgments for qid, judgments in qrels.items() if qid in rankings}
    run = {
        qid: {doc: float(len(ranked) - rank) for rank, doc in enumerate(ranked)}
        for qid, ranked in rankings.items()
        if ranked
    }
    per_query: dict[str, dict[str, float]] = {name: {} for name in MEASURES}
    names = {measure: name for name, measure in MEASURES.items()}
    for metric in ir_measures.iter_calc(list(MEASURES.values()), asked, run):
        per_query[names[metric.measure]][metric.query_id] = metric.value
    return {
        name: round(fmean(values.get(qid, 0.0) for qid in asked), 4) if asked else None
        for name, values in per_query.items()
    }


def by_text(queries: list[Query], texts: dict[str, list[str]]) -> dict[str, float]:
    """Share of queries of each checked kind whose answer shows what it should.

    :param texts: the returned texts (best first) by query id.
    """
    outcomes: dict[str, list[bool]] = {}
    for query in queries:
        if query.kind not in CHECKS:
            continue
        outcomes.setdefault(query.kind, []).append(CHECKS[query.kind](query, texts[query.id]))
    return {f"{kind}_ok": round(fmean(values), 4) for kind, values in outcomes.items()}


def _first_contains(query: Query, texts: list[str]) -> bool:
    return bool(texts) and normalize(query.expect) in normalize(texts[0])


def _word_in_top_10(query: Query, texts: list[str]) -> bool:
    word = re.compile(rf"\b{re.escape(query.expect)}\b", re.IGNORECASE)
    return any(word.search(text) for text in texts[:10])


CHECKS = {"known_item": _first_contains, "phrase": _first_contains, "typo": _word_in_top_10}
