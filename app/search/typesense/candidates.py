"""The first phase of a Typesense search: the window of candidates that
Kavosh re-scores (`rescore`), found by searches sent together.

Typesense 0.24 has no OR and no BM25: asked for a fifteen-word claim, it
returns the passages holding the most words, in an order that ignores how
rare each word is. Its own best 250, even with settings that favour recall
(`drop_tokens_threshold` and `typo_tokens_threshold` at the window size, the
content words only, rarest first so the commonest are dropped first), held
39% of the Whoosh engine's top 10 on SciFact, and took 200 ms.

So the window is found by what Typesense does well, an exact filter: every
passage holding one of the query's most selective alternatives (`units`: a
word with its stem, exact form, typo variants and synonyms in any of the four
term fields, or a bonus such as two adjacent words), taken whole and rarest
first while their document frequencies add up to at most the window size,
then the rarest terms of the rest (`text_terms:[…] || title_terms:[…] …`,
with the request's filters). On SciFact that window held 79% of the Whoosh
engine's top 10 at 250 passages and 98% at 1,000. When no word held in the
text fits whole, Typesense's own search, with the settings above, joins the
window: it finds the passage holding the most words nearest together (a
known item whose words are each common); it alone finds the window of a
query that has no term to take a union of (filters alone).

When every term fits in the window, the window holds every passage the query
can match, and totals and facets are exact (`complete`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from whoosh.query import And, AndMaybe, DisjunctionMax, NullQuery, Or, Term

from app.search.typesense.collection_stats import CollectionStats
from app.search.typesense.query import MAX_PER_PAGE, filter_value
from indexer.analysis import EXACT_MARK
from indexer.typesense.schema import LENGTH_FIELD, TERM_FIELDS

_NULL = type(NullQuery)
FACET_PARAMS = ("facet_by", "max_facet_values")
# A union too big to read whole (the rarest term taken past the budget may
# be held by thousands of passages) is read shortest passage first, up to
# the widest window: for a word, BM25 ranks a short passage holding it above
# a long one. On 400 of SciFact's two- and three-word load queries, the 63
# with over 500 matches kept 0.959 of the Whoosh engine's top 10 reading
# 1,000 passages shortest first, 0.938 in document order, and 0.965 reading
# 2,000 in document order, which took 96-124 ms at p95 against 77 ms.
UNION_ORDER = f"{LENGTH_FIELD}:asc,position:asc"
# A union is read in pages sent at once, so that a node reads two at a time
# (`union_pages`): 250 passages of SciFact's claims' unions took 5.7 ms in
# one page and 4.5 ms in two (medians of 300). A union of fewer passages
# than this is read in one page; a larger one in as few pages as give the
# node `AT_ONCE` to read, each as large as Typesense allows: reading 460 in
# two pages of 230, not four of 125, cut the nodes' time on SciFact's claims
# from 14.9 to 10.6 ms a search.
UNION_PAGE = MAX_PER_PAGE // 2
AT_ONCE = 2


@dataclass
class Candidates:
    """The window (stored fields, in the order found) and what Typesense counted."""

    hits: list[dict]
    complete: bool  # the window holds every passage the query can match
    found: int  # the most matches either search counted
    facet_answer: dict  # the answer whose facet counts stand in when not complete


class Selection(NamedTuple):
    """The terms the union search takes (by field), the sum of their document
    frequencies (at least the passages holding one), whether they cover every
    match, and whether at least one of the query's alternatives is whole."""

    terms: dict[str, list[str]]
    holding: int
    complete: bool
    whole: bool


