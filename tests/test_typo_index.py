"""The deletion index finds a typo's neighbours by look-up, and finds what the
scan it replaces found: the same forms in the same order, for every word of
the seeds' and of a WikiText-2 split's real vocabulary and for typos of them.
A generation built before it (without its files) still serves typos, by the
scan."""

from __future__ import annotations

import json
import random
import shutil
from contextlib import closing
from itertools import combinations

import pytest

from app.search import SearchRequest, SearchService
from app.search.vocabulary import Vocabulary
from indexer.build import build_index
from indexer.generations import MANIFEST, GenerationStore, seal
from indexer.passages import VOCABULARY
from indexer.typo_index import META, DeletionIndex, deletion_hashes, query_hashes
from tests.conftest import WIKITEXT

LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _vocabularies(folder):
    """The generation's vocabulary twice: scanned, and looked up."""
    forms = json.loads((folder / VOCABULARY).read_text("utf-8"))
    passages = GenerationStore(folder.parent).manifest(folder)["passages"]
    deletions = DeletionIndex.open(folder, forms)
    assert deletions is not None
    return Vocabulary(forms, passages), Vocabulary(forms, passages, deletions)


def _typos(forms: list[str], count: int, seed: int) -> list[str]:
    """`count` forms with one or two random edits each, as readers mistype them."""
    rng = random.Random(seed)
    typos = []
    for _ in range(count):
        letters = list(rng.choice(forms))
        for _ in range(rng.choice((1, 2))):
            at = rng.randrange(len(letters) + 1)
            edit = rng.choice(("substitute", "insert", "delete", "transpose"))
            if edit == "insert" or not letters:
                letters.insert(at, rng.choice(LETTERS))
            elif edit == "substitute" and at < len(letters):
                letters[at] = rng.choice(LETTERS)
            elif edit == "transpose" and at + 1 < len(letters):
                letters[at], letters[at + 1] = letters[at + 1], letters[at]
            elif at < len(letters):
                del letters[at]
        typos.append("".join(letters))
    return typos


def _assert_same(scanned: Vocabulary, looked_up: Vocabulary, words: list[str]) -> None:
    for word in words:
        for edits in (1, 2):
            assert looked_up.near(word, edits) == scanned.near(word, edits), (word, edits)
        assert looked_up.variants(word) == scanned.variants(word), word
        assert looked_up.correction(word) == scanned.correction(word), word


@pytest.mark.parametrize("word", ["", "a", "hekmat", "taghvaee", "é∂ü", "x" * 70])
def test_a_words_deletions_hash_as_the_strings_they_make(word):
    """Each hash the build makes for a deletion is the hash of the string it
    leaves, and a query's plain-Python hashes are the build's NumPy ones."""
    for edits in range(3):
        left = ["".join(c for i, c in enumerate(word) if i not in cut)
                for cut in combinations(range(len(word)), edits)]  # fmt: skip
        built = deletion_hashes([word], edits).ravel().tolist()
        assert built == [deletion_hashes([string], 0)[0, 0] for string in left]
        upto = {h for e in range(edits + 1) for h in deletion_hashes([word], e).ravel().tolist()}
        assert query_hashes(word, edits).tolist() == sorted(upto)


def test_the_seeds_typos_are_found_as_the_scan_found_them(seeds_index):
    index_dir, _ = seeds_index
    scanned, looked_up = _vocabularies(GenerationStore(index_dir).current())
    forms = scanned.numbered
    assert len(forms) > 500
    _assert_same(scanned, looked_up, forms + _typos(forms, 3000, seed=13))


@pytest.fixture(scope="module")
def wikitext_valid(tmp_path_factory):
    """WikiText-2's validation split (about 3,800 articles' worth of 217,000 words)."""
    if not (WIKITEXT / "valid.txt.gz").is_file():
        pytest.skip(f"WikiText-2 is not in {WIKITEXT}")
    source = tmp_path_factory.mktemp("wikitext-valid")
    shutil.copy(WIKITEXT / "valid.txt.gz", source)
    index_dir = tmp_path_factory.mktemp("wikitext-valid-index")
    build_index(source, index_dir)
    return index_dir


@pytest.mark.slow
def test_a_wikitext_splits_typos_are_found_as_the_scan_found_them(wikitext_valid):
    scanned, looked_up = _vocabularies(GenerationStore(wikitext_valid).current())
    forms = scanned.numbered
    assert len(forms) > 10_000
    rng = random.Random(2)
    _assert_same(scanned, looked_up, rng.sample(forms, 600) + _typos(forms, 600, seed=2))


def test_a_generation_without_a_deletion_index_serves_typos_by_scanning(fresh_corpus):
    """A generation built before the deletion index existed answers typos,
    "did you mean" and `~2` just as one built with it."""
    _, index_dir = fresh_corpus
    queries = ["Hekmta", "televison", "Mansor~2 Hekmat", "Koorosh"]
    with closing(SearchService(index_dir, cache_size=0)) as searching:
        before = [searching.search(SearchRequest(q)) for q in queries]
    folder = GenerationStore(index_dir).current()
    manifest = json.loads((folder / MANIFEST).read_text("utf-8"))
    for name in [META, "typos-1.npy", "typos-2.npy"]:
        (folder / name).unlink()
    seal(folder, manifest)
    assert DeletionIndex.open(folder, json.loads((folder / VOCABULARY).read_text())) is None
    with closing(SearchService(index_dir, cache_size=0)) as searching:
        after = [searching.search(SearchRequest(q)) for q in queries]
    for query, old, new in zip(queries, before, after, strict=True):
        assert [h.id for h in new.hits] == [h.id for h in old.hits], query
        assert new.suggestion == old.suggestion, query
    assert any(result.hits for result in after)


def test_a_deletion_index_of_other_forms_is_refused(seeds_index):
    """Tables that number another vocabulary's forms would find wrong words."""
    folder = GenerationStore(seeds_index[0]).current()
    forms = json.loads((folder / VOCABULARY).read_text("utf-8"))
    with pytest.raises(ValueError, match="does not match"):
        DeletionIndex.open(folder, dict(reversed(forms.items())))


def test_a_crowded_length_is_cut_as_the_scan_cuts_it():
    """The scan keeps the 32 closest forms of each length, first in vocabulary
    order, before it ranks by frequency: the look-up cuts the same ones,
    even though the most frequent come last."""
    forms = {f"ab{c}": 1 for c in LETTERS} | {f"{c}bz": 1 for c in LETTERS}
    forms |= {f"a{c}z": 100 + i for i, c in enumerate(LETTERS)}
    entries = {form: [form, count] for form, count in forms.items()}
    scanned = Vocabulary(entries, 1000)
    looked_up = Vocabulary(entries, 1000, DeletionIndex.of(entries))
    assert looked_up.near("abz", 1) == scanned.near("abz", 1)
    assert "ayz" not in looked_up.near(
        "abz", 1
    )  # the most frequent, but among the last of its length
    for word in ["abz", "abc", "qqz", "a", ""] + list(forms):
        for edits in (1, 2):
            assert looked_up.near(word, edits) == scanned.near(word, edits), (word, edits)
