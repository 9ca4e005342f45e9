"""The home page's "Try" examples come from the served corpus (#16): its
titles and its distinctive frequent words, never fixed strings."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from bs4 import BeautifulSoup

from app.search.examples import choose_examples, distinctive_words, example_titles
from indexer.build import build_index
from tests.conftest import make_app

SEED_STRINGS = ("Mansoor Hekmat", "Worker-communist", "Modaressi", "Milad", "حزب", "Neither Shah")


def doc(title: str, passages: int, path: str = "a.txt") -> dict:
    return {"title": title, "passages": passages, "path": path}


class TestTitles:
    def test_largest_documents_first(self):
        documents = [doc("Small", 1), doc("Large", 9), doc("Middle", 4)]
        assert example_titles(documents) == ["Large", "Middle"]

    def test_file_names_long_titles_and_repeats_are_left_out(self):
        documents = [
            doc("notes.txt", 50, "notes/notes.txt"),
            doc("A title " * 10, 40),
            doc("Tides", 30, "x.md"),
            doc("Tides", 20, "y.md"),
            doc("  Ships \n of salt ", 10),
        ]
        assert example_titles(documents) == ["Tides", "Ships of salt"]


class TestWords:
    FREQUENCY = {
        "the": 95,  # a stopword
        "keeper": 99,  # in nearly every passage: says nothing
        "1991": 30,  # a number
        "storm": 25,
        "storms": 20,  # the same stem as "storm"
        "foghorn": 12,
        "gull": 8,
        "bollard": 1,  # once only: not frequent
        "tide": 8,
    }

    def test_frequent_but_distinctive(self):
        assert distinctive_words(self.FREQUENCY, 100) == ["storm", "foghorn", "gull", "tide"]

    def test_ties_go_to_the_longer_word(self):
        assert distinctive_words({"beam": 6, "lamplight": 6, "bends": 6}, 60) == [
            "lamplight",
            "bends",
            "beam",
        ]

    def test_words_of_the_titles_are_not_repeated(self):
        assert distinctive_words(self.FREQUENCY, 100, avoid={"storm"})[:2] == ["foghorn", "gull"]

    def test_persian_words_count_as_words(self):
        assert distinctive_words({"کتابخانه": 5, "ملی": 5, "تهران": 3}, 20) == ["کتابخانه", "تهران"]

    def test_titles_then_words_then_a_pair(self):
        documents = [doc("Storm Log", 60), doc("Harbour Notes", 40)]
        frequency = {**self.FREQUENCY, "lamp": 6}
        assert choose_examples(documents, frequency) == [
            "Storm Log",
            "Harbour Notes",
            "foghorn",
            "gull",
            "tide lamp",
        ]
        assert choose_examples(documents, self.FREQUENCY)[-1] == "tide"

    def test_an_empty_corpus_has_no_examples(self):
        assert choose_examples([], {}) == []


LIGHTS = {
    "beacons.md": (
        "# Beacons of the Northern Coast\n\n"
        + "\n\n".join(
            f"The beacon at cape {name} burns whale oil; the keeper trims its wick at dusk."
            for name in ("Wrath", "Farewell", "Clear", "Horn", "Race", "Spear")
        )
        + "\n"
    ),
    "lenses.md": (
        "# Fresnel Lenses\n\n"
        + "\n\n".join(
            f"A {order} order Fresnel lens bends the lamplight into a beam of prisms."
            for order in ("first", "second", "third", "fourth", "fifth", "sixth")
        )
        + "\n"
    ),
}


def test_the_home_page_of_another_corpus(settings_env, write_corpus, tmp_path):
    source_dir = write_corpus(LIGHTS)
    build_index(source_dir, tmp_path / "index")
    client = make_app(source_dir, tmp_path / "index").test_client()
    soup = BeautifulSoup(client.get("/").data, "html.parser")
    examples = [a.get_text() for a in soup.select(".examples a")]
    assert examples[:2] == ["Beacons of the Northern Coast", "Fresnel Lenses"]
    assert len(examples) >= 4
    corpus_text = " ".join(LIGHTS.values()).lower()
    for example in examples:
        assert all(word.lower() in corpus_text for word in example.split()), example
        assert not any(seed.lower() in example.lower() for seed in SEED_STRINGS)
    for link in soup.select(".examples a"):
        assert parse_qs(urlsplit(link["href"]).query)["q"] == [link.get_text()]
        results = BeautifulSoup(client.get(link["href"]).data, "html.parser")
        assert results.select(".hit"), link.get_text()