def selective_terms(query_tree, stats: CollectionStats, budget: int) -> Selection:
    """The terms of the query's rarest alternatives (`units`) whose covers'
    document frequencies add up to at most `budget`, by field; that sum (at
    least the number of passages holding one); and whether that covers every
    match.

    An alternative is taken whole: a word's stem, variants and fields
    together, never the rarest field of each word, which would fill the
    window with passages holding the words in a heading or a title while
    the passage that holds them all in its text is left out. What is left
    of the budget then goes to the rarest terms of the rest, each in every
    field (a misspelt word's rarest variants), and the rarest of them is
    taken even past the budget when nothing else was."""
    alternatives = sorted(
        (cover(unit, stats) for unit in units(query_tree, stats)), key=lambda part: part.cost
    )
    chosen: set[tuple[str, str]] = set()
    total = 0

    def take(part: Cover) -> bool:
        nonlocal total
        added = sum(stats.frequency(*term) for term in part.terms - chosen)
        if total + added > budget:
            return False
        chosen.update(part.terms)
        total += added
        return True

    taken = 0
    coverable = [part for part in alternatives if part.terms is not None]
    while taken < len(coverable) and take(coverable[taken]):
        taken += 1
    complete = bool(chosen) and taken == len(alternatives)
    # Some alternative held in the text fits whole: a word, or the phrase of
    # two words (not the bonus for a heading holding every word), so every
    # passage that holds all the words in its text is in the window.
    whole = any(field == "text" for part in coverable[:taken] for field, _ in part.terms)
    # What is left of the budget goes to the rarest pieces of the rest (a
    # word's rarest variants), as no alternative fits whole any more.
    rest = [term for part in coverable[taken:] for term in part.terms - chosen]
    by_stem: dict[str, set[tuple[str, str]]] = {}
    for field, term in rest:
        by_stem.setdefault(term, set()).add((field, term))
    pieces = sorted(
        (
            Cover(frozenset(held), sum(stats.frequency(*t) for t in held))
            for held in by_stem.values()
        ),
        key=lambda part: (part.cost, sorted(part.terms)),
    )
    for piece in pieces:
        if not take(piece):
            break
    if not chosen and pieces:  # the rarest always, however many hold it
        chosen.update(pieces[0].terms)
        total = pieces[0].cost
    return Selection(_by_field(chosen, stats), total, complete, whole)


def _by_field(pairs, stats: CollectionStats) -> dict[str, list[str]]:
    """(field, term) pairs as each field's terms, rarest first."""
    by_field: dict[str, list[str]] = {}
    for field, term in sorted(pairs, key=lambda ft: (stats.frequency(*ft), ft)):
        by_field.setdefault(field, []).append(term)
    return by_field


@dataclass(frozen=True)
class Cover:
    """Terms whose holders include every passage a query can match, and the
    sum of their document frequencies (at least the number of those holders).
    `terms` is None when no term can cover it (an exact-value column)."""

    terms: frozenset | None
    cost: int


_UNCOVERABLE = Cover(None, 1 << 62)
_NOTHING = Cover(frozenset(), 0)


def cover(query, stats: CollectionStats) -> Cover:
    """The cheapest `Cover` of `query`: a term itself; for an `Or` (a word's
    stem, variants and fields) all its children; for an `And` or a phrase,
    which need every part, the cheapest part alone."""
    if query is None or isinstance(query, _NULL):
        return _NOTHING
    if isinstance(query, Term):
        if query.text.startswith(EXACT_MARK):
            return _NOTHING  # an exact form stands beside its stem, held where it is
        if query.fieldname not in TERM_FIELDS:
            return _UNCOVERABLE
        frequency = stats.frequency(query.fieldname, query.text)
        # A term no passage holds finds nothing: it costs nothing and is left out.
        return Cover(frozenset([(query.fieldname, query.text)] if frequency else ()), frequency)
    words = getattr(query, "words", None)
    if words is not None:  # a phrase
        parts = [cover(Term(query.fieldname, word), stats) for word in words]
        return min(parts, key=_cost, default=_NOTHING)
    if isinstance(query, And):
        return min((cover(child, stats) for child in query.subqueries), key=_cost, default=_NOTHING)
    if isinstance(query, AndMaybe):
        return cover(query.a, stats)
    if isinstance(query, Or | DisjunctionMax):
        parts = [cover(child, stats) for child in query.subqueries]
        if any(part.terms is None for part in parts):
            return _UNCOVERABLE
        return Cover(frozenset().union(*(p.terms for p in parts)), sum(p.cost for p in parts))
    return _UNCOVERABLE  # a prefix on a column: only a filter can say


def _cost(part: Cover) -> int:
    return part.cost


def units(query, stats: CollectionStats) -> list:
    """The alternatives every match holds one of: the children of the ranked
    query's `Or` (each word group, each bonus), past the `And` of its filters
    (whose cheapest coverable part is the words)."""
    if isinstance(query, Or):
        return list(query.subqueries)
    if isinstance(query, And) and query.subqueries:
        cheapest = min(query.subqueries, key=lambda child: cover(child, stats).cost)
        if cover(cheapest, stats).terms is not None:  # not filters alone
            return units(cheapest, stats)
    return [query]


