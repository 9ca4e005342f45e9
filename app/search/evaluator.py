"""Evaluating a compiled query tree over whole posting arrays at once.

The compiler builds Whoosh query objects (`Term`, `Or`, `And`, `AndMaybe`,
`DisjunctionMax`, `Phrase`, `Prefix`), and their meaning is Whoosh's: an `Or`
sums its children's scores, an `And` needs all of them and sums, `AndMaybe`
adds the optional side where it matches, `DisjunctionMax` keeps the best, a
`Phrase` matches its words in order within `slop` positions of each other and
scores the sum of their scores, and a boost multiplies. What differs is the
order of work: instead of stepping a tree of matchers one passage at a time,
each node is computed for all its passages at once with NumPy, from the
scored posting arrays in `Postings`. A query type this module does not know
is run through Whoosh's own matcher, so the result is the same, only slower.

Results are sparse (`sparse.Matches`: the matched passages and their
scores), so a node costs what its postings hold, not what the index holds: a
query on rare words answers as fast from a million passages as from a
thousand.

Cost is bounded per query. A clause is computed once however often the
query repeats it (results are remembered by the clause's structure, not
its object), a phrase made only of function words reads the positions of
its best candidates only, and every posting list and position read is
charged to the query's `Budget`, which also holds its deadline. Once the
budget is spent, whatever is not yet computed matches nothing, and
`partial` says the answer is the best found so far.
"""

from __future__ import annotations

import numpy as np
from whoosh.query import (
    And,
    AndMaybe,
    DisjunctionMax,
    NullQuery,
    Or,
    Phrase,
    Prefix,
    Term,
)

from app.search.budget import Budget
from app.search.phrases import CHUNK, best_candidates, phrase_hits
from app.search.postings import Postings
from app.search.sparse import Matches, intersect, nothing, summed, union

_NULL = type(NullQuery)


