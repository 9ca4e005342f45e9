"""What a search returns: plain dataclasses, and the one JSON shape the API,
the CLI's `--json` and the page's JSON twin all share.

`excerpt` is HTML: the highlighter escaped every character of the passage and
added only `<mark>` tags, so views may render it as markup.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

from app.search.highlight import Marks, excerpt
from indexer.models import Citation


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

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "rank": self.rank,
            "score": round(self.score, 4),
            "title": self.title,
            "section": self.section,
            "speaker": self.speaker,
            "text": self.text,
            "excerpt": self.excerpt,
            "citation": citation_dict(self.citation),
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
    notes: tuple[str, ...] = ()

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    def to_dict(self) -> dict:
        return {
            "query": self.query,
            "total": self.total,
            "page": self.page,
            "per_page": self.per_page,
            "took_ms": round(self.took_ms, 2),
            "suggestion": self.suggestion,
            "results": [hit.to_dict() for hit in self.hits],
            "facets": {
                name: [{"value": v.value, "count": v.count} for v in values]
                for name, values in self.facets.items()
            },
        }


def source_url(file: str, line_start: int | None = None, line_end: int | None = None) -> str:
    """The source viewer's address for a file, optionally at a line range."""
    url = "/source/" + quote(file)
    if line_start is not None:
        url += f"#L{line_start}-L{line_end or line_start}"
    return url


def citation_dict(citation: Citation) -> dict:
    url = source_url(citation.file, citation.line_start, citation.line_end)
    return {**citation.to_dict(), "url": url}


def hit_from_fields(fields: dict, score: float, rank: int, marks: Marks) -> Hit:
    """A hit from a passage's stored fields (the same on every backend)."""
    text = fields["text"]
    return Hit(
        id=fields["id"],
        rank=rank,
        score=score,
        document_id=fields["document"],
        title=fields["title"],
        section=fields.get("section"),
        speaker=fields.get("speaker"),
        kind=fields["kind"],
        text=text,
        excerpt=excerpt(text, marks),
        citation=Citation(**fields["citation"]),
    )
