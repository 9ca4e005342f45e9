"""What a search returns: plain dataclasses, and the one JSON shape the API,
the CLI's `--json` and the page's JSON twin all share. The address of a
citation in the source viewer is the web layer's to build (`link`).

`excerpt` is HTML: the highlighter escaped every character of the passage and
added only `<mark>` tags, so views may render it as markup.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from app.search.highlight import Marks, Span, excerpt_of_spans, matched_spans
from indexer.models import Citation

# Builds a citation's address (the web layer's `citation_url`).
Link = Callable[[Citation], str]


@dataclass(frozen=True)
class Hit:
    id: str
    rank: int
    score: float
    document_id: str
    title: str
    section: str | None
    speaker: str | None
    kind: str
    text: str
    excerpt: str
    citation: Citation
    # The passage's words (as written, first spelling of each) that matched
    # the query, in its title and text: like Typesense's `matched_tokens`.
    matched_terms: tuple[str, ...] = ()
    language: str | None = None  # a code passage's language, when known

    def to_dict(self, link: Link | None = None) -> dict:
        """The API's shape; `link` gives the citation its `url`."""
        citation = self.citation.to_dict()
        if link is not None:
            citation["url"] = link(self.citation)
        return {
            "id": self.id,
            "rank": self.rank,
            "score": round(self.score, 4),
            "title": self.title,
            "section": self.section,
            "speaker": self.speaker,
            "text": self.text,
            "excerpt": self.excerpt,
            "matched_terms": list(self.matched_terms),
            "language": self.language,
            "citation": citation,
        }


@dataclass(frozen=True)
class FacetValue:
    value: str
    count: int


@dataclass(frozen=True)
class Results:
    query: str
    total: int
    page: int
    per_page: int
    took_ms: float
    hits: list[Hit]
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    suggestion: str | None = None
    generation: str = ""
    # What the reader should know about how the query was read (words it
    # excludes, terms cut from a long query), as sentences.
    notes: tuple[str, ...] = ()
    offset: int = 0  # ranked results before the first hit
    partial: bool = False  # the query's budget ran out: the best found so far
    # The total and facets are estimates (Typesense backend: README "Scaling out").
    total_is_estimate: bool = False

    @property
    def pages(self) -> int:
        return max(1, self.total_pages)

    @property
    def total_pages(self) -> int:
        """Pages of `per_page` results it takes to list all `total` (0 for none)."""
        return -(-self.total // self.per_page)

    def to_dict(self, link: Link | None = None) -> dict:
        """The API's shape; `link` gives each citation its `url`. The whole
        milliseconds are the shown ones rounded, so the two never disagree."""
        took_ms = round(self.took_ms, 2)
        answer = {
            "query": self.query,
            "total": self.total,
            "page": self.page,
            "per_page": self.per_page,
            "total_pages": self.total_pages,
            "offset": self.offset,
            "limit": self.per_page,
            "took_ms": took_ms,
            "processing_time_ms": round(took_ms),
            "notes": list(self.notes),
            "partial": self.partial,
            "suggestion": self.suggestion,
            "results": [hit.to_dict(link) for hit in self.hits],
            "facets": {
                name: [{"value": v.value, "count": v.count} for v in values]
                for name, values in self.facets.items()
            },
        }
        if self.total_is_estimate:  # only then, so exact answers keep their shape
            answer["total_is_estimate"] = True
        return answer


def hits_of_page(found, first_rank: int) -> list[Hit]:
    """The hits of a page of ranked passages (`engine.Found`), ranked from
    `first_rank`. A title several of them share is analysed once."""
    title_spans: dict[tuple[str, int], list[Span]] = {}
    hits = []
    for rank, passage in enumerate(found, start=first_rank):
        fields, marks = passage.fields, passage.marks
        key = (fields["title"], id(marks))  # the marks live as long as the page
        spans = title_spans.get(key)
        if spans is None:
            spans = title_spans[key] = matched_spans(key[0], marks)
        hits.append(hit_from_fields(fields, passage.score, rank, marks, passage.text_spans, spans))
    return hits


def hit_from_fields(
    fields: dict,
    score: float,
    rank: int,
    marks: Marks,
    text_spans: list[Span] | None = None,
    title_spans: list[Span] | None = None,
) -> Hit:
    """A hit from a passage's stored fields (the same on every backend).

    `text_spans` are the text's marked spans when the engine read them from
    stored offsets; without them the text is analysed, once, for both the
    excerpt and the matched words. `title_spans`, the title's, when known."""
    text = fields["text"]
    title = fields["title"]
    if text_spans is None:
        text_spans = matched_spans(text, marks)
    if title_spans is None:
        title_spans = matched_spans(title, marks)
    return Hit(
        id=fields["id"],
        rank=rank,
        score=score,
        document_id=fields["document"],
        title=title,
        section=fields.get("section"),
        speaker=fields.get("speaker"),
        kind=fields["kind"],
        text=text,
        excerpt=excerpt_of_spans(text, text_spans),
        citation=Citation(**fields["citation"]),
        matched_terms=_matched_words(((title, title_spans), (text, text_spans))),
        language=fields.get("language") or None,
    )


def _matched_words(marked: tuple[tuple[str, list[Span]], ...]) -> tuple[str, ...]:
    """The distinct marked words of each (text, its marked spans), first spelling kept."""
    found: dict[str, str] = {}
    for text, spans in marked:
        for start, end in spans:
            word = text[start:end]
            found.setdefault(word.casefold(), word)
    return tuple(found.values())