def searches(
    params: dict,
    selection: Selection,
    most: int,
    shortest_first: bool = False,
    with_own: bool = True,
) -> list[dict]:
    """The union search, in pages (`union_pages`), and, when no alternative of
    the query fits the window whole, Typesense's own search (`params`: every
    content word, words dropped and typos allowed until the window is full),
    which finds the passages holding the most words of the query, nearest
    together: the known item whose words are each too common, the misspelt
    word whose variants are.

    :param most: how many passages of the union to read at most (in pages).
    :param shortest_first: the collection has passage lengths: read a union
        too big to read whole shortest passage first (see `UNION_ORDER`).
    :param with_own: send Typesense's own search if the selection needs it
        (a wider window, which reads only what it adds, has it already).
    """
    chosen, holding = selection.terms, selection.holding
    holders = " || ".join(
        f"{TERM_FIELDS[field]}:[" + ",".join(map(filter_value, terms)) + "]"
        for field, terms in chosen.items()
    )
    # Typesense's facet counts stand in only when the window misses matches,
    # and then only the answer that counted the most (`merged`) is read.
    # (Asked of every window, they cost 3-8 ms of a 25-36 ms round trip on
    # SciFact's claims.)
    counted = {} if selection.complete else {k: params[k] for k in FACET_PARAMS if k in params}
    uncounted = {k: v for k, v in params.items() if k not in FACET_PARAMS}
    own = [] if selection.whole or not with_own else [{**uncounted, **counted}]
    if not holders:
        return own
    wanted = f"({params['filter_by']}) && ({holders})" if "filter_by" in params else holders
    base = {
        "q": "*",
        "query_by": params["query_by"],
        "filter_by": wanted,
        "sort_by": UNION_ORDER if shortest_first else "position:asc",
        "include_fields": params["include_fields"],
    }
    pages, per_page = union_pages(min(holding, most))
    # Every page of the union counts the same: the first one counts.
    return [
        {**base, **(counted if page == 1 else {}), "per_page": per_page, "page": page}
        for page in range(1, pages + 1)
    ] + own


def union_pages(passages: int) -> tuple[int, int]:
    """(how many pages, of what size) read `passages` of a union: a union
    of up to `UNION_PAGE` is one page; a larger one is at least `AT_ONCE`
    pages, as even as can be and as few as Typesense's `MAX_PER_PAGE`
    allows, since each page pays a fixed cost of its own, its filter and
    sort: on SciFact, a page of 125 passages took 7.9 ms and a page of 10,
    2.3 ms."""
    if passages <= UNION_PAGE:
        return 1, UNION_PAGE
    pages = max(AT_ONCE, -(-passages // MAX_PER_PAGE))
    return pages, -(-passages // pages)


def terms_of(selection: Selection) -> set[tuple[str, str]]:
    """The (field, term) pairs a selection's union search reads."""
    return {(field, term) for field, terms in selection.terms.items() for term in terms}


def unread(selection: Selection, read: set[tuple[str, str]], stats: CollectionStats) -> Selection:
    """`selection` without the terms whose holders are already `read` (a
    wider window after a narrower one): only the terms it adds, and the sum
    of their document frequencies."""
    if not read:
        return selection
    fresh = terms_of(selection) - read
    holding = sum(stats.frequency(*pair) for pair in fresh)
    return selection._replace(terms=_by_field(fresh, stats), holding=holding)


def merged(answers: list[dict], selection: Selection) -> Candidates:
    """The window from the answers of `searches` for `selection`, each passage once."""
    seen: set[str] = set()
    hits = []
    for answer in answers:
        for hit in answer.get("hits", []):
            document = hit["document"]
            if document["id"] not in seen:
                seen.add(document["id"])
                hits.append(document)
    counted = max(answers, key=lambda a: a.get("found", 0))
    own = answers[-1]
    # Typesense's own search alone (no term to take a union of: filters
    # alone): complete when it returned all it found. A union alone is
    # complete only when its selection is: it found every holder of the
    # rarest words, not every passage holding one of the others.
    complete = selection.complete or (
        not selection.terms and own.get("found", 0) <= len(own.get("hits", []))
    )
    return Candidates(hits, complete, counted.get("found", 0), counted)
