"""Our parsed query language as Typesense 0.24 search parameters.

    plain words         q: their terms (folded, stemmed), function words left
                        out unless the query has nothing else; passages missing
                        a word follow only when fewer than DROP_TOKENS_THRESHOLD
                        hold them all (Typesense drops words, it has no OR)
    "a phrase"          q: "its terms" (exact adjacency on the term field)
    +word, a AND b      filter_by: the term in one of the four term fields
    -word, NOT word     q: -term;  -"phrase" likewise
    source: section: speaker: title:
                        filter_by on exact values, resolved beforehand against
                        the catalog (file names, section paths and their
                        subsections, speakers, titles), as the Whoosh compiler does
    hekm*               q: the prefix as the last word, prefix=true
    word~N              num_typos=N for the whole query, from any length
    typos               num_typos 2, from 5 letters 1, from 9 letters 2
    synonyms            Typesense's own multi-way synonyms, pushed by `kavosh
                        index`; a run of words that is a synonym member is
                        sent whole, function words included
    facets, pages       facet_by=source,section_path,tags; page, per_page
    tags                filter_by=tags:=[…] (front matter tags, as written)
    ties                sort_by=_text_match:desc,position:asc (document order)

What Typesense cannot express is listed in README "Scaling out".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from app.search.compiler import MAX_CLAUSES
from app.search.engine import FACET_COLUMNS, TAGS_FIELD
from app.search.errors import QueryError
from app.search.querylang import Clause, same_source
from app.search.request import SearchRequest
from app.search.stopwords import STOPWORDS
from app.search.synonyms import Synonyms
from indexer.analysis import stem, words
from indexer.models import SECTION_SEPARATOR
from indexer.typesense.schema import TERM_FIELDS
from indexer.typesense.term_ids import IDS_FIELD
from indexer.typesense.word_starts import STARTS_FIELD

MAX_TYPESENSE_PER_PAGE = 250

QUERY_BY = ",".join(TERM_FIELDS.values())
# Our BM25F weights (text 1, title 0.5, speaker 0.5) on Typesense's 0–15 scale. The
# section weighs as much as the text: it stands in for our bonus for a heading
# that holds every word, which Typesense has no way to say.
QUERY_BY_WEIGHTS = "15,7,15,7"
DROP_TOKENS_THRESHOLD = 100
TYPO_TOKENS_THRESHOLD = 100
MAX_PER_PAGE = 250  # Typesense 0.24's largest page
# What re-scoring reads of each candidate (the page's hits are fetched after).
# Not the title's terms: a document's passages share them, and the engine
# finds them from the title in the snapshot (`collection.TitleTerms`).
SCORING_FIELDS = (
    "id",
    "document",
    "position",
    *FACET_COLUMNS.values(),
    TAGS_FIELD,
    IDS_FIELD,
    *(column for name, column in TERM_FIELDS.items() if name not in ("text", "title")),
)
# What a hit shows (`app.search.results.hit_from_fields`), and where its
# words start (to mark them, `spans`): never the analysed term fields, which
# are half of a passage's bytes.
DISPLAY_FIELDS = (
    *("id", "document", "text", "title", "section", "speaker", "kind", "citation", "language"),
    STARTS_FIELD,
)


@dataclass(frozen=True)
class Catalog:
    """The exact filter values of one collection, to resolve field clauses against."""

    sources: tuple[str, ...] = ()
    titles: dict[str, str] = field(default_factory=dict)  # document id -> title
    sections: tuple[str, ...] = ()
    speakers: tuple[str, ...] = ()


@dataclass
class TypesenseQuery:
    """The search parameters, or `matches_nothing` when a filter excludes everything."""

    params: dict
    matches_nothing: bool = False
    skip: int = 0  # hits of the page asked for that come before the offset


def search_params(
    clauses: list[Clause],
    catalog: Catalog,
    synonyms: Synonyms,
    request: SearchRequest,
    window: int | None = None,
    frequency: Callable[[str], int] | None = None,
    tagged: bool = True,
) -> TypesenseQuery:
    """The Typesense parameters for a parsed query and the request's filters and page.

    :param window: ask instead for the first `window` candidates, for Kavosh to
        re-score (see `window_params`).
    :param frequency: how many passages hold a term; with a window, the rarest
        words go first, so the words Typesense drops first are the commonest.
    :param tagged: the collection has a `tags` field (pushed since tags were):
        without one no passage has a tag.
    """
    clauses = clauses[:MAX_CLAUSES]
    wanted = [(c.field, [c.text.strip()], c.occur == "must_not") for c in clauses if c.field]
    wanted += [("source", list(request.sources), False)] if request.sources else []
    wanted += [("section", [request.section], False)] if request.section else []
    wanted += [("speaker", [request.speaker], False)] if request.speaker else []
    filters, nothing = [], False
    for name, values, negated in wanted:
        column, matched = _resolve(name, values, catalog)
        if matched:
            operator = ":!=" if negated else ":="
            filters.append(column + operator + "[" + ",".join(map(filter_value, matched)) + "]")
        elif not negated:
            nothing = True  # like Whoosh's filter on no value: nothing passes
    if request.tags and tagged:  # a passage of a document with any of the tags
        filters.append(TAGS_FIELD + ":=[" + ",".join(map(filter_value, request.tags)) + "]")
    elif request.tags:
        nothing = True
    terms, excluded, prefix, typos = _terms(clauses, synonyms)
    for term in [t.text for t in terms if t.occur == "must" and not t.text.startswith('"')]:
        filters.append(
            "(" + " || ".join(f"{f}:{filter_value(term)}" for f in TERM_FIELDS.values()) + ")"
        )
    # Function words rank only when nothing else would (as in the Whoosh compiler).
    content = [t.text for t in terms if t.content or t.occur == "must"]
    q_terms = content or [t.text for t in terms]
    if window and frequency:
        q_terms = sorted(q_terms, key=lambda t: (not t.startswith('"'), frequency(t)))
    q_terms += [prefix] if prefix else []
    params = {
        "q": " ".join(q_terms + excluded) if q_terms else "*",
        "query_by": QUERY_BY,
        "query_by_weights": QUERY_BY_WEIGHTS,
        "num_typos": 2,
        "min_len_1typo": 5,
        "min_len_2typo": 9,
        "typo_tokens_threshold": TYPO_TOKENS_THRESHOLD,
        "drop_tokens_threshold": DROP_TOKENS_THRESHOLD,
        # A short field equal to the query (a speaker's name) must not outrank
        # the passage that says it: ours has no such rule.
        "prioritize_exact_match": "false",
        "prefix": "true" if prefix else "false",
        "facet_by": ",".join([*FACET_COLUMNS.values(), *[TAGS_FIELD] * tagged]),
        "max_facet_values": request.facet_limit,
        "sort_by": "_text_match:desc,position:asc",
        "highlight_fields": TERM_FIELDS["text"],
        "page": request.page,
        "per_page": request.per_page,
    }
    skip = 0
    if request.offset is not None:  # any offset: the page of some size that holds it
        page, size, skip = offset_window(request.offset, request.per_page)
        params.update(page=page, per_page=size)
    if typos is not None:
        params.update(num_typos=typos, min_len_1typo=1, min_len_2typo=1 if typos > 1 else 9)
    if filters:
        params["filter_by"] = " && ".join(filters)
    if request.group == "document":  # Typesense's grouping: the best passage of each document
        params.update(group_by="document", group_limit=1)
    if window:
        params = window_params(params, window)
    return TypesenseQuery(params, matches_nothing=nothing, skip=skip)


def offset_window(offset: int, limit: int) -> tuple[int, int, int]:
    """(page, per_page, hits to skip on it) for `limit` results from `offset`:
    the smallest page size (up to Typesense's 250) whose one page holds them
    all, as Typesense 0.24 pages only by page and per_page.

    :raises QueryError: when no page size holds them (suggest a nearby offset).
    """
    for size in range(limit, MAX_TYPESENSE_PER_PAGE + 1):
        if offset // size == (offset + limit - 1) // size:
            return offset // size + 1, size, offset % size
    raise QueryError(
        f"the Typesense engine cannot answer offset {offset} with limit {limit}: "
        f"use an offset that is a multiple of the limit",
        "bad_offset",
    )


def window_params(params: dict, window: int) -> dict:
    """The parameters for the first phase: the `window` best candidates by
    Typesense's own ranking, with settings that favour recall (words dropped
    and typos allowed until the window is full), no grouping (documents are
    grouped after re-scoring), no highlights (ours are drawn after), and only
    the fields re-scoring reads."""
    params = {k: v for k, v in params.items() if k not in ("group_by", "group_limit")}
    params.update(
        drop_tokens_threshold=window,
        typo_tokens_threshold=window,
        page=1,
        per_page=min(window, MAX_PER_PAGE),
        highlight_fields=TERM_FIELDS["title"],
        include_fields=",".join(SCORING_FIELDS),
    )
    return params


@dataclass(frozen=True)
class _Term:
    text: str
    occur: str
    content: bool


def _terms(clauses: list[Clause], synonyms: Synonyms):
    """q's terms, the excluded terms (`-term`), the prefix, the typo budget."""
    terms: list[_Term] = []
    excluded: list[str] = []
    prefix, typos = None, None
    plain = [c for c in clauses if c.plain]
    in_synonym = _synonym_positions([w for c in plain for w in words(c.text)], synonyms)
    position = 0
    for clause in clauses:
        if clause.field:
            continue
        folded = words(clause.text)
        if clause.phrase:
            phrase = '"' + " ".join(stem(w) for w in folded) + '"'
            if clause.occur == "must_not":
                excluded.append("-" + phrase)
            elif folded:
                terms.append(_Term(phrase, clause.occur, content=True))
            continue
        if clause.prefix:
            prefix = folded[-1] if folded else prefix
            continue
        if clause.fuzzy is not None:
            typos = max(typos or 0, clause.fuzzy)
        for word in folded:
            # A run of words that is a synonym member is sent whole, function
            # words included, so that Typesense's synonym matches it.
            whole = clause.plain and position in in_synonym
            position += clause.plain
            if clause.occur == "must_not":
                excluded.append("-" + stem(word))
            else:
                content = whole or word not in STOPWORDS
                terms.append(_Term(stem(word), clause.occur, content))
    return terms, excluded, prefix, typos


