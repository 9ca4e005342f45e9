"""How Kavosh's passages live in a Typesense cluster: collection names, the
schema, the analysed term fields, and the client.

Typesense 0.24 has no stemming, no accent folding for Persian or Arabic
letters and no compound splitting, so the passages are not searched as their
raw text. Each searchable field has a `*_terms` twin holding the words as our
own analysis chain indexes them (folded, Snowball-stemmed, compounds whole and
by part, in order), and queries are analysed the same way before they are
sent. Typesense then does what it does well on those terms: typo tolerance,
phrase and prefix matching, field weights, filters and facets. The raw text,
title, section, speaker and citation are stored, not indexed, for display.

The client is `indexer.typesense.client`.

Names: the alias (default `kavosh`) points at one passages collection
`<alias>-<NNNNNN>`; its metadata (manifest, documents, vocabulary, the section
and speaker names) lives beside it in `<alias>-<NNNNNN>-meta`, and what its
passages show (text, title, citation…) in `<alias>-<NNNNNN>-shown`
(`split_passage`).
"""

from __future__ import annotations

import re

from indexer.analysis import WORD_PATTERN, compound_forms, fold, stem
from indexer.typesense.term_ids import IDS_FIELD

DEFAULT_ALIAS = "kavosh"
META_SUFFIX = "-meta"
SHOWN_SUFFIX = "-shown"
# How many terms the passage's text holds (its BM25 field length): the order
# in which a union of candidates too big to read whole is read.
LENGTH_FIELD = "text_length"
# Searchable fields and their analysed twins, in `query_by` order.
TERM_FIELDS = {
    "text": "text_terms",
    "title": "title_terms",
    "section": "section_terms",
    "speaker": "speaker_terms",
}


def collection_name(alias: str, number: int) -> str:
    return f"{alias}-{number:06d}"


def meta_name(collection: str) -> str:
    return collection + META_SUFFIX


def shown_name(collection: str) -> str:
    return collection + SHOWN_SUFFIX


def twins(collection: str) -> list[str]:
    """A passages collection and the two pushed beside it: all three go together."""
    return [collection, meta_name(collection), shown_name(collection)]


def generation_number(alias: str, collection: str) -> int | None:
    """The number of a passages collection of `alias`, or None for anything else."""
    found = re.fullmatch(re.escape(alias) + r"-(\d{6})", collection)
    return int(found.group(1)) if found else None


def passages_schema(name: str) -> dict:
    """The passages collection. Undeclared fields (text, title, citation…) are stored only."""
    optional = {"section_terms", "speaker_terms"}
    fields = [
        {"name": terms, "type": "string", "optional": terms in optional}
        for terms in TERM_FIELDS.values()
    ]
    fields += [
        {"name": "document", "type": "string", "facet": True},
        {"name": "source", "type": "string", "facet": True},
        {"name": "section_path", "type": "string", "facet": True, "optional": True},
        {"name": "speaker_name", "type": "string", "facet": True, "optional": True},
        # Front matter tags, as written: the `tags` filter and facet.
        {"name": "tags", "type": "string[]", "facet": True, "optional": True},
        {"name": "position", "type": "int32"},
        {"name": LENGTH_FIELD, "type": "int32", "optional": True},
    ]
    return {"name": name, "fields": fields, "default_sorting_field": "position"}


# What a search reads of a passage: its analysed terms (searched, and
# re-scored from `text_ids`), the filters' and facets' values and the sort
# keys. The rest (text, title, citation, word starts…) is only shown, so it
# lives apart (`split_passage`).
SEARCHED_FIELDS = frozenset(
    {"id", "document", "source", "section_path", "speaker_name", "tags", "position"}
    | set(TERM_FIELDS.values())
    | {IDS_FIELD, LENGTH_FIELD}
)
# What only searching needs (our analysis of the passage), left out of what is shown.
ANALYSED_FIELDS = frozenset({*TERM_FIELDS.values(), IDS_FIELD, LENGTH_FIELD})


def split_passage(fields: dict) -> tuple[dict, dict]:
    """One passage as (what is searched, what is shown). A node reads a whole
    stored document for each hit it returns, whatever the search asks of it:
    with the text, title and citation stored beside the terms, SciFact's
    claims (pages of 100 documents, in process) took 22.2-23.3 ms at p50,
    and 19.9-20.9 ms without them, with the same answers. The
    shown half keeps the passage's id and document (its page's hits are
    found by id) and every field the Whoosh index stores."""
    searched = {name: value for name, value in fields.items() if name in SEARCHED_FIELDS}
    shown = {name: value for name, value in fields.items() if name not in ANALYSED_FIELDS}
    return searched, shown


def shown_schema(name: str) -> dict:
    """What the passages show: stored, not searched; found by id."""
    return {"name": name, "fields": [{"name": "document", "type": "string"}]}


def meta_schema(name: str) -> dict:
    """The metadata collection: a few documents of JSON, stored, not searched."""
    return {"name": name, "fields": [{"name": "part", "type": "string"}]}


def term_tokens(folded: str) -> list[str]:
    """The terms one folded word is indexed under, in position order."""
    same, parts = compound_forms(folded)
    return [stem(form) for form in same] + [stem(part) for part in parts]


def index_terms(text: str | None) -> str:
    """The `*_terms` value of a field: its words as our analysis chain sees them."""
    if not text:
        return ""
    return " ".join(
        term for match in WORD_PATTERN.finditer(text) for term in term_tokens(fold(match.group()))
    )
