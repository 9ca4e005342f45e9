"""The home page's "Try" examples, drawn from the served corpus itself.

Fixed strings would show the sample corpus's names to someone serving their
own folder (#16). So the examples are a few of the corpus's own document
titles (the largest documents first: a title search lands in them) and its
distinctive frequent words: words many passages hold, but not so many that
they say nothing, scored as their passage count times its inverse document
frequency (the weight TF-IDF gives a word across the corpus). Forms that
share a stem count once, and stopwords and numbers never appear.

A pure function of what every backend exposes: the documents' metadata and
the vocabulary's passage counts per word form.
"""

from __future__ import annotations

from math import log
from pathlib import PurePosixPath

from app.search.compiler import STOPWORDS
from indexer.analysis import stem, words

TITLES = 2
WORDS = 4
MAX_TITLE_CHARS = 60
MIN_LETTERS = 4
# A word in more than this share of the passages is too common to show off.
COMMON_SHARE = 0.3


def choose_examples(documents: list[dict], frequency: dict[str, int]) -> list[str]:
    """Up to two titles, two words and one pair of words, in that order.

    :param documents: the generation's documents (`title`, `path`, `passages`).
    :param frequency: each folded word form's passage count.
    """
    titles = example_titles(documents)
    passages = sum(d.get("passages", 0) for d in documents) or max(frequency.values(), default=1)
    title_stems = {stem(word) for title in titles for word in words(title)}
    chosen = distinctive_words(frequency, passages, avoid=title_stems)
    examples = titles + chosen[:2]
    if len(chosen) >= 4:
        examples.append(f"{chosen[2]} {chosen[3]}")
    else:
        examples += chosen[2:]
    return examples


def example_titles(documents: list[dict], limit: int = TITLES) -> list[str]:
    """Real titles (not file names), of the documents with most passages."""
    ranked = sorted(documents, key=lambda d: (-d.get("passages", 0), d["title"]))
    chosen: list[str] = []
    for document in ranked:
        title = " ".join(document["title"].split())
        if (
            title
            and len(title) <= MAX_TITLE_CHARS
            and title != PurePosixPath(document["path"]).name
            and title not in chosen
        ):
            chosen.append(title)
        if len(chosen) == limit:
            break
    return chosen


def distinctive_words(
    frequency: dict[str, int], passages: int, avoid: set[str] = frozenset(), limit: int = WORDS
) -> list[str]:
    """The words with the highest passage count × IDF, one per stem."""
    ceiling = max(2, int(passages * COMMON_SHARE))
    floor = 2 if passages >= 20 else 1
    candidates = [
        (count * log(passages / count), form)
        for form, count in frequency.items()
        if floor <= count <= ceiling
        and len(form) >= MIN_LETTERS
        and form.isalpha()
        and form not in STOPWORDS
    ]
    # Ties go to the longer word: "lamplight" says more than "beam".
    candidates.sort(key=lambda scored: (-scored[0], -len(scored[1]), scored[1]))
    chosen: list[str] = []
    seen = set(avoid)
    for _, form in candidates:
        stemmed = stem(form)
        if stemmed in seen:
            continue
        seen.add(stemmed)
        chosen.append(form)
        if len(chosen) == limit:
            break
    return chosen
