"""A text field's postings as the analysis chain makes them, without its tokens.

Whoosh indexes a field value by running the chain (`analysis.stemming_analyzer`)
as generators that pass one `Token` object through four filters, and its
format gathers positions from it: on WikiText-2 that was 17 of a build's 58
seconds. The chain maps each word to the same terms wherever it occurs, so
`FieldPostings` learns a word's terms once (the word's `fold`, its compound
forms and parts, their stems and `=word` exact forms, at their offsets from
the word's position) and then only counts.

It gives exactly what `FieldType.index` yields for the same value, term for
term and in the same order (`tests/test_field_postings.py` checks it on
every word of the seeds, and `test_bulk_writer` the whole segment), and is
used only for a field whose chain and format it recognises (`for_field`);
any other field keeps Whoosh's own way.
"""

from __future__ import annotations

from whoosh.analysis import CompositeAnalyzer, RegexTokenizer
from whoosh.formats import Frequency, Positions
from whoosh.system import pack_uint

from indexer.analysis import (
    EXACT_MARK,
    CompoundSplitFilter,
    FoldFilter,
    StemFilter,
    compound_forms,
    fold,
    stem,
)

# Words whose terms are remembered; past it the memory is cleared, so that a
# corpus with a huge vocabulary costs time, not memory.
WORDS_KEPT = 300_000


class FieldPostings:
    """The postings of a field value, and its length (see `__call__`)."""

    def __init__(self, tokenizer: RegexTokenizer, fmt, exact_forms: bool):
        self._findall = tokenizer.expression.findall
        self._positions = isinstance(fmt, Positions)
        self._encode = fmt.encode if self._positions else None
        self._boost = fmt.field_boost
        self._exact_forms = exact_forms
        self._words: dict[str, tuple[tuple[tuple[int, bytes], ...], int]] = {}
        self._single: dict[int, bytes] = {}
        self._counts: dict[int, bytes] = {}

    @classmethod
    def for_field(cls, field) -> FieldPostings | None:
        """A `FieldPostings` for `field` if it is indexed with exactly the
        stemming chain into positions or frequencies; else None."""
        analyzer, fmt = getattr(field, "analyzer", None), getattr(field, "format", None)
        if type(fmt) not in (Positions, Frequency) or not isinstance(analyzer, CompositeAnalyzer):
            return None
        items = analyzer.items
        kinds = [type(item) for item in items]
        if kinds != [RegexTokenizer, FoldFilter, CompoundSplitFilter, StemFilter]:
            return None
        if items[0].gaps:
            return None
        return cls(items[0], fmt, items[3].exact_forms)

    def _terms_of(self, word: str) -> tuple[tuple[tuple[int, bytes], ...], int]:
        """The (offset, term) pairs one word is indexed under, in the chain's
        order, and how many positions beyond one it takes."""
        same, parts = compound_forms(fold(word))
        terms: list[tuple[int, bytes]] = []
        for offset, form in [(0, form) for form in same] + list(enumerate(parts)):
            stemmed = stem(form)
            terms.append((offset, stemmed.encode("utf-8")))
            if self._exact_forms and stemmed != form:
                terms.append((offset, (EXACT_MARK + form).encode("utf-8")))
        extra = len(parts) - 1 if parts else 0
        if len(self._words) >= WORDS_KEPT:
            self._words.clear()
        found = self._words[word] = (tuple(terms), extra)
        return found

    def __call__(self, value: str) -> tuple[list[tuple[bytes, float, bytes]], int]:
        """`(term bytes, weight, encoded value)` of each term of `value`, in
        the order `FieldType.index` yields them, and the field's length (the
        number of terms indexed, repeats counted)."""
        words, terms_of = self._words, self._terms_of
        boost = self._boost * 1.0
        postings, length = [], 0
        if not self._positions:
            counts: dict[bytes, int] = {}
            for word in self._findall(value):
                entry = words.get(word) or terms_of(word)
                for _, term in entry[0]:
                    counts[term] = counts.get(term, 0) + 1
            remembered = self._counts
            for term, n in counts.items():
                encoded = remembered.get(n) or self._remember_count(n)
                postings.append((term, n * boost, encoded))
                length += n
            return postings, length
        positions: dict[bytes, list[int]] = {}
        shift = 0
        for number, word in enumerate(self._findall(value)):
            terms, extra = words.get(word) or terms_of(word)
            base = number + shift
            for offset, term in terms:
                found = positions.get(term)
                if found is None:
                    positions[term] = [base + offset]
                else:
                    found.append(base + offset)
            shift += extra
        single, encode = self._single, self._encode
        for term, found in positions.items():
            n = len(found)
            if n == 1:
                encoded = single.get(found[0]) or self._remember_single(found[0])
            else:
                encoded = encode(found)
            postings.append((term, n * boost, encoded))
            length += n
        return postings, length

    def _remember_single(self, position: int) -> bytes:
        encoded = self._single[position] = self._encode([position])
        return encoded

    def _remember_count(self, n: int) -> bytes:
        encoded = self._counts[n] = pack_uint(n)
        return encoded
