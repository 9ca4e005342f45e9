"""The index schema: which passage fields are searched, filtered, faceted and
stored. The indexer owns it because the index format is the indexer's to define;
the search core reads field names from here and nowhere else.

The stored fields are kept in the generation's own records
(`stored_records`), not by Whoosh: its stored column pickles and
compresses every passage (0.8 s of a WikiText-2 build) and a search paid
a decompress per hit. A generation built before keeps them in Whoosh and
is read from there.
"""

from __future__ import annotations

from whoosh.columns import NumericColumn
from whoosh.fields import COLUMN, ID, KEYWORD, STORED, TEXT, Schema

from indexer.analysis import ANALYSIS_VERSION, stemming_analyzer

# Bumped with any change to fields or analysis: a generation built by another
# version is refused by the reader and rebuilt by `kavosh index`.
SCHEMA_VERSION = 3 * 100 + ANALYSIS_VERSION

# Searchable text fields, as the search core weighs them (BM25F).
TEXT_FIELDS = ("text", "title", "section", "speaker")
# What a passage's stored fields hold (the search core's hits, the source
# viewer, the API's passage): kept in the records, in name order.
STORED_FIELDS = (
    "citation",
    "document",
    "id",
    "kind",
    "language",
    "section",
    "source",
    "speaker",
    "tags",
    "text",
    "title",
)


def build_schema(whoosh_stores: bool = False) -> Schema:
    """A fresh schema (analyzers keep state, so each writer gets its own).

    :param whoosh_stores: Whoosh stores `STORED_FIELDS` too, as generations
        built before the records did (to compare with them).
    """
    kept = whoosh_stores
    citation = STORED()
    citation.stored = kept  # carried to the records, indexed nowhere
    return Schema(
        id=ID(stored=kept, unique=True),
        document=ID(stored=kept),
        source=ID(stored=kept, sortable=True),
        kind=ID(stored=kept),
        text=TEXT(analyzer=stemming_analyzer(), stored=kept, phrase=True),
        title=TEXT(analyzer=stemming_analyzer(exact_forms=False), stored=kept, phrase=False),
        section=TEXT(analyzer=stemming_analyzer(exact_forms=False), stored=kept, phrase=False),
        speaker=TEXT(analyzer=stemming_analyzer(exact_forms=False), stored=kept, phrase=False),
        # Exact values for facets and filters, kept in columns for fast grouping.
        section_path=ID(sortable=True),
        speaker_name=ID(sortable=True),
        # Front matter tags of the passage's document (comma-separated when
        # written), for filtering and a Tags facet (counted from the tag terms'
        # postings); a code passage's language. Not a column: a sortable
        # KEYWORD field left a descriptor open in serving workers per reopened
        # generation (the rebuild-while-serving test saw 9 -> 17 after five).
        tags=KEYWORD(stored=kept, commas=True, scorable=False),
        language=ID(stored=kept),
        # The passage's place in build order: a column only (the search core
        # maps passages to documents with it). A NUMERIC field would also
        # index every value for range queries nobody asks: 16% of all postings.
        position=COLUMN(NumericColumn("Q")),
        citation=citation,
    )
