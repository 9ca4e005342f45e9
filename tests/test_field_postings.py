"""`FieldPostings` indexes a text field exactly as Whoosh's chain does: the
same terms, frequencies, weights and encoded positions, in the same order,
for every passage of the seeds and of WikiText-2's validation file, and for
the words the chain treats specially."""

from __future__ import annotations

import shutil

import pytest
from whoosh.analysis import LowercaseFilter
from whoosh.fields import ID, TEXT

from indexer.analysis import stemming_analyzer
from indexer.field_postings import FieldPostings
from indexer.schema import TEXT_FIELDS, build_schema
from tests.conftest import SEEDS, WIKITEXT, passages_of

TRICKY = [
    "Running runs ran; the runner's run-up.",
    "Worker-communist party, 12,000 votes and 3.14 pies: a-a-a, new-new.",
    "6 @.@ 4 km @-@ long, the U.S. Army's 2nd Division.",
    "Café NAÏVE résumé — ﬁne ligatures, “quotes” and it’s fine.",
    "کتاب‌ها و كتاب يك ۱۲۳ ٤٥٦ ـ مـدرسـة",
    "",
    "   ",
    "word " * 300,
]


def whoosh_postings(field, value: str) -> tuple[list, int]:
    """What `Analyser` made of a value with Whoosh's own `FieldType.index`."""
    indexed = list(field.index(value))
    postings = [(term, weight * 1.0, encoded) for term, _, weight, encoded in indexed]
    return postings, sum(frequency for _, frequency, _, _ in indexed)


@pytest.fixture(scope="module")
def passages(tmp_path_factory) -> list:
    folder = tmp_path_factory.mktemp("wikitext")
    shutil.copy(WIKITEXT / "valid.txt.gz", folder)
    return [
        passage
        for corpus in (SEEDS, folder)
        for _, passages in passages_of(corpus).values()
        for passage in passages
    ]


@pytest.mark.parametrize("fieldname", TEXT_FIELDS)
def test_every_passage_gets_the_chains_postings(passages, fieldname):
    field = build_schema()[fieldname]
    direct = FieldPostings.for_field(field)
    assert direct is not None
    # Every field is tried on every kind of value: passage texts, titles,
    # sections and speakers.
    texts = {passage.text for passage in passages} | {passage.title for passage in passages}
    texts |= {passage.section or "" for passage in passages}
    texts |= {passage.speaker or "" for passage in passages}
    assert len(texts) > 2000
    for text in sorted(texts) + TRICKY:
        assert direct(text) == whoosh_postings(field, text), text


def test_a_word_met_again_after_the_memory_is_cleared_is_the_same(monkeypatch):
    monkeypatch.setattr("indexer.field_postings.WORDS_KEPT", 3)
    field = build_schema()["text"]
    direct = FieldPostings.for_field(field)
    for text in TRICKY:
        assert direct(text) == whoosh_postings(field, text)


def test_fields_of_another_chain_or_format_keep_whooshs_way():
    assert FieldPostings.for_field(ID()) is None
    assert FieldPostings.for_field(TEXT()) is None
    assert FieldPostings.for_field(TEXT(analyzer=stemming_analyzer(), chars=True)) is None
    assert FieldPostings.for_field(TEXT(analyzer=stemming_analyzer() | LowercaseFilter())) is None
