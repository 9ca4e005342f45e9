"""The seam between the search front (`service.SearchService`) and the
engines that hold the passages: `Engine`, and the values that cross it.

The front parses and compiles a query once, whatever the engine; an engine
opens its snapshot of the index (a Whoosh generation, a Typesense collection),
ranks a compiled query into one page of stored passages with totals and
facets, and reads stored passages back. Engines know nothing of each other,
and nothing above this seam asks which engine it has.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from app.search.compiler import Compiled, QueryCompiler
from app.search.highlight import Marks
from app.search.querylang import Clause
from app.search.request import SearchRequest
from app.search.results import FacetValue
from app.search.vocabulary import Vocabulary

# The facets every answer carries (empty lists when nothing matched): those
# counted from a stored column in both engines (with the column), and tags
# (counted from the tag terms' postings; the Typesense engine lists none).
# How many values each lists is the request's `facet_limit`.
FACET_COLUMNS = {"source": "source", "section": "section_path"}
# The tags facet is a keyword field of its own, not a stored column.
TAGS_FIELD = "tags"
FACET_NAMES = (*FACET_COLUMNS, TAGS_FIELD)
# The score a hit shows is its sort key, in both engines: its score within
# its tier plus this much per tier above the lowest, so shown scores never
# rise as rank falls.
TIER_STEP = 1000.0


def tier_levels(evaluator, compiled: Compiled, ranked, matched: np.ndarray) -> tuple:
    """Each passage's tier (0 for all words exactly, then all words allowing
    typos, then the rest) and its score within it, over masks as dense as
    the Typesense window's: `evaluator` is anything with `evaluate(query)`
    giving `mask` and `scores`; see `levels_within`."""

    def within(query):
        tier = evaluator.evaluate(query)
        inside = np.flatnonzero(tier.mask & matched)
        return inside, tier.scores[inside]

    return levels_within(compiled.tiers, within, ranked.scores)


def levels_within(tiers: list, within, scores: np.ndarray, enough: int | None = None) -> tuple:
    """The tier of each of some candidate passages and its score within it:
    a tier's own score for the passages in a tier, `scores` (the ranked
    score) for the rest. Both engines order by it; `within(tier)` says,
    over the same candidates as `scores`, which are in it (their places
    among the candidates, ascending) and their scores there.

    Tiers are taken best first, and with `enough`, those after the first
    that together hold `enough` candidates are not asked for: their
    passages cannot reach the first `enough` places (they keep the level
    of the untiered rest, and its score). A tier costs what it holds, not
    what the candidates number."""
    lowest = len(tiers)
    level = np.full(len(scores), lowest, dtype=np.int16)
    scores = scores.copy()
    placed = 0
    for number, tier in enumerate(tiers):
        if enough is not None and placed >= enough:
            break
        inside, tier_scores = within(tier)
        if number:  # a passage keeps the best tier it is in
            free = level[inside] == lowest
            inside, tier_scores = inside[free], tier_scores[free]
        level[inside] = number
        scores[inside] = tier_scores
        placed += len(inside)
    return level, scores


def no_facets() -> dict[str, list[FacetValue]]:
    return {name: [] for name in FACET_NAMES}


@dataclass
class Snapshot:
    """One published state of the index, as an engine opened it: what the
    front needs to compile queries and complete words, and the engine's own
    handles in `state` (never read above the seam)."""

    name: str  # the generation (Whoosh) or collection (Typesense)
    manifest: dict
    documents: dict[str, dict]  # document id -> its metadata
    vocabulary: Vocabulary
    sources: list[str]  # every source file's path, for `source:` filters
    state: Any = None


@dataclass(frozen=True)
class Query:
    """A request compiled against one snapshot: what an engine ranks."""

    request: SearchRequest
    clauses: list[Clause]
    compiled: Compiled
    compiler: QueryCompiler
    # When to stop and answer the best found so far: a `time.perf_counter()`
    # value, or None for no deadline (see `budget`).
    deadline: float | None = None


@dataclass
class Found:
    """One ranked passage: its stored fields, its score and what to mark."""

    fields: dict
    score: float
    marks: Marks
    docnum: int | None = None  # its number in the generation, where the engine has one
    # The text's marked spans, when the engine read them from stored offsets
    # (`stored_spans`); None: the highlighter analyses the text.
    text_spans: list | None = None


@dataclass
class Page:
    """One page of an answer, as an engine ranked it."""

    total: int
    found: list[Found]
    facets: dict[str, list[FacetValue]] = field(default_factory=no_facets)
    generation: str = ""  # which snapshot answered, when not the one asked
    # The total and facets are estimates (more matches than an engine ranked).
    total_is_estimate: bool = False
    partial: bool = False  # the budget ran out: the best found so far


class Engine(Protocol):
    """What the search front needs of an engine."""

    @property
    def location(self) -> str:
        """Where the index lives, for messages: a folder, or a cluster's alias."""
        ...

    @property
    def degraded(self) -> str | None:
        """Why the engine serves less than it should (an older generation,
        a node down), or None when healthy."""
        ...

    def snapshot(self) -> Snapshot:
        """The live snapshot, reopened if a new one was published.

        :raises IndexUnavailableError: nothing can be served.
        """
        ...

    def rank(self, snapshot: Snapshot, query: Query) -> Page:
        """The page of passages `query.request` asks for, best first."""
        ...

    def stored(self, snapshot: Snapshot, passage_id: str) -> dict | None:
        """One passage's stored fields by id, or None."""
        ...

    def passage_count(self, snapshot: Snapshot) -> int: ...

    def wait_until_warm(self, timeout: float | None = None) -> None:
        """Open the snapshot and finish warming caches (no-op if none)."""
        ...

    def close(self) -> None: ...
