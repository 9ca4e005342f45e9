"""The analysis chain: how text becomes index terms, identically at index and
query time.

A word goes through four steps, each a small Whoosh filter so the chain reads
as one line (`RegexTokenizer(WORD_PATTERN) | FoldFilter() | CompoundSplitFilter() | StemFilter()`):

1. `WORD_PATTERN` finds words in the *original* text, so offsets from the same
   pattern can mark the original in highlights. Hyphens, apostrophes, dots and
   digit separators inside a word keep it whole (`Worker-communist`, `12,000`).
2. `fold` normalizes a word: NFKC, case folding, accents and harakat removed,
   Arabic yeh/kaf mapped to the Persian letters, tatweel dropped, Persian and
   Arabic-Indic digits mapped to ASCII, curly apostrophes made straight.
3. Compound words are indexed whole *and* by part, at consecutive positions so
   that phrases over the parts still line up (`worker-communist`, `worker`,
   `communist`). Grouped numbers also get their bare form (`12,000` → `12000`).
4. Latin words are stemmed with NLTK's Snowball stemmer (not Whoosh's Porter
   stemmer, which maps "running" to "runn"); other scripts are left as folded.
   Where the stem differs from the word, the word is also indexed as
   `=word` at the same position, so exact forms can outrank stem-only matches
   without a second full-text field.

`analyze` exposes the same chain as a plain function for the search core.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from whoosh.analysis import Filter, RegexTokenizer

from indexer.nltk_parts import SnowballStemmer

# Combining marks (Latin accents, Arabic harakat) and tatweel stay inside a word,
# so that a decomposed or vocalized word is still one token before folding.
_WORD_CHARS = r"[\w\u0300-\u036F\u0610-\u061A\u0640\u064B-\u065F\u0670\u06D6-\u06ED]"
_JOINERS = r"['’\-\.,]"
WORD_PATTERN = re.compile(rf"{_WORD_CHARS}+(?:{_JOINERS}{_WORD_CHARS}+)*")
_PART_SPLIT = re.compile(r"['\-\.,]")

_ARABIC_TO_PERSIAN = str.maketrans(
    {
        "ي": "ی",  # Arabic yeh -> Farsi yeh
        "ى": "ی",  # alef maksura -> Farsi yeh
        "ك": "ک",  # Arabic kaf -> keheh
        "ـ": None,  # tatweel
        "’": "'",
        "‘": "'",
        "ʼ": "'",
        "‐": "-",  # Unicode hyphen
        "‑": "-",  # non-breaking hyphen
    }
)
_ARABIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"
_PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
_DIGITS = str.maketrans(
    {
        **{d: str(i) for i, d in enumerate(_ARABIC_DIGITS)},
        **{d: str(i) for i, d in enumerate(_PERSIAN_DIGITS)},
    }
)

_STEMMER = SnowballStemmer("english")
_LATIN_WORD = re.compile(r"^[a-z][a-z']*$")
_GROUPED_NUMBER = re.compile(r"^\d{1,3}(?:,\d{3})+$|^\d+\.\d+$")

# Bump when the chain or the schema changes: an index built by another version
# is rebuilt rather than silently misread.
ANALYSIS_VERSION = 3


@lru_cache(maxsize=200_000)
def fold(word: str) -> str:
    """Return the search form of one word (see the module docstring, step 2)."""
    text = unicodedata.normalize("NFKC", word).casefold()
    text = text.translate(_ARABIC_TO_PERSIAN).translate(_DIGITS)
    if not text.isascii():
        decomposed = unicodedata.normalize("NFD", text)
        text = "".join(c for c in decomposed if not unicodedata.combining(c))
        text = unicodedata.normalize("NFC", text)
    return text


@lru_cache(maxsize=200_000)
def compound_forms(folded: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The terms a folded word is indexed under.

    Returns the forms that share the word's own position (the whole word, and
    the bare form of a grouped number) and the parts that take consecutive
    positions. Apostrophes keep a word whole: Snowball already strips "'s".
    """
    if not any(c in folded for c in "-.,"):
        return (folded,), ()
    if _GROUPED_NUMBER.match(folded):
        bare = folded.replace(",", "")
        return ((folded, bare) if bare != folded else (folded,)), ()
    parts = tuple(part for part in _PART_SPLIT.split(folded) if part)
    return (folded,), (parts if len(parts) > 1 else ())


def indexed_forms(folded: str) -> tuple[str, ...]:
    """Every form a folded word is indexed under: whole, bare number, parts."""
    same, parts = compound_forms(folded)
    return same + parts


@lru_cache(maxsize=200_000)
def stem(folded: str) -> str:
    """Snowball stem for Latin-script words; everything else stays as it is."""
    if _LATIN_WORD.match(folded):
        return _STEMMER.stem(folded)
    return folded


class FoldFilter(Filter):
    """Step 2: replace each token's text by `fold(text)`."""

    def __call__(self, tokens):
        for token in tokens:
            token.text = fold(token.text)
            yield token


class CompoundSplitFilter(Filter):
    """Step 3: emit a compound word whole, then each part at its own position.

    The whole word shares the first part's position; each further part takes
    the next one, and every later token is shifted by the positions added.
    """

    def __call__(self, tokens):
        shift = 0
        for token in tokens:
            if token.positions:
                token.pos += shift
            same, parts = compound_forms(token.text)
            base = token.pos if token.positions else 0
            for form in same:
                token.text = form
                yield token
            for offset, part in enumerate(parts):
                token.text = part
                if token.positions:
                    token.pos = base + offset
                yield token
            if parts:
                shift += len(parts) - 1


EXACT_MARK = "="


def exact_term(folded: str) -> str | None:
    """The `=word` term that marks an exact form, or None when the stem is the word."""
    stemmed = stem(folded)
    return None if stemmed == folded else EXACT_MARK + folded


class StemFilter(Filter):
    """Step 4: Snowball stems for Latin words, plus `=word` for exact forms
    where `exact_forms` is set (the passage text, where ranking uses them)."""

    def __init__(self, exact_forms: bool = True):
        self.exact_forms = exact_forms

    def __call__(self, tokens):
        exact_forms = self.exact_forms
        for token in tokens:
            folded = token.text
            token.text = stem(folded)
            yield token
            if exact_forms and token.text != folded:
                token.text = EXACT_MARK + folded
                yield token


def stemming_analyzer(exact_forms: bool = True):
    """The chain for full-text fields (built fresh: analyzers hold state).

    Short metadata fields (title, section, speaker) leave out the `=word`
    exact forms: only the passage text is ranked by them, and a title is
    indexed once per passage, so every token there costs many times over.
    """
    return (
        RegexTokenizer(WORD_PATTERN)
        | FoldFilter()
        | CompoundSplitFilter()
        | StemFilter(exact_forms=exact_forms)
    )


def words(text: str) -> list[str]:
    """The folded words of `text`, compounds kept whole (for vocabularies)."""
    return [fold(m.group()) for m in WORD_PATTERN.finditer(text)]
