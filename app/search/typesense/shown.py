"""What a page of re-scored passages shows, read apart from the window.

The window carries only what scoring needs (`SCORING_FIELDS`); reading the
display fields of all 250-1,000 candidates cost SciFact's claims 7.6 ms of
a 21 ms round trip. So the page's passages are asked for by id once ranked,
from the collection's `-shown` twin, which holds them without their
analysed terms (`indexer.typesense.schema.split_passage`), and their marks
are found from the window's term positions meanwhile.
"""

from __future__ import annotations

from app.search.engine import Found
from app.search.highlight import Marks
from app.search.typesense.query import DISPLAY_FIELDS, filter_value
from app.search.typesense.spans import text_spans
from app.search.typesense.window import Window
from indexer.typesense.word_starts import STARTS_FIELD

# A page of more passages than this is read in two searches (`shown_searches`).
STORED_SPLIT = 50


def shown_searches(passage_ids: list[str]) -> list[dict]:
    """The searches for what a page of passages shows. A page of more than
    `STORED_SPLIT` is asked for in two halves at once, which a node reads
    two at a time: 100 of SciFact's passages took 5.7 ms in one search and
    4.1 ms in two (medians of 150)."""
    halves = [passage_ids]
    if len(passage_ids) > STORED_SPLIT:
        half = -(-len(passage_ids) // 2)
        halves = [passage_ids[:half], passage_ids[half:]]
    return [
        {
            "q": "*",
            "query_by": "document",  # declared by the passages and by their twin
            "filter_by": "id:[" + ",".join(map(filter_value, ids)) + "]",
            "per_page": len(ids),
            "include_fields": ",".join(DISPLAY_FIELDS),
        }
        for ids in halves
        if ids
    ]


def shown(
    answers: list[dict],
    page: list[tuple[int, float]],
    window: Window,
    where: dict[int, dict[str, list[int]]],
    marks: Marks,
) -> list[Found]:
    """The page's `Found`s, in its order, from the answers of `shown_searches`
    and where its marked terms stand (`Window.occurrences`). A passage the
    answers lack (removed since the window was read) is left out."""
    stored = {hit["document"]["id"]: hit["document"] for a in answers for hit in a["hits"]}
    counts = window.text.position_counts
    found = []
    for index, score in page:
        fields = stored.get(window.hits[index]["id"])
        if fields is not None:
            spans = text_spans(
                where.get(index, {}),
                int(counts[index]),
                fields.get(STARTS_FIELD),
                fields["text"],
                marks,
            )
            found.append(Found(fields, score, marks, text_spans=spans))
    return found
