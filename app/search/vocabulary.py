"""The index vocabulary: every folded word form, its stem and how many
passages hold it. Typo tolerance, transliteration, "did you mean" and
completions are all look-ups here, so none of them scans the index.

Typos follow Meilisearch and Typesense: words of 5+ letters may differ by one
edit, 9+ by two, a transposition counting as one (optimal string alignment,
computed by RapidFuzz in C++). Transliterated names (`Taqvaee`, `Taghvaee`,
`Koorosh`, `Koroosh`) often differ by more than that, so forms are also
grouped by a "skeleton" key that keeps consonants and folds the usual
romanization variants (q/gh, z/s, doubled letters, vowel runs).

A typo's neighbours come from the generation's deletion index
(`indexer.typo_index`): the few forms it can be near, measured one by one.
A generation built before it had one is scanned, length by length, instead;
both give the same forms in the same order.
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict

from rapidfuzz import process
from rapidfuzz.distance import OSA

from indexer.analysis import stem, words
from indexer.typo_index import DeletionIndex

MAX_VARIANTS = 8
RARE_PASSAGES = 5
RARE_FRACTION = 2000
VARIANT_RATIO = 3
NEAR_MEMORY = 10_000
_SKELETON_RULES = [
    (re.compile(r"gh|q"), "g"),
    (re.compile(r"kh|ck|c(?=[aou])"), "k"),
    (re.compile(r"ph"), "f"),
    (re.compile(r"z"), "s"),
    (re.compile(r"w"), "v"),
    (re.compile(r"[aeiouy]+"), "a"),
    (re.compile(r"(.)\1+"), r"\1"),
]
_LATIN = re.compile(r"^[a-z]+$")


def typo_budget(word: str) -> int:
    """Edits a word may differ by: 0 below 5 letters, 1 from 5, 2 from 9."""
    letters = len(word) if word.isalpha() else sum(1 for c in word if c.isalpha())
    return 0 if letters < 5 else 1 if letters < 9 else 2


def skeleton(word: str) -> str | None:
    """The transliteration key of a Latin word of 5+ letters, else None."""
    if len(word) < 5 or not _LATIN.match(word):
        return None
    key = word
    for pattern, replacement in _SKELETON_RULES:
        key = pattern.sub(replacement, key)
    return key if len(key) >= 4 else None


def suggestions(prefix: str, vocabulary: Vocabulary, titles, limit: int = 8) -> list[str]:
    """Completions for a search box: the last word's most frequent forms (the
    words before it kept as typed), then document titles containing the text."""
    folded = words(prefix)
    if not folded:
        return []
    head, last = folded[:-1], folded[-1]
    lead = prefix[: prefix.lower().rfind(last[:1])] if head else ""
    completions = [lead + form for form in vocabulary.completions(last, limit)]
    needle = prefix.strip().casefold()
    matching = sorted({t for t in titles if needle and needle in t.casefold()})
    return list(dict.fromkeys(completions + matching))[:limit]


class Vocabulary:
    """Look-ups over the word forms of one index generation."""

    def __init__(
        self, forms: dict[str, list], passages: int = 0, deletions: DeletionIndex | None = None
    ):
        self.stems = {form: entry[0] for form, entry in forms.items()}
        # A word in fewer passages than this is rare enough to expand (see variants).
        self.rare_below = max(RARE_PASSAGES, passages // RARE_FRACTION)
        self.known_stems = set(self.stems.values())
        self.frequency = {form: entry[1] for form, entry in forms.items()}
        self.sorted_forms = sorted(forms)
        self._near: dict[tuple[str, int], list[str]] = {}
        self._completions: dict[tuple[str, int], list[str]] = {}
        # Typo neighbours come from the generation's deletion index, or
        # from a scan of the forms of each length when it has none.
        self.deletions = deletions
        self.numbered = list(forms)
        self._lengths = {len(form) for form in forms}
        self._by_length: dict[int, list[str]] | None = None
        self._by_skeleton: dict[str, list[str]] = defaultdict(list)
        for form in forms:
            key = skeleton(form)
            if key:
                self._by_skeleton[key].append(form)

    def know(self, stems) -> None:
        """Count `stems` as known words too (headings, titles, speakers), so
        "did you mean" does not correct a word the index holds elsewhere."""
        self.known_stems.update(stems)

    def __contains__(self, form: str) -> bool:
        return form in self.stems

    def __len__(self) -> int:
        return len(self.stems)

    def near(self, form: str, max_edits: int, limit: int = MAX_VARIANTS) -> list[str]:
        """Other forms within `max_edits` edits, closest and most frequent first.

        Remembered per form: a typo is looked up twice per query (its
        variants, then "did you mean"), and a scan (for a generation built
        without a deletion index) is costly."""
        if max_edits <= 0:
            return []
        key = (form, max_edits)
        found = self._near.get(key)
        if found is None:
            if len(self._near) >= NEAR_MEMORY:
                self._near.clear()
            indexed = self.deletions is not None and max_edits <= self.deletions.max_edits
            find = self._look_up if indexed else self._scan
            found = self._near[key] = find(form, max_edits, max(limit, MAX_VARIANTS))
        return found[:limit]

    def _scan(self, form: str, max_edits: int, limit: int) -> list[str]:
        if self._by_length is None:  # built whole before it is shared: never seen half built
            by_length = defaultdict(list)
            for candidate in self.numbered:
                by_length[len(candidate)].append(candidate)
            self._by_length = by_length
        found: list[tuple[int, int, str]] = []
        for length in range(len(form) - max_edits, len(form) + max_edits + 1):
            candidates = self._by_length.get(length)
            if not candidates:
                continue
            for candidate, distance, _ in process.extract(
                form, candidates, scorer=OSA.distance, score_cutoff=max_edits, limit=limit * 4
            ):
                if candidate != form:
                    found.append((distance, -self.frequency[candidate], candidate))
        return [candidate for _, _, candidate in sorted(found)[:limit]]

    def _look_up(self, form: str, max_edits: int, limit: int) -> list[str]:
        """What `_scan` finds, from the deletion index's candidates: per
        length, the `limit * 4` closest in vocabulary order (the scan's cut,
        which RapidFuzz makes by distance, then order), then all of them
        closest and most frequent first."""
        lengths = range(len(form) - max_edits, len(form) + max_edits + 1)
        if self._lengths.isdisjoint(lengths):  # also spares a long word's many deletions
            return []
        per_length: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
        for number in self.deletions.candidates(form, max_edits).tolist():
            candidate = self.numbered[number]
            distance = OSA.distance(form, candidate, score_cutoff=max_edits)
            if distance <= max_edits:
                per_length[len(candidate)].append((distance, number, candidate))
        found = [
            (distance, -self.frequency[candidate], candidate)
            for near in per_length.values()
            for distance, _, candidate in sorted(near)[: limit * 4]
            if candidate != form
        ]
        return [candidate for _, _, candidate in sorted(found)[:limit]]

    def sounds_like(self, form: str, limit: int = MAX_VARIANTS) -> list[str]:
        """Other forms with the same transliteration skeleton."""
        key = skeleton(form)
        if not key:
            return []
        others = [f for f in self._by_skeleton.get(key, ()) if f != form]
        return sorted(others, key=lambda f: -self.frequency[f])[:limit]

    def variants(self, form: str) -> list[str]:
        """Typo and transliteration variants of a form, for query expansion.

        Only words the corpus holds rarely, or not at all, are expanded: a
        typo or a variant spelling of a name is rare, while expanding a common
        word ("draft" to "craft", "drift", "raft") buries its own passages
        under others and multiplies the work of every query that uses it.
        """
        typed = self.frequency.get(form, 0)
        if typed >= self.rare_below or not form.isalpha():  # most words: no typo look-up
            return []
        budget = typo_budget(form)
        if budget == 0:
            return []
        candidates = dict.fromkeys(self.near(form, budget) + self.sounds_like(form))
        # A "variant" far more common than a word the corpus does hold is
        # another word ("inductive" is not a misspelling of "inactive"); a
        # name's spellings and a typo's correction are about as rare as it.
        ceiling = None if typed == 0 else VARIANT_RATIO * typed + RARE_PASSAGES
        kept = [v for v in candidates if ceiling is None or self.frequency[v] <= ceiling]
        return kept[:MAX_VARIANTS]

    def completions(self, prefix: str, limit: int = 10) -> list[str]:
        """Forms starting with `prefix`, most frequent first (remembered: a
        short prefix has thousands, and the search box asks as one types)."""
        key = (prefix, limit)
        found = self._completions.get(key)
        if found is None:
            if len(self._completions) >= NEAR_MEMORY:
                self._completions.clear()
            found = self._completions[key] = self._complete(prefix, limit)
        return found

    def _complete(self, prefix: str, limit: int) -> list[str]:
        start = bisect.bisect_left(self.sorted_forms, prefix)
        matches = []
        for form in self.sorted_forms[start:]:
            if not form.startswith(prefix):
                break
            matches.append(form)
            if len(matches) >= 2000:  # enough to pick the most frequent from
                break
        return sorted(matches, key=lambda f: (-self.frequency[f], f))[:limit]

    def correction(self, form: str) -> str | None:
        """The likeliest intended form for a word the index does not hold.

        A word whose stem the index knows ("die" for "died") needs none.
        """
        if form in self.stems or not form.isalpha() or len(form) < 3:
            return None
        if stem(form) in self.known_stems:
            return None
        candidates = self.near(form, max(1, typo_budget(form)), limit=5)
        candidates += self.sounds_like(form, limit=3)
        if not candidates:
            return None
        return max(candidates, key=lambda f: (-OSA.distance(form, f), self.frequency[f]))
