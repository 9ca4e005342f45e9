"""What a reader asks: `SearchRequest`, the one place search parameters are
checked.

The page and the API (`app.http.params`), the CLI and the benchmark all build
a `SearchRequest`; building one either succeeds or raises `QueryError` with
the wording every caller shows. The search core then trusts it. A new
parameter is one more field here, with its default and its check in
`__post_init__`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.search.errors import QueryError

MAX_QUERY_CHARS = 1000
MAX_PAGE = 1000
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 10
# How results may be grouped; None lists passages.
GROUPS = ("document",)


@dataclass(frozen=True)
class SearchRequest:
    """One search: the query, its filters and the page wanted.

    :param query: the reader's query, in the language of `querylang`.
    :param sources: only passages from these files (paths or file names).
    :param section: only passages under this section (or its subsections).
    :param speaker: only passages spoken by this person.
    :param page: 1-based page number, at most `MAX_PAGE`.
    :param per_page: results per page, 1 to `MAX_PER_PAGE`.
    :param group: "document" for one hit per document (its best passage),
        documents ranked as a whole; `total` then counts documents.
    :raises QueryError: for a blank or over-long query, out-of-range paging
        or an unknown grouping.
    """

    query: str
    sources: tuple[str, ...] = field(default=())
    section: str | None = None
    speaker: str | None = None
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    group: str | None = None

    def __post_init__(self) -> None:
        query = self.query
        if not isinstance(query, str) or not query.strip():
            raise QueryError("the query is empty: type one or more words", "missing_query")
        if len(query) > MAX_QUERY_CHARS:
            raise QueryError(
                f"the query is {len(query):,} characters long; the limit is {MAX_QUERY_CHARS:,}",
                "query_too_long",
            )
        _whole_number("page", self.page, MAX_PAGE)
        _whole_number("per_page", self.per_page, MAX_PER_PAGE)
        if self.group is not None and self.group not in GROUPS:
            raise QueryError(
                f"group must be one of {', '.join(GROUPS)} (or left out for passages)",
                "bad_group",
            )
        # Filters arrive as lists or tuples, with blanks from empty form fields.
        object.__setattr__(self, "sources", tuple(s for s in self.sources if s.strip()))
        object.__setattr__(self, "section", _blank_is_none(self.section))
        object.__setattr__(self, "speaker", _blank_is_none(self.speaker))

    @property
    def first_rank(self) -> int:
        """The rank of the first hit on the page asked for."""
        return (self.page - 1) * self.per_page + 1

    @property
    def cache_key(self) -> tuple:
        """Requests with equal keys get equal answers (the query's outer
        spaces do not matter)."""
        return (
            self.query.strip(),
            self.sources,
            self.section,
            self.speaker,
            self.page,
            self.per_page,
            self.group,
        )


def _whole_number(name: str, value: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= high:
        raise QueryError(f"{name} must be a whole number from 1 to {high}", f"bad_{name}")


def _blank_is_none(value: str | None) -> str | None:
    return (value or "").strip() or None
