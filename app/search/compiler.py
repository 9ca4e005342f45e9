"""Turning parsed clauses into Whoosh queries that rank the way a reader expects.

Each query word becomes a *word group*: its stem in the passage text and, with
lower weights, in the document title, the section path and the speaker
(BM25F over four fields); its exact form (`=word`) adds a bonus so exact forms
outrank stem-only matches; typo and transliteration variants from the
vocabulary join through a max (never a sum) at a fraction of the weight, so an
exact match always outranks a fuzzy one. Synonyms widen a group. Adjacent
content words add proximity bonuses (a phrase with slop), so words close
together rank above words far apart.

Short queries (up to `ALL_WORDS_LIMIT` content words) are ranked in tiers,
as Meilisearch's "words" then "typo" rules do: passages holding every word in
its own form first, then every word allowing typos, then the rest by score,
so no query dead-ends because one word is missing, and an exact match is never
buried under fuzzy ones. A passage whose section heading holds every content
word gets a bonus, so naming a heading finds the passages under it.

Field clauses (`section:`, `source:`, `speaker:`, `title:`) are filters: with
other words, a passage must pass the filter *and* match one of the words.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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

from app.search.highlight import Marks
from app.search.proximity import ALL_WORDS_LIMIT, heading_bonus, proximity_bonus
from app.search.querylang import Clause, same_source
from app.search.stopwords import STOPWORDS
from app.search.synonyms import Synonyms
from app.search.vocabulary import Vocabulary
from indexer.analysis import compound_forms, exact_term, stem, words

TITLE_WEIGHT = 0.5
SECTION_WEIGHT = 0.7
SPEAKER_WEIGHT = 0.5
EXACT_WEIGHT = 0.3
FUZZY_WEIGHT = 0.4
MAX_CLAUSES = 64
PREFIX_EXPANSIONS = 64
# Words all of a query's prefixes together may complete to (each keeps at
# least `MIN_PREFIX_EXPANSIONS`): 64 two-letter prefixes would otherwise be
# 4,096 words in four fields each.
MAX_EXPANSIONS = 256
MIN_PREFIX_EXPANSIONS = 4
# Plain words whose groups a compiler remembers; past it the memory starts again.
WORD_MEMORY = 4096


@dataclass
class Compiled:
    """The queries for one search, and what the highlighter should mark."""

    ranked: object  # every passage that matches, scored
    # Subsets of `ranked` to list first, best tier first (see the module docstring).
    tiers: list = field(default_factory=list)
    # Passages to leave out (-word, NOT word). Applied as a search mask: Whoosh's
    # AndNot miscounts when results are grouped for facets.
    excluded: object | None = None
    marks: Marks = field(default_factory=Marks)
    words: list[str] = field(default_factory=list)  # plain content words, folded
    notes: list[str] = field(default_factory=list)
    empty: bool = False


@dataclass
class _Group:
    """One plain word's query, the same without typo variants, and its word."""

    query: object
    strict: object
    folded: str
    is_content: bool
    marks: Marks


