"""Turning parsed clauses into Whoosh queries that rank the way a reader expects.

Each query word becomes a *word group*: its stem in the passage text and, with
lower weights, in the document title, the section path and the speaker
(BM25F over four fields); its exact form (`=word`) adds a bonus so exact forms
outrank stem-only matches; typo and transliteration variants from the
vocabulary join through a max (never a sum) at a fraction of the weight, so an
exact match always outranks a fuzzy one. Synonyms widen a group. Adjacent
content words add proximity bonuses (a phrase with slop), so words close
together rank above words far apart.

Short queries (up to `ALL_WORDS_LIMIT` content words) also get an all-words
query: the service ranks passages holding every word first, then the rest,
so no query dead-ends because one word is missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources

from whoosh.query import (
    And,
    AndMaybe,
    DisjunctionMax,
    NullQuery,
    Or,
    Phrase,
    Prefix,
    Term,
)

from app.search.querylang import Clause
from app.search.synonyms import Synonyms
from app.search.vocabulary import Vocabulary
from indexer.analysis import EXACT_MARK, compound_forms, exact_term, fold, stem, words

TITLE_WEIGHT = 0.5
SECTION_WEIGHT = 0.7
SPEAKER_WEIGHT = 0.5
EXACT_WEIGHT = 0.3
FUZZY_WEIGHT = 0.4
PHRASE_WEIGHT = 1.0
BIGRAM_WEIGHT = 0.3
ALL_WORDS_LIMIT = 4
MAX_CLAUSES = 64
PREFIX_EXPANSIONS = 64


def _stopwords() -> frozenset[str]:
    text = resources.files("app.search").joinpath("data/stopwords.txt").read_text("utf-8")
    lines = (line for line in text.splitlines() if not line.startswith("#"))
    return frozenset(" ".join(lines).split())


STOPWORDS = _stopwords()


@dataclass
class Compiled:
    """The queries for one search, and what the highlighter should mark."""

    ranked: object  # every passage that matches, scored
    all_words: object | None  # the subset holding every content word, or None
    # Passages to leave out (-word, NOT word). Applied as a search mask: Whoosh's
    # AndNot miscounts when results are grouped for facets.
    excluded: object | None = None
    highlight: set[str] = field(default_factory=set)
    words: list[str] = field(default_factory=list)  # plain content words, folded
    notes: list[str] = field(default_factory=list)
    empty: bool = False


class QueryCompiler:
    def __init__(self, vocabulary: Vocabulary, synonyms: Synonyms, sources: list[str]):
        self.vocabulary = vocabulary
        self.synonyms = synonyms
        self.sources = sources

    def compile(self, clauses: list[Clause]) -> Compiled:
        compiled = Compiled(ranked=NullQuery, all_words=None)
        if len(clauses) > MAX_CLAUSES:
            compiled.notes.append(f"Only the first {MAX_CLAUSES} terms were searched.")
            clauses = clauses[:MAX_CLAUSES]
        should, must, must_not, content, sequence = [], [], [], [], []
        plain = [(i, c) for i, c in enumerate(clauses) if _is_plain(c)]
        plain_groups, synonym_bonus = self._plain_groups([c for _, c in plain], compiled)
        plain_by_index = dict(zip((i for i, _ in plain), plain_groups, strict=True))
        for index, clause in enumerate(clauses):
            if index in plain_by_index:
                for query, folded, is_content in plain_by_index[index]:
                    if clause.occur == "must_not":
                        must_not.append(self._in_text(folded))
                        continue
                    target = should if clause.occur == "should" else must
                    target.append(query)
                    if clause.occur == "should" and is_content:
                        content.append(query)
                    sequence.append(folded)
                continue
            query = self._special(clause, compiled)
            {"should": should, "must": must, "must_not": must_not}[clause.occur].append(query)
            if clause.occur == "should":
                content.append(query)
        if not content:
            content = list(should)
        if not content and not must:
            compiled.empty = True
            return compiled
        compiled.words = [w for w in sequence if w not in STOPWORDS]
        bonus = self._proximity(compiled.words) + synonym_bonus
        ranked = Or(content + bonus) if content else None
        if must:
            ranked = AndMaybe(And(must), ranked) if ranked else And(must)
        if 2 <= len(content) <= ALL_WORDS_LIMIT:
            everything = And(must + content)
            compiled.all_words = AndMaybe(everything, Or(bonus)) if bonus else everything
        if must_not:
            compiled.excluded = Or(must_not)
        compiled.ranked = ranked
        return compiled

    # -- plain words, with synonyms -------------------------------------------------

    def _plain_groups(self, clauses: list[Clause], compiled: Compiled):
        """For each plain clause, its [(query, folded word, is content)], and
        the extra queries that multi-word synonyms add.

        A one-word synonym ("TV") widens that word's group to its alternatives.
        A run of words that is a synonym member ("Worker-communist Party of
        Iran") keeps its words and adds the alternatives (`WPI`, `WCPI`) as a
        bonus clause, so passages using either name are found.
        """
        flat = [(ci, w) for ci, c in enumerate(clauses) for w in words(c.text)]
        sequence = [w for _, w in flat]
        result: list[list] = [[] for _ in clauses]
        extras = []
        skip_synonyms_until = 0
        for position, (clause_index, word) in enumerate(flat):
            found = self.synonyms.find(sequence, position)
            if found and position >= skip_synonyms_until:
                length, group = found
                alternatives = Or([self._member(member, compiled) for member in group])
                if length == 1:
                    result[clause_index].append((alternatives, word, True))
                    continue
                extras.append(alternatives)
                skip_synonyms_until = position + length
            query = self._word(word, compiled, expand=True)
            result[clause_index].append((query, word, word not in STOPWORDS))
        return result, extras

    def _member(self, member: tuple[str, ...], compiled: Compiled):
        if len(member) == 1:
            return self._word(member[0], compiled, expand=False)
        return self._phrase(list(member), compiled, exact=False)

    def _word(self, folded: str, compiled: Compiled, expand: bool, fuzzy: int | None = None):
        same, parts = compound_forms(folded)
        if parts:
            terms = [self._fields(stem(form), compiled) for form in same]
            return Or(terms + [self._phrase(parts, compiled, exact=False)])
        exact = [self._fields(stem(form), compiled) for form in same]
        marker = exact_term(folded)
        if marker:
            exact.append(Term("text", marker, boost=EXACT_WEIGHT))
            compiled.highlight.add(marker)
        query = Or(exact) if len(exact) > 1 else exact[0]
        if fuzzy is not None:
            variants = self.vocabulary.near(folded, fuzzy)
        else:
            variants = self.vocabulary.variants(folded) if expand else []
        stems = {self.vocabulary.stems[v] for v in variants} - {stem(folded)}
        if not stems:
            return query
        fuzzy_query = Or([self._fields(s, compiled) for s in sorted(stems)], boost=FUZZY_WEIGHT)
        return DisjunctionMax([query, fuzzy_query])

    def _in_text(self, folded: str):
        """A word in the passage text itself: what `-word` excludes."""
        same, parts = compound_forms(folded)
        return Or([Term("text", stem(form)) for form in same])

    def _fields(self, term: str, compiled: Compiled):
        compiled.highlight.add(term)
        return Or(
            [
                Term("text", term),
                Term("title", term, boost=TITLE_WEIGHT),
                Term("section", term, boost=SECTION_WEIGHT),
                Term("speaker", term, boost=SPEAKER_WEIGHT),
            ]
        )

    def _phrase(self, folded_words: list[str], compiled: Compiled, exact: bool, slop: int = 1):
        """A phrase over word parts; `exact` matches exact forms, not just stems."""
        terms = []
        for word in folded_words:
            same, parts = compound_forms(word)
            for part in parts or same[:1]:
                marker = exact_term(part) if exact else None
                terms.append(marker or stem(part))
        # Function words are marked only where the reader asked for the phrase.
        marked = [t for t in terms if exact or t.removeprefix(EXACT_MARK) not in STOPWORDS]
        compiled.highlight.update(marked)
        compiled.highlight.update(stem(t.removeprefix(EXACT_MARK)) for t in marked)
        if len(terms) == 1:
            return Term("text", terms[0])
        return Phrase("text", terms, slop=slop)

    # -- phrases, prefixes, fuzzy words and fields ----------------------------------

    def _special(self, clause: Clause, compiled: Compiled):
        if clause.field:
            return self.field_filter(clause)
        folded = words(clause.text)
        if not folded:
            return NullQuery
        if clause.phrase:
            return self._phrase(folded, compiled, exact=True)
        if clause.prefix:
            return self._prefix(folded[-1], compiled)
        return Or([self._word(w, compiled, expand=False, fuzzy=clause.fuzzy) for w in folded])

    def _prefix(self, folded: str, compiled: Compiled):
        forms = self.vocabulary.completions(folded, limit=PREFIX_EXPANSIONS)
        stems = sorted({self.vocabulary.stems[f] for f in forms})
        if not stems:
            return NullQuery
        return Or([self._fields(s, compiled) for s in stems])

    def field_filter(self, clause: Clause):
        value = clause.text.strip()
        analyzed = [stem(w) for w in words(value)]
        if clause.field == "source":
            matches = [p for p in self.sources if _same_source(p, value)]
            return Or([Term("source", p) for p in matches]) if matches else NullQuery
        if clause.field == "title":
            return And([Term("title", t) for t in analyzed]) if analyzed else NullQuery
        column, text_field = {
            "section": ("section_path", "section"),
            "speaker": ("speaker_name", "speaker"),
        }[clause.field]
        options = [Term(column, value), Prefix(column, value + " › ")]
        if analyzed:
            options.append(And([Term(text_field, t) for t in analyzed]))
        return Or(options)

    def _proximity(self, sequence: list[str]) -> list:
        """Bonuses for content words that stand together in the passage."""
        if len(sequence) < 2:
            return []
        stems = [stem(fold(w)) for w in sequence]
        bonus = [Phrase("text", stems, slop=2, boost=PHRASE_WEIGHT)]
        if len(stems) >= 3:
            bonus += [
                Phrase("text", [a, b], slop=3, boost=BIGRAM_WEIGHT)
                for a, b in zip(stems, stems[1:], strict=False)
            ]
        return bonus


def _is_plain(clause: Clause) -> bool:
    return not (clause.field or clause.phrase or clause.prefix or clause.fuzzy is not None)


def _same_source(path: str, value: str) -> bool:
    """`source:` matches a path, its file name, or its end (`notes/a.md`)."""
    return path == value or path.rsplit("/", 1)[-1] == value or path.endswith("/" + value)
