"""The first phase of a Typesense search: the window of candidates that
Kavosh re-scores (`rescore`), found in one `multi_search` request.

Typesense 0.24 has no OR and no BM25: asked for a fifteen-word claim, it
returns the passages holding the most words, in an order that ignores how
rare each word is. Its own best 250, even with settings that favour recall
(`drop_tokens_threshold` and `typo_tokens_threshold` at the window size, the
content words only, rarest first so the commonest are dropped first), held
39% of the Whoosh engine's top 10 on SciFact, and took 200 ms.

So the window is found by what Typesense does well, an exact filter: every
passage holding one of the query's most selective terms, the terms of the
compiled query (its words' stems, their typo variants and synonyms, in any of
the four term fields) taken rarest first while their document frequencies add
up to at most the window size (`text_terms:[…] || title_terms:[…] …`, with
the request's filters). On SciFact that window holds 79% of the Whoosh
engine's top 10 at 250 passages and 98% at 1,000, and the re-scored nDCG@10
is 0.677 and 0.682 (the Whoosh engine: 0.682). Typesense's own search, with
the settings above, finds the window of a query that has no term to take a
union of (filters alone).

When every term fits in the window, the window holds every passage the query
can match, and totals and facets are exact (`complete`).
"""

from __future__ import annotations

from dataclasses import dataclass

from whoosh.query import Term

from app.search.typesense.query import MAX_PER_PAGE, filter_value
from app.search.typesense.window import CollectionStats
from indexer.analysis import EXACT_MARK
from indexer.typesense.schema import TERM_FIELDS


@dataclass
class Candidates:
    """The window (stored fields, in the order found) and what Typesense counted."""

    hits: list[dict]
    complete: bool  # the window holds every passage the query can match
    found: int  # the most matches either search counted
    facet_answer: dict  # the answer whose facet counts stand in when not complete


def selective_terms(query_tree, stats: CollectionStats, budget: int) -> tuple[dict, int, bool]:
    """The query's rarest (field, term)s whose document frequencies add up to
    at most `budget` (the rarest always), by field; that sum (at least the
    number of passages holding one); and whether that is every term."""
    held = {(t.fieldname, t.text) for t in _terms(query_tree) if t.fieldname in TERM_FIELDS}
    # A term no passage holds finds nothing: it costs nothing and is left out.
    terms = sorted(
        (ft for ft in held if stats.frequency(*ft)), key=lambda ft: (stats.frequency(*ft), ft)
    )
    chosen: dict[str, list[str]] = {}
    total = 0
    for number, (field, term) in enumerate(terms):
        frequency = stats.frequency(field, term)
        if number and total + frequency > budget:
            return chosen, total, False
        total += frequency
        chosen.setdefault(field, []).append(term)
    return chosen, total, bool(terms) and total <= budget


def _terms(query):
    """Every `Term` in a compiled query tree (phrases give their words)."""
    if isinstance(query, Term):
        if not query.text.startswith(EXACT_MARK):  # its stem is a term too
            yield query
        return
    words = getattr(query, "words", None)
    if words is not None:  # a phrase
        for word in words:
            if not word.startswith(EXACT_MARK):
                yield Term(query.fieldname, word)
        return
    for child in getattr(query, "subqueries", ()) or ():
        yield from _terms(child)
    for side in ("a", "b", "child"):
        if hasattr(query, side):
            yield from _terms(getattr(query, side))


def searches(params: dict, chosen: dict[str, list[str]], holding: int) -> list[dict]:
    """The union search, a page of 250 at a time; Typesense's own search
    when the query has no term to take the union of (filters alone)."""
    holders = " || ".join(
        f"{TERM_FIELDS[field]}:[" + ",".join(map(filter_value, terms)) + "]"
        for field, terms in chosen.items()
    )
    if not holders:
        return [params]
    wanted = f"({params['filter_by']}) && ({holders})" if "filter_by" in params else holders
    base = {
        "q": "*",
        "query_by": params["query_by"],
        "filter_by": wanted,
        "sort_by": "position:asc",
        "per_page": MAX_PER_PAGE,
        "facet_by": params["facet_by"],
        "max_facet_values": params["max_facet_values"],
        "include_fields": params["include_fields"],
    }
    union = [{**base, "page": page} for page in range(1, max(1, -(-holding // MAX_PER_PAGE)) + 1)]
    return union


def merged(answers: list[dict], union_complete: bool | None) -> Candidates:
    """The window from the answers of `searches`, each passage once.

    :param union_complete: whether the union search took every term of the
        query; None when there was no union (Typesense's own search alone).
    """
    seen: set[str] = set()
    hits = []
    for answer in answers:
        for hit in answer.get("hits", []):
            document = hit["document"]
            if document["id"] not in seen:
                seen.add(document["id"])
                hits.append(document)
    counted = max(answers, key=lambda a: a.get("found", 0))
    complete = union_complete
    if complete is None:
        own = answers[0]
        complete = own.get("found", 0) <= len(own.get("hits", []))
    return Candidates(hits, complete, counted.get("found", 0), counted)
