"""Every query answers within about its budget, however costly its shape.

Issue #15, item 1: `"of the"` repeated 64 times (575 characters, inside
every limit) took 14-15 s on WikiText-2 and stalled a worker, and 64
phrases of frequent words, 40 three-word phrases and 64 two-letter
prefixes were costly too. Now identical clauses are computed once, phrases
of function words and the words prefixes stand for are capped, and the
evaluator stops at the query's deadline (`QUERY_BUDGET_MS`, 500 ms by
default), answering the best found so far marked partial: `"partial": true`
in the JSON, and a sentence on the page.

The slow tests ask these on all of WikiText-2 (train, valid and test), built
once per session, each bounded by a generous two seconds of wall time (the
one kind of timed assertion the issue asks for: proof of no hang).
"""

from __future__ import annotations

import random
import time
from contextlib import closing

import pytest
from bs4 import BeautifulSoup

from app.search import SearchRequest, SearchService
from app.search.request import MAX_QUERY_CHARS
from indexer.build import build_index
from tests.conftest import WIKITEXT, make_app

FREQUENT = (
    "the of and in to a was is for on as with by he at from his an were which it that "
    "first after also had their its new one two this are time would been but"
).split()
WALL_SECONDS = 2.0


def _costly() -> dict[str, str]:
    pairs = [f'"{a} {b}"' for a in FREQUENT[:8] for b in FREQUENT[8:16]]
    count = len(FREQUENT)
    triples = [
        f'"{FREQUENT[i % count]} {FREQUENT[(i + 5) % count]} {FREQUENT[(i + 11) % count]}"'
        for i in range(40)
    ]
    prefixes = [f"{a}{b}*" for a in "stcpmabdrf" for b in "aeiorthu"][:64]
    rng = random.Random(15)
    letters = "abcdefghijklmnopqrstuvwxyz"
    made_up = ["".join(rng.choice(letters) for _ in range(11)) for _ in range(64)]
    return {
        # the four of the issue
        '"of the" x64': '"of the" ' * 64,
        "64 two-word phrases of frequent words": " ".join(pairs),
        "40 three-word phrases": " ".join(triples),
        "64 two-letter prefixes": " ".join(prefixes),
        # and others as costly
        "prefixes and phrases": " ".join(prefixes[:32] + pairs[:24]),
        "required phrases": " ".join("+" + pair for pair in pairs[:50]),
        "one phrase of function words": '"' + " ".join(FREQUENT * 8) + '"',
        "function words as plain words": " ".join(FREQUENT * 4),
        "64 words with two typos allowed": " ".join(f"{word}~2" for word in made_up),
        "grouped by document": '"of the" ' * 64,
    }


COSTLY = {name: query[:MAX_QUERY_CHARS] for name, query in _costly().items()}


@pytest.fixture(scope="session")
def wikitext_index(tmp_path_factory):
    """All of WikiText-2 (about 26,000 passages), indexed once."""
    if not (WIKITEXT / "train.txt.gz").is_file():
        pytest.skip(f"WikiText-2 is not in {WIKITEXT}")
    index_dir = tmp_path_factory.mktemp("wikitext-2-index")
    build_index(WIKITEXT, index_dir)
    return index_dir


@pytest.fixture(scope="module")
def service(wikitext_index):
    with closing(SearchService(wikitext_index, cache_size=0)) as searching:
        searching.search("warm the reader up")
        yield searching


@pytest.mark.slow
@pytest.mark.parametrize("name", list(COSTLY))
def test_a_costly_query_answers_within_about_its_budget(service, name):
    query = COSTLY[name]
    assert len(query) <= MAX_QUERY_CHARS
    group = "document" if name == "grouped by document" else None
    started = time.perf_counter()
    results = service.search(SearchRequest(query, group=group))
    elapsed = time.perf_counter() - started
    assert elapsed < WALL_SECONDS, f"{name}: {elapsed:.2f} s"
    assert results.partial in (True, False)
    assert len(results.hits) <= min(results.total, 10)
    assert [hit.rank for hit in results.hits] == list(range(1, len(results.hits) + 1))


@pytest.mark.slow
def test_repeating_a_phrase_ranks_as_the_phrase_once(service):
    once = service.search('"Royal Navy"')
    repeated = service.search('"Royal Navy" ' * 64)
    assert repeated.total == once.total > 10
    assert [h.id for h in repeated.hits] == [h.id for h in once.hits]
    assert not repeated.partial


@pytest.mark.slow
def test_the_api_says_partial_and_never_fails(wikitext_index, settings_env):
    client = make_app(WIKITEXT, wikitext_index).test_client()
    for name, query in COSTLY.items():
        response = client.get("/api/search", query_string={"q": query})
        assert response.status_code == 200, name
        assert isinstance(response.get_json()["partial"], bool), name


class TestOutOfTime:
    """A budget that has run out before ranking starts: the answer is empty,
    marked partial, and says so, on every surface."""

    NO_TIME = {"QUERY_BUDGET_MS": 1e-6}

    def test_the_search_core_marks_the_answer_partial(self, seeds_index):
        with closing(SearchService(seeds_index[0], budget_ms=1e-6)) as searching:
            results = searching.search("Hekmat")
        assert results.partial and results.total == 0
        with closing(SearchService(seeds_index[0])) as searching:
            assert not searching.search("Hekmat").partial

    def test_the_json_says_partial_true(self, settings_env, web_corpus):
        client = make_app(*web_corpus, **self.NO_TIME).test_client()
        body = client.get("/api/search?q=foghorn").get_json()
        assert body["partial"] is True and body["results"] == []
        assert (
            make_app(*web_corpus).test_client().get("/api/search?q=foghorn").json["partial"]
            is False
        )

    def test_the_page_says_it_in_words(self, settings_env, web_corpus):
        client = make_app(*web_corpus, **self.NO_TIME).test_client()
        page = BeautifulSoup(client.get("/search?q=foghorn").text, "html.parser")
        note = page.select_one("p.partial")
        assert note is not None and "took too long" in note.get_text()
        normal = make_app(*web_corpus).test_client().get("/search?q=foghorn").text
        assert BeautifulSoup(normal, "html.parser").select_one("p.partial") is None

    def test_a_partial_answer_is_not_kept_in_the_cache(self, seeds_index):
        with closing(SearchService(seeds_index[0], budget_ms=1e-6)) as searching:
            assert searching.search("Hekmat").partial
            searching.budget_ms = 0  # no limit: the same request now runs whole
            assert not searching.search("Hekmat").partial
