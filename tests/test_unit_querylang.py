"""`querylang.parse`, case by case: what each piece of the query language
becomes, and what it reads as words when it is not syntax."""

from __future__ import annotations

import pytest

from app.search.querylang import Clause, cut, parse, shown


def word(text: str, **options) -> Clause:
    return Clause(text, **options)


CASES = [
    ("war peace", [word("war"), word("peace")]),
    ('"neither shah" nor', [word("neither shah", phrase=True), word("nor")]),
    ("+iran -iraq", [word("iran", occur="must"), word("iraq", occur="must_not")]),
    ("a AND b", [word("a", occur="must"), word("b", occur="must")]),
    ("a OR b", [word("a"), word("b")]),
    ("NOT x", [word("x", occur="must_not")]),
    ("x NOT y", [word("x"), word("y", occur="must_not")]),
    ("a AND NOT b", [word("a", occur="must"), word("b", occur="must_not")]),
    ('-"a b"', [word("a b", phrase=True, occur="must_not")]),
    ("source:a.md iran", [word("a.md", occur="must", field="source"), word("iran")]),
    ("-source:a.md x", [word("a.md", occur="must_not", field="source"), word("x")]),
    (
        'section:"History › Foundation"',
        [word("History › Foundation", phrase=True, occur="must", field="section")],
    ),
    ("speaker:Ada", [word("Ada", occur="must", field="speaker")]),
    ("title:Hekmat", [word("Hekmat", occur="must", field="title")]),
    ("hekm*", [word("hekm", prefix=True)]),
    ("moghadm~1", [word("moghadm", fuzzy=1)]),
    ("iran~", [word("iran", fuzzy=1)]),
    ("word~5", [word("word", fuzzy=2)]),  # at most MAX_FUZZINESS
    # Not syntax: read as words.
    ("(a b)", [word("a"), word("b")]),
    ('"open', [word("open", phrase=True)]),  # an unbalanced quote runs to the end
    ("x^3", [word("x")]),  # boosts are dropped
    ("*tion", [word("tion")]),  # so are leading wildcards
    ("«حزب»", [word("«حزب»")]),
    # `-` is "not" only before a letter or a quote at the start of a term.
    ("-Modarresi", [word("Modarresi", occur="must_not")]),
    ("--save-dev", [word("--save-dev")]),
    ("npm install --save-dev", [word("npm"), word("install"), word("--save-dev")]),
    ("e-mail", [word("e-mail")]),
    ("-1", [word("-1")]),
    ("day -1", [word("day"), word("-1")]),
    ("- x", [word("x")]),  # a lone minus is nothing
    ("-شاه", [word("شاه", occur="must_not")]),
    ("", []),
    ("AND", []),
    ("NOT", []),
]


@pytest.mark.parametrize(("query", "clauses"), CASES, ids=[c[0] or "(empty)" for c in CASES])
def test_parse(query, clauses):
    assert parse(query) == clauses


def test_plain_clauses_are_words_without_syntax():
    assert [c.plain for c in parse('war "a b" +x hekm* y~1 source:s')] == [
        True, False, True, False, False, False,
    ]  # fmt: skip


class TestCut:
    def test_short_queries_are_kept_whole(self):
        clauses = parse("a b c")
        assert cut(clauses, 64) == (clauses, 0)

    def test_the_first_terms_are_kept_and_the_rest_counted(self):
        clauses = parse(" ".join(f"w{n}" for n in range(100)))
        kept, dropped = cut(clauses, 64)
        assert [c.text for c in kept] == [f"w{n}" for n in range(64)]
        assert dropped == 36

    def test_a_phrase_counts_its_words_and_is_shortened_at_the_limit(self):
        kept, dropped = cut(parse('a b "c d e f" g'), 4)
        assert kept == [word("a"), word("b"), word("c d", phrase=True)]
        assert dropped == 3


def test_shown_is_how_a_reader_types_a_clause():
    assert [shown(c) for c in parse('-x -"a b" -source:f.md')] == ["x", '"a b"', "source:f.md"]
