"""What a Typesense search's page says besides its hits: its total and its
facets, counted by Kavosh over the window when the window holds every match,
else taken from Typesense's counts and marked as an estimate."""

from __future__ import annotations

from app.search.engine import FACET_COLUMNS, TAGS_FIELD, no_facets
from app.search.results import FacetValue
from app.search.typesense.rescore import window_facets
from app.search.typesense.window import Window


def total_and_facets(candidates, window: Window, ranking, request) -> tuple[int, dict]:
    """The page's total and facets: the window's own when it holds every
    match (exact), else Typesense's counts (an estimate)."""
    if candidates.complete:
        facets = window_facets(window, ranking.matched, request.facet_limit, request.group)
        return len(ranking.order), facets
    total = candidates.found
    if request.group == "document":
        total = round(total * ranking.documents / max(1, int(ranking.matched.sum())))
    total = max(total, len(ranking.order))
    return total, typesense_facets(candidates.facet_answer, request.facet_limit)


def typesense_facets(answer: dict, limit: int) -> dict[str, list[FacetValue]]:
    """The facet counts of a Typesense answer, as the page lists them."""
    by_field = {f["field_name"]: f.get("counts", []) for f in answer.get("facet_counts", [])}
    facets = no_facets()
    for name, column in [*FACET_COLUMNS.items(), (TAGS_FIELD, TAGS_FIELD)]:
        values = [FacetValue(str(c["value"]), c["count"]) for c in by_field.get(column, [])]
        values.sort(key=lambda v: (-v.count, v.value))
        facets[name] = values[:limit]
    return facets