class Evaluator:
    """Computes `Matches` for query trees over one generation's postings.

    Results are remembered by each clause's structure for the evaluator's
    lifetime (one search), so the groups that the ranked query, the match set
    and the tiers share, and clauses a query repeats, are computed once.

    :param budget: what the search may spend (see `budget`); none by default.
    """

    def __init__(self, postings: Postings, budget: Budget | None = None):
        self.postings = postings
        self.size = postings.doc_count
        self.budget = budget or Budget()
        self._fields = postings.fields
        self._memo: dict[object, Matches] = {}
        self._identities: dict[int, tuple[object, int]] = {}
        self._structures: dict[tuple, int] = {}
        self._children: dict[int, tuple[object, list]] = {}

    @property
    def partial(self) -> bool:
        """True when the budget cut something short: the answer is the best so far."""
        return self.budget.partial

    def evaluate(self, query) -> Matches:
        """The passages `query` matches and their scores (never to be changed
        in place: they are shared by every clause equal to `query`)."""
        key = self.identity(query)
        remembered = self._memo.get(key)
        if remembered is not None:
            return remembered
        if self.budget.exhausted():
            return nothing()
        matches = self._compute(query)
        self._memo[key] = matches
        return matches

    def identity(self, query) -> object:
        """A key per distinct computation: equal for clauses of the same
        structure. A leaf is its own parameters; a compound is numbered
        (once per object) from its parameters and its children's keys."""
        if isinstance(query, Term):
            return ("term", query.fieldname, query.text, query.boost)
        known = self._identities.get(id(query))
        if known is not None and known[0] is query:
            return known[1]
        structure = _structure(query, self.identity)
        number = self._structures.setdefault(structure, len(self._structures))
        self._identities[id(query)] = (query, number)
        return number

    def _distinct(self, query) -> list[tuple[object, int]]:
        """The children of `query` with repeats folded into a count, in
        first-seen order (once per object: the ranked query and the tiers
        share their word groups)."""
        known = self._children.get(id(query))
        if known is not None and known[0] is query:
            return known[1]
        counted: dict[object, list] = {}
        for child in query.subqueries:
            if isinstance(child, Term):  # `identity`, without the call
                key = ("term", child.fieldname, child.text, child.boost)
            else:
                key = self.identity(child)
            seen = counted.get(key)
            if seen is None:
                counted[key] = [child, 1]
            else:
                seen[1] += 1
        children = [(child, count) for child, count in counted.values()]
        self._children[id(query)] = (query, children)
        return children

    # -- node types ------------------------------------------------------------------

    def _compute(self, query) -> Matches:
        if isinstance(query, Term):  # `summed` of its one part, without the call
            parts: list = []
            self._term(query, parts, 1.0)
            if not parts:
                return nothing()
            ids, scores = parts[0]
            return Matches(ids, 0.0 + scores)
        if query is None or isinstance(query, _NULL):
            return nothing()
        if isinstance(query, (Or, Prefix)):
            parts = []
            self._accumulate(query, parts, 1.0)
            return summed(parts, self.size)
        if isinstance(query, And):
            return self._all(query.subqueries, query.boost)
        if isinstance(query, AndMaybe):
            required, optional = self.evaluate(query.a), self.evaluate(query.b)
            _, extra = optional.at(required.ids)
            return Matches(required.ids, _boosted(required.scores + extra, query.boost))
        if isinstance(query, DisjunctionMax):
            return self._best(query)
        if isinstance(query, Phrase):
            return self._phrase(query)
        return self._by_whoosh(query)

    def _accumulate(self, query, parts: list, factor: float) -> None:
        """Gather the (ids, weighted scores) of a sum of terms into `parts`,
        flattening nested `Or`s (a sum of sums is one sum), so that most of a
        query is one `summed` over concatenated postings."""
        if isinstance(query, Term):
            self._term(query, parts, factor)
        elif isinstance(query, Or):
            weight = factor * query.boost
            for child, count in self._distinct(query):
                if isinstance(child, Term):  # the common child, without a call more
                    self._term(child, parts, weight * count)
                else:
                    self._accumulate(child, parts, weight * count)
        elif isinstance(query, Prefix):
            for text in self.postings.expand_prefix(query.fieldname, query.text):
                self._term(Term(query.fieldname, text), parts, factor * query.boost)
        elif query is not None and not isinstance(query, _NULL):
            child = self.evaluate(query)
            if len(child):
                parts.append((child.ids, _boosted(child.scores, factor)))

    def _term(self, query: Term, parts: list, factor: float) -> None:
        if query.fieldname not in self._fields or self.budget.exhausted():
            return
        ids, scores = self.postings.scored(query.fieldname, query.text)
        self.budget.spend_postings(len(ids))  # the clock was just read
        if len(ids):
            parts.append((ids, _boosted(scores, factor * query.boost)))

    def _all(self, children, boost: float) -> Matches:
        if not children:
            return nothing()
        parts = [self.evaluate(child) for child in children]
        ids = min(parts, key=len).ids
        for part in parts:
            if not len(ids):
                return nothing()
            if part.ids is not ids:
                ids = intersect(ids, part.ids)
        scores = 0.0
        for part in parts:
            scores = scores + (part.scores if part.ids is ids else part.scores_at(ids))
        return Matches(ids, _boosted(scores, boost))

    def _best(self, query: DisjunctionMax) -> Matches:
        parts = [self.evaluate(child) for child in query.subqueries]
        if not parts:
            return nothing()
        ids = union([part.ids for part in parts])
        stacked = np.vstack([part.at(ids)[1] for part in parts])
        best = stacked.max(axis=0)
        if query.tiebreak:
            best = best + query.tiebreak * (stacked.sum(axis=0) - best)
        return Matches(ids, best * query.boost)

    def _phrase(self, query: Phrase) -> Matches:
        """Whoosh's phrase: each word 1 to `slop` positions after the previous
        one; scored as the sum of its words' scores."""
        field, words = query.fieldname, list(query.words)
        if not words or field not in self._fields:
            return nothing()
        postings = [self.postings.scored(field, w) for w in words]
        candidates = min((ids for ids, _ in postings), key=len)
        for ids, _ in postings:
            if not len(candidates):
                return nothing()
            if ids is not candidates:
                candidates = intersect(candidates, ids)
        if not len(candidates):
            return nothing()
        candidates = best_candidates(words, candidates, postings, self.budget)
        hits = phrase_hits(self.postings, self.budget, field, words, candidates, query.slop)
        if not len(hits):
            return nothing()
        scores = 0.0
        for ids, word_scores in postings:
            scores = scores + word_scores[ids.searchsorted(hits)]
        return Matches(hits, scores * query.boost)

    def _by_whoosh(self, query) -> Matches:
        """Any other query type, through Whoosh's own matcher."""
        found: dict[int, float] = {}
        matcher = query.matcher(self.postings.searcher)
        while matcher.is_active():
            if len(found) % CHUNK == CHUNK - 1 and self.budget.exhausted():
                break
            found[matcher.id()] = matcher.score()
            matcher.next()
        ids = np.fromiter(found, dtype=np.int64, count=len(found))
        order = np.argsort(ids, kind="stable")
        scores = np.fromiter(found.values(), dtype=np.float64, count=len(found))
        return Matches(ids[order], scores[order])


def _boosted(scores: np.ndarray, boost: float) -> np.ndarray:
    """`scores * boost`, the same floats; without the copy for a boost of 1."""
    return scores if boost == 1.0 else scores * boost


def _structure(query, identity) -> tuple:
    """A clause as a tuple of its own parameters and its children's
    `identity`: equal tuples compute the same `Matches`."""
    if query is None or isinstance(query, _NULL):
        return ("null",)
    boost = query.boost
    if isinstance(query, Prefix):
        return ("prefix", query.fieldname, query.text, boost)
    if isinstance(query, Phrase):
        return ("phrase", query.fieldname, tuple(query.words), query.slop, boost)
    if isinstance(query, AndMaybe):
        return ("andmaybe", boost, identity(query.a), identity(query.b))
    if isinstance(query, (And, Or, DisjunctionMax)):
        tiebreak = getattr(query, "tiebreak", 0.0)
        children = tuple(
            [
                ("term", c.fieldname, c.text, c.boost) if isinstance(c, Term) else identity(c)
                for c in query.subqueries
            ]
        )
        return (type(query).__name__, boost, tiebreak, children)
    return ("other", id(query))  # an unknown type is remembered per object