class QueryCompiler:
    def __init__(self, vocabulary: Vocabulary, synonyms: Synonyms, sources: list[str]):
        self.vocabulary = vocabulary
        self.synonyms = synonyms
        self.sources = sources
        # folded word -> its group's (query, strict query, marks): a word's
        # group depends on the vocabulary alone, which lives as long as this.
        self._words: dict[str, tuple[object, object, Marks]] = {}

    def compile(self, clauses: list[Clause]) -> Compiled:
        compiled = Compiled(ranked=NullQuery)
        if len(clauses) > MAX_CLAUSES:
            compiled.notes.append(f"Only the first {MAX_CLAUSES} terms were searched.")
            clauses = clauses[:MAX_CLAUSES]
        prefix_limit = self._prefix_limit(clauses, compiled.notes)
        filters, must, must_not, sequence = [], [], [], []
        should: list[_Group] = []
        plain = [(i, c) for i, c in enumerate(clauses) if c.plain]
        plain_groups, synonym_bonus = self._plain_groups([c for _, c in plain])
        plain_by_index = dict(zip((i for i, _ in plain), plain_groups, strict=True))
        for index, clause in enumerate(clauses):
            if clause.field:
                query = self.field_filter(clause)
                (must_not if clause.occur == "must_not" else filters).append(query)
                continue
            if index not in plain_by_index:
                marks = Marks()
                query = self._special(clause, marks, prefix_limit)
                plain_by_index[index] = [_Group(query, query, "", True, marks)]
            for group in plain_by_index[index]:
                if clause.occur == "must_not":
                    must_not.append(self._in_text(group.folded) if group.folded else group.query)
                    continue
                if group.folded:
                    sequence.append(group.folded)
                if clause.occur == "must":
                    must.append(group)
                else:
                    should.append(group)
        content = [g for g in should if g.is_content] or should
        # Function words rank (and are marked) only when nothing else would.
        for group in must + content:
            compiled.marks.update(group.marks)
        if not content and not must and not filters:
            compiled.empty = True
            return compiled
        compiled.words = [w for w in sequence if w not in STOPWORDS]
        bonus = proximity_bonus(sequence) + synonym_bonus + heading_bonus(compiled.words)
        ranked = Or([g.query for g in content] + bonus) if content else None
        if must:
            required = And([g.query for g in must])
            ranked = AndMaybe(required, ranked) if ranked else required
        if filters:
            ranked = And(filters + [ranked]) if ranked else And(filters)
        compiled.tiers = self._tiers(filters, must, content, bonus)
        if must_not:
            compiled.excluded = Or(must_not)
        compiled.ranked = ranked
        return compiled

    @staticmethod
    def _prefix_limit(clauses: list[Clause], notes: list[str]) -> int:
        """How many words each prefix may complete to (see `MAX_EXPANSIONS`)."""
        prefixes = sum(1 for c in clauses if c.prefix and not c.field)
        if prefixes * PREFIX_EXPANSIONS <= MAX_EXPANSIONS:
            return PREFIX_EXPANSIONS
        limit = max(MIN_PREFIX_EXPANSIONS, MAX_EXPANSIONS // prefixes)
        notes.append(f"With {prefixes} prefixes, each stood for its {limit} commonest words.")
        return limit

    def _tiers(self, filters: list, must: list[_Group], content: list[_Group], bonus: list):
        """All words in their own forms, then all words allowing typos (see the
        module docstring). None for long queries, whose words are rarely all in
        one passage, so their ranking is BM25F's alone."""
        if not content or len(content) > ALL_WORDS_LIMIT:
            return []
        groups = must + content
        tiers = []
        if any(g.strict is not g.query for g in groups):
            tiers.append(And(filters + [g.strict for g in groups]))
        if len(groups) >= 2:
            tiers.append(And(filters + [g.query for g in groups]))
        return [AndMaybe(tier, Or(bonus)) if bonus else tier for tier in tiers]

    # -- plain words, with synonyms -------------------------------------------------

    def _plain_groups(self, clauses: list[Clause]):
        """For each plain clause, its word groups, and the extra queries that
        multi-word synonyms add.

        A one-word synonym ("TV") widens that word's group to its alternatives.
        A run of words that is a synonym member ("Worker-communist Party of
        Iran") keeps its words and adds the alternatives (`WPI`, `WCPI`) as a
        bonus clause, so passages using either name are found.
        """
        flat = [(ci, w) for ci, c in enumerate(clauses) for w in words(c.text)]
        sequence = [w for _, w in flat]
        result: list[list[_Group]] = [[] for _ in clauses]
        extras = []
        skip_synonyms_until = 0
        for position, (clause_index, word) in enumerate(flat):
            found = self.synonyms.find(sequence, position)
            if found and position >= skip_synonyms_until:
                length, group = found
                marks = Marks()
                alternatives = Or([self._member(member, marks) for member in group])
                if length == 1:
                    result[clause_index].append(
                        _Group(alternatives, alternatives, word, True, marks)
                    )
                    continue
                extras.append(alternatives)
                skip_synonyms_until = position + length
            query, strict, marks = self._plain_word(word)
            is_content = word not in STOPWORDS
            result[clause_index].append(_Group(query, strict, word, is_content, marks))
        return result, extras

    def _plain_word(self, folded: str) -> tuple[object, object, Marks]:
        """`_word` with typo variants, remembered per word: most queries
        repeat words others used. The queries and marks are shared, so
        nothing may change them (the evaluator and `Marks.update` only read)."""
        known = self._words.get(folded)
        if known is None:
            if len(self._words) >= WORD_MEMORY:
                self._words.clear()
            marks = Marks()
            query, strict = self._word(folded, marks, expand=True)
            known = self._words[folded] = (query, strict, marks)
        return known

    def _member(self, member: tuple[str, ...], marks: Marks):
        if len(member) == 1:
            return self._word(member[0], marks, expand=False)[0]
        return self._phrase(list(member), marks, exact=False)

    def _word(self, folded: str, marks: Marks, expand: bool, fuzzy: int | None = None):
        """A word group: (query with typo variants, query without them)."""
        same, parts = compound_forms(folded)
        if parts:
            terms = [self._fields(stem(form), marks) for form in same]
            query = Or(terms + [self._phrase(parts, marks, exact=False)])
            return query, query
        exact = [self._fields(stem(form), marks) for form in same]
        marker = exact_term(folded)
        if marker:
            exact.append(Term("text", marker, boost=EXACT_WEIGHT))
            marks.terms.add(marker)
        query = Or(exact) if len(exact) > 1 else exact[0]
        if fuzzy is not None:
            variants = self.vocabulary.near(folded, fuzzy)
        else:
            variants = self.vocabulary.variants(folded) if expand else []
        if not variants:
            return query, query
        stems = {self.vocabulary.stems[v] for v in variants} - {stem(folded)}
        if not stems:
            return query, query
        fuzzy_query = Or([self._fields(s, marks) for s in sorted(stems)], boost=FUZZY_WEIGHT)
        return DisjunctionMax([query, fuzzy_query]), query

    def _in_text(self, folded: str):
        """A word in the passage text itself: what `-word` excludes."""
        same, parts = compound_forms(folded)
        return Or([Term("text", stem(form)) for form in same])

    def _fields(self, term: str, marks: Marks):
        marks.terms.add(term)
        return Or(
            [
                Term("text", term),
                Term("title", term, boost=TITLE_WEIGHT),
                Term("section", term, boost=SECTION_WEIGHT),
                Term("speaker", term, boost=SPEAKER_WEIGHT),
            ]
        )

    def _phrase(self, folded_words: list[str], marks: Marks, exact: bool, slop: int = 1):
        """A phrase over word parts; `exact` matches exact forms, not just stems.

        Only the phrase's own occurrences are marked, not each word anywhere.
        """
        terms = []
        for word in folded_words:
            same, parts = compound_forms(word)
            for part in parts or same[:1]:
                marker = exact_term(part) if exact else None
                terms.append(marker or stem(part))
        if len(terms) == 1:
            marks.terms.add(terms[0])
            return Term("text", terms[0])
        marks.phrases.append((tuple(terms), slop))
        return Phrase("text", terms, slop=slop)

    # -- phrases, prefixes, fuzzy words and fields ----------------------------------

    def _special(self, clause: Clause, marks: Marks, prefix_limit: int = PREFIX_EXPANSIONS):
        """A phrase, a prefix or an explicitly fuzzy word (`word~1`)."""
        folded = words(clause.text)
        if not folded:
            return NullQuery
        if clause.phrase:
            return self._phrase(folded, marks, exact=True)
        if clause.prefix:
            return self._prefix(folded[-1], marks, prefix_limit)
        return Or([self._word(w, marks, expand=False, fuzzy=clause.fuzzy)[0] for w in folded])

    def _prefix(self, folded: str, marks: Marks, limit: int):
        forms = self.vocabulary.completions(folded, limit=limit)
        stems = sorted({self.vocabulary.stems[f] for f in forms})
        if not stems:
            return NullQuery
        return Or([self._fields(s, marks) for s in stems])

    def field_filter(self, clause: Clause):
        value = clause.text.strip()
        analyzed = [stem(w) for w in words(value)]
        if clause.field == "source":
            matches = [p for p in self.sources if same_source(p, value)]
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
