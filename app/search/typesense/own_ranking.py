"""A page in Typesense's own order: for a collection pushed before `kavosh
index` stored the statistics that the window is re-scored with. With
`group="document"` Typesense ranks each document by its best passage."""

from __future__ import annotations

from app.search.engine import Found, Page
from app.search.highlight import Marks
from app.search.typesense.totals import typesense_facets


def typesense_page(answer: dict, skip: int, request, marks: Marks, answered_by: str) -> Page:
    """The page of `answer` that `request` asks for, past `skip` hits."""
    if "grouped_hits" in answer:
        answer = {**answer, "hits": [g["hits"][0] for g in answer["grouped_hits"] if g["hits"]]}
    hits = answer["hits"][skip : skip + request.per_page]
    found = [Found(hit["document"], float(hit["text_match"]), _marks(hit, marks)) for hit in hits]
    facets = typesense_facets(answer, request.facet_limit)
    return Page(answer["found"], found, facets, generation=answered_by)


def _marks(found: dict, marks: Marks) -> Marks:
    """Our compiler's marks plus the terms Typesense says it matched (typo matches)."""
    matched = {
        token.lower()
        for highlight in found.get("highlights", [])
        for token in highlight.get("matched_tokens", [])
        if isinstance(token, str)
    }
    return Marks(terms=marks.terms | matched, phrases=list(marks.phrases))