def _synonym_positions(sequence: list[str], synonyms: Synonyms) -> set[int]:
    """Positions of words that belong to a multi-word synonym member."""
    kept: set[int] = set()
    position = 0
    while position < len(sequence):
        found = synonyms.find(sequence, position)
        if found and found[0] > 1:
            kept.update(range(position, position + found[0]))
            position += found[0]
        else:
            position += 1
    return kept


def _resolve(name: str, values: list[str], catalog: Catalog) -> tuple[str, list[str]]:
    """The filter column for field `name` and its exact values matching any of `values`."""
    if name == "source":
        return "source", [p for p in catalog.sources if any(same_source(p, v) for v in values)]
    wanted = [(value, {stem(w) for w in words(value)}) for value in values]
    if name == "title":
        matched = [
            document
            for document, title in catalog.titles.items()
            if any(stems and stems <= _stems(title) for _, stems in wanted)
        ]
        return "document", matched
    names, column = {
        "section": (catalog.sections, "section_path"),
        "speaker": (catalog.speakers, "speaker_name"),
    }[name]
    return column, [n for n in names if any(_names_match(n, v, s) for v, s in wanted)]


def _names_match(name: str, value: str, stems: set[str]) -> bool:
    """`section:History` matches "History", "History › Foundation", and any
    heading holding every word of the value (stemmed), as in the Whoosh compiler."""
    return (
        name == value
        or name.startswith(value + SECTION_SEPARATOR)
        or bool(stems and stems <= _stems(name))
    )


def _stems(text: str) -> set[str]:
    return {stem(w) for w in words(text)}


def filter_value(value: str) -> str:
    """A filter value, backquoted so commas, spaces and brackets stay literal."""
    return "`" + value.replace("`", "") + "`"
