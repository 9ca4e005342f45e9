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

# A longer query is refused; up to this, a long query (a pasted abstract) is
# answered, its first `MAX_TERMS` terms searched (see `service`).
MAX_QUERY_CHARS = 8000
MAX_TERMS = 64
MAX_PAGE = 1000
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 10
# `offset` reaches as deep as `page` does at the largest page size.
MAX_OFFSET = (MAX_PAGE - 1) * MAX_PER_PAGE
DEFAULT_FACET_LIMIT = 20
MAX_FACET_LIMIT = 1000
# How results may be grouped; None lists passages.
GROUPS = ("document",)


@dataclass(frozen=True)
class SearchRequest:
    """One search: the query, its filters and the page wanted.

    :param query: the reader's query, in the language of `querylang`.
    :param sources: only passages from these files (paths or file names).
    :param section: only passages under this section (or its subsections).
    :param speaker: only passages spoken by this person.
    :param tags: only passages of documents with one of these tags.
    :param page: 1-based page number, at most `MAX_PAGE`.
    :param per_page: results per page (the API's `limit`), 1 to `MAX_PER_PAGE`.
    :param offset: how many ranked results to skip, 0 to `MAX_OFFSET`, any
        number (not only a multiple of `per_page`); None pages by `page`.
        Asking for both a page other than 1 and an offset is refused.
    :param facet_limit: how many values each facet lists, 1 to `MAX_FACET_LIMIT`.
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
    offset: int | None = None
    facet_limit: int = DEFAULT_FACET_LIMIT
    tags: tuple[str, ...] = field(default=())

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
        _whole_number("facet_limit", self.facet_limit, MAX_FACET_LIMIT)
        if self.offset is not None:
            _whole_number("offset", self.offset, MAX_OFFSET, low=0)
            if self.page != 1:
                raise QueryError(
                    "ask for a page or an offset, not both (offset counts results from 0)",
                    "page_and_offset",
                )
        if self.group is not None and self.group not in GROUPS:
            raise QueryError(
                f"group must be one of {', '.join(GROUPS)} (or left out for passages)",
                "bad_group",
            )
        # Filters arrive as lists or tuples, with blanks from empty form fields.
        object.__setattr__(self, "sources", tuple(s for s in self.sources if s.strip()))
        object.__setattr__(self, "tags", tuple(t.strip() for t in self.tags if t.strip()))
        object.__setattr__(self, "section", _blank_is_none(self.section))
        object.__setattr__(self, "speaker", _blank_is_none(self.speaker))

    @property
    def start(self) -> int:
        """How many ranked results come before the first one asked for."""
        return self.offset if self.offset is not None else (self.page - 1) * self.per_page

    @property
    def end(self) -> int:
        """How many ranked results it takes to answer (`start` + `per_page`)."""
        return self.start + self.per_page

    @property
    def first_rank(self) -> int:
        """The rank of the first hit on the page asked for."""
        return self.start + 1

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
            self.offset,
            self.facet_limit,
            self.tags,
        )


def _whole_number(name: str, value: int, high: int, low: int = 1) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise QueryError(f"{name} must be a whole number from {low} to {high}", f"bad_{name}")


def _blank_is_none(value: str | None) -> str | None:
    return (value or "").strip() or None
