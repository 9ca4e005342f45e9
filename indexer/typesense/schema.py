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
and speaker names) lives beside it in `<alias>-<NNNNNN>-meta`.
"""

from __future__ import annotations

import re

from indexer.analysis import WORD_PATTERN, compound_forms, fold, stem

DEFAULT_ALIAS = "kavosh"
META_SUFFIX = "-meta"
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
