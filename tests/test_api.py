"""The JSON API as a client sees it: the contract of every endpoint on real
responses (field by field, then against the OpenAPI document), one error shape
for everything a client can get wrong, CORS, caching by index generation, and
a rebuilt index picked up by a running app.

The app runs over the seeds plus the small `VIVID` files of conftest, indexed
for real.
"""

from __future__ import annotations

import json
from dataclasses import fields

import pytest
from bs4 import BeautifulSoup
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from indexer.build import build_index
from indexer.models import Citation
from tests.conftest import ARTICLE, make_app

CITATION_KEYS = [
    "file",
    "line_start",
    "line_end",
    "char_start",
    "char_end",
    "label",
    "page",
    "page_end",
    "url",
]
RESULT_KEYS = [
    "id",
    "rank",
    "score",
    "title",
    "section",
    "speaker",
    "text",
    "excerpt",
    "matched_terms",
    "language",
    "citation",
]
SEARCH_KEYS = [
    "query",
    "total",
    "page",
    "per_page",
    "total_pages",
    "offset",
    "limit",
    "took_ms",
    "processing_time_ms",
    "notes",
    "partial",
    "suggestion",
    "results",
    "facets",
]


# -- helpers ----------------------------------------------------------------------


def contract(client) -> dict:
    """The OpenAPI document the app serves."""
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def response_problems(document: dict, path: str, response) -> list[str]:
    """Why `response` does not match what `document` promises for `path`; empty when it does.

    The schema is looked up by path and status, so an undocumented status is a
    problem too. `#/components/...` references resolve inside the document.
    """
    operation = document["paths"][path]["get"]
    promised = operation["responses"].get(str(response.status_code))
    if promised is None:
        return [f"{path} does not document status {response.status_code}"]
    schema = promised["content"]["application/json"]["schema"]
    resource = Resource.from_contents(document, default_specification=DRAFT202012)
    registry = Registry().with_resource("urn:kavosh:openapi", resource)
    validator = Draft202012Validator(
        {"$ref": "urn:kavosh:openapi" + schema["$ref"]}, registry=registry
    )
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(response.get_json())
    ]


def assert_error(response, status: int, code: str | None = None) -> dict:
    """The one error shape: status, JSON `{"error": {"code", "message"}}`, nothing else."""
    assert response.status_code == status, response.data[:500]
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert list(body) == ["error"]
    assert sorted(body["error"]) == ["code", "message"]
    assert isinstance(body["error"]["code"], str) and body["error"]["code"]
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code
    return body["error"]


# -- /api/search: the contract, field by field -------------------------------------


class TestSearchContract:
    def test_every_field_and_type(self, client):
        body = client.get("/api/search?q=foghorn").get_json()

        assert list(body) == SEARCH_KEYS
        assert body["query"] == "foghorn"
        assert body["total"] == 2
        assert (body["page"], body["per_page"]) == (1, 10)
        assert (body["total_pages"], body["offset"], body["limit"]) == (1, 0, 10)
        assert isinstance(body["took_ms"], int | float) and body["took_ms"] >= 0
        assert isinstance(body["processing_time_ms"], int) and body["processing_time_ms"] >= 0
        assert body["notes"] == []
        assert body["partial"] is False
        assert body["suggestion"] is None
        assert len(body["results"]) == 2
        for rank, hit in enumerate(body["results"], start=1):
            assert list(hit) == RESULT_KEYS
            assert isinstance(hit["id"], str) and hit["id"]
            assert hit["rank"] == rank
            assert isinstance(hit["score"], float) and hit["score"] > 0
            assert hit["title"] == "The Lighthouse Keeper's Log"
            assert hit["section"] == "Storms"
            assert hit["speaker"] is None
            assert "foghorn" in hit["text"]
            assert "<mark>foghorn</mark>" in hit["excerpt"]
            assert hit["matched_terms"] == ["foghorn"]
            assert hit["language"] is None
            citation = hit["citation"]
            assert list(citation) == CITATION_KEYS
            assert citation["file"] == "lighthouse.md"
            assert all(isinstance(citation[k], int) for k in CITATION_KEYS[1:5])
            assert 1 <= citation["line_start"] <= citation["line_end"]
            assert (citation["page"], citation["page_end"]) == (None, None)  # not paged
            assert 0 <= citation["char_start"] < citation["char_end"]
            assert "lighthouse.md" in citation["label"]
            assert citation["url"].startswith("/source/lighthouse.md#L")
        lines = sorted(hit["citation"]["line_start"] for hit in body["results"])
        assert lines == [5, 8]
        assert body["facets"] == {
            "source": [{"value": "lighthouse.md", "count": 2}],
            "section": [{"value": "Storms", "count": 2}],
            "tags": [],
        }

    def test_a_cited_url_opens_the_source_viewer(self, client):
        hit = client.get("/api/search?q=bollard").get_json()["results"][0]
        page = client.get(hit["citation"]["url"].partition("#")[0])
        assert page.status_code == 200
        assert "bollard" in page.get_data(as_text=True)

    def test_a_cited_url_follows_the_mount_point(self, client):
        # The address of a file is remembered per mount point: the same file
        # cited at the root first must still be cited under the mount after.
        at_root = client.get("/api/search?q=bollard").get_json()["results"][0]
        mounted = client.get("/api/search?q=bollard", base_url="http://localhost/kavosh/")
        url = mounted.get_json()["results"][0]["citation"]["url"]
        assert url == "/kavosh" + at_root["citation"]["url"]

    def test_a_citation_carries_every_field_of_the_model(self, client):
        hit = client.get("/api/search?q=bollard").get_json()["results"][0]
        assert list(hit["citation"]) == [field.name for field in fields(Citation)] + ["url"]

    def test_speaker_of_an_interview(self, client):
        body = client.get("/api/search", query_string={"q": "women", "speaker": "Milad"})
        speakers = {hit["speaker"] for hit in body.get_json()["results"]}
        assert speakers == {"Milad Resaeimanesh"}

    def test_paging(self, client):
        first = client.get("/api/search?q=party&per_page=5").get_json()
        second = client.get("/api/search?q=party&per_page=5&page=2").get_json()
        assert first["total"] == second["total"] > 10
        assert [h["rank"] for h in first["results"]] == [1, 2, 3, 4, 5]
        assert [h["rank"] for h in second["results"]] == [6, 7, 8, 9, 10]
        assert not {h["id"] for h in first["results"]} & {h["id"] for h in second["results"]}

    def test_a_page_past_the_end_is_empty_not_an_error(self, client):
        body = client.get("/api/search?q=foghorn&page=7").get_json()
        assert (body["total"], body["page"], body["results"]) == (2, 7, [])

    def test_source_filter_is_repeatable(self, client):
        query = [("q", "the"), ("source", "lighthouse.md"), ("source", "harbour.html")]
        body = client.get("/api/search", query_string=query).get_json()
        files = {hit["citation"]["file"] for hit in body["results"]}
        assert files == {"lighthouse.md", "harbour.html"}
        assert {f["value"] for f in body["facets"]["source"]} == files

    def test_section_filter(self, client):
        body = client.get("/api/search?q=bollard&section=Ships").get_json()
        assert [hit["section"] for hit in body["results"]] == ["Ships"]

    def test_did_you_mean(self, client):
        body = client.get("/api/search?q=foghron").get_json()
        assert body["suggestion"] == "foghorn"

    def test_zero_results_keep_the_shape(self, client):
        body = client.get("/api/search?q=xylophonequartz").get_json()
        assert list(body) == SEARCH_KEYS
        assert (body["total"], body["results"]) == (0, [])
        assert body["facets"] == {"source": [], "section": [], "tags": []}

    @pytest.mark.parametrize("query", ["Hekmat", "Koorosh -Modarresi", '"Mansoor Hekmat"'])
    def test_words_whose_every_match_a_filter_leaves_out_keep_the_shape(self, client, query):
        response = client.get("/api/search", query_string={"q": query, "tags": "no-such-tag"})
        assert response.status_code == 200
        assert (response.get_json()["total"], response.get_json()["results"]) == (0, [])

    @pytest.mark.parametrize("query", ["-foghorn", '"', "(", "*", "the", "AND", "source:"])
    def test_queries_that_match_nothing_to_rank_keep_the_shape(self, client, query):
        response = client.get("/api/search", query_string={"q": query})
        assert response.status_code == 200
        assert list(response.get_json()) == SEARCH_KEYS
        assert response_problems(contract(client), "/api/search", response) == []

    def test_persian(self, client):
        body = client.get("/api/search", query_string={"q": "کتابخانه"}).get_json()
        assert body["query"] == "کتابخانه"
        assert body["results"][0]["citation"]["file"] == "fa/library.txt"
        assert "<mark>کتابخانه</mark>" in body["results"][0]["excerpt"]


# -- the other endpoints -----------------------------------------------------------


class TestOtherEndpoints:
    def test_passage_has_the_search_shape_without_ranking(self, client):
        hit = client.get("/api/search?q=bollard").get_json()["results"][0]
        passage = client.get(f"/api/passages/{hit['id']}").get_json()
        dropped = ("rank", "score", "excerpt", "matched_terms")
        assert list(passage) == [k for k in RESULT_KEYS if k not in dropped]
        assert passage == {k: hit[k] for k in passage}

    def test_documents(self, client):
        documents = client.get("/api/documents").get_json()["documents"]
        by_path = {d["path"]: d for d in documents}
        assert set(by_path) == {ARTICLE, "004_b6066c2c267af41c.txt"} | {
            "lighthouse.md",
            "harbour.html",
            "fa/library.txt",
        }
        harbour = by_path["harbour.html"]
        assert harbour["title"] == "Harbour Master's Notes"
        assert (harbour["format"], harbour["passages"]) == ("html", 2)
        assert len(harbour["sha256"]) == 64 and harbour["size"] > 0

    def test_suggest(self, client):
        body = client.get("/api/suggest?q=fogh").get_json()
        assert body == {"query": "fogh", "suggestions": ["foghorn"]}

    @pytest.mark.parametrize("prefix", ["", " ", "-", "ک", "x" * 5000, "\x00"])
    def test_suggest_takes_anything(self, client, prefix):
        response = client.get("/api/suggest", query_string={"q": prefix})
        assert response.status_code == 200
        assert isinstance(response.get_json()["suggestions"], list)

    def test_health(self, client):
        body = client.get("/api/health").get_json()
        documents = client.get("/api/documents").get_json()["documents"]
        assert body["status"] == "ok"
        assert body["generation"].startswith("gen-")
        assert body["documents"] == len(documents) == 5
        assert body["passages"] == sum(d["passages"] for d in documents)

    def test_openapi_document(self, client):
        document = contract(client)
        assert document["openapi"] == "3.1.0"
        assert set(document["paths"]) == {
            "/api/search",
            "/api/passages/{id}",
            "/api/documents",
            "/api/suggest",
            "/api/health",
        }
        for schema in document["components"]["schemas"].values():
            Draft202012Validator.check_schema(schema)


class TestOpenAPI:
    """Real responses, valid against the document the app serves."""

    @pytest.mark.parametrize(
        ("path", "url"),
        [
            ("/api/search", "/api/search?q=foghorn"),
            ("/api/search", "/api/search?q=party&per_page=3&page=2&source=" + ARTICLE),
            ("/api/search", "/api/search?q=women&speaker=Milad"),
            ("/api/search", "/api/search?q=foghron"),
            ("/api/search", "/api/search?q=xylophonequartz"),
            ("/api/search", "/api/search?q=%D8%AD%D8%B2%D8%A8"),
            ("/api/search", "/api/search?q="),
            ("/api/search", "/api/search?q=a&per_page=500"),
            ("/api/search", "/api/search?q=party+women&group=document"),
            ("/api/search", "/api/search?q=party&group=passages"),
            ("/api/search", "/api/search?q=xylophonequartz&group=document"),
            ("/api/search", "/api/search?q=party&offset=3&limit=4&facet_limit=2"),
            ("/api/search", "/api/search?q=Koorosh+-Modarresi&tags=none"),
            ("/api/search", "/api/search?q=" + "party+women+" * 40),
            ("/api/search", "/api/search?q=party&limt=1"),
            ("/api/search", "/api/search?q=party&page=2&offset=1"),
            ("/api/documents", "/api/documents"),
            ("/api/suggest", "/api/suggest?q=par"),
            ("/api/suggest", "/api/suggest"),
            ("/api/suggest", "/api/suggest?q=par&limit=3"),
            ("/api/health", "/api/health"),
            ("/api/passages/{id}", "/api/passages/0000"),
        ],
    )
    def test_response_matches_the_contract(self, client, path, url):
        response = client.get(url)
        assert response_problems(contract(client), path, response) == []

    def test_a_passage_matches_the_contract(self, client):
        hit = client.get("/api/search?q=bollard").get_json()["results"][0]
        response = client.get(f"/api/passages/{hit['id']}")
        assert response.status_code == 200
        assert response_problems(contract(client), "/api/passages/{id}", response) == []

    def test_the_validator_catches_a_broken_response(self, client):
        """The check above must be able to fail: a result without its citation does."""
        response = client.get("/api/search?q=foghorn")
        body = response.get_json()
        del body["results"][0]["citation"]
        response.set_data(json.dumps(body))
        assert response_problems(contract(client), "/api/search", response) != []

    def test_no_index_matches_the_contract(self, settings_env, tmp_path):
        client = make_app(tmp_path / "corpus", tmp_path / "no-index").test_client()
        document = contract(client)
        for path, url in [
            ("/api/search", "/api/search?q=foghorn"),
            ("/api/documents", "/api/documents"),
            ("/api/suggest", "/api/suggest?q=fo"),
            ("/api/health", "/api/health"),
            ("/api/passages/{id}", "/api/passages/abc"),
        ]:
            response = client.get(url)
            assert response.status_code == 503, url
            assert response_problems(document, path, response) == [], url


# -- errors ------------------------------------------------------------------------


class TestErrors:
    @pytest.mark.parametrize(
        ("query_string", "code"),
        [
            ({}, "missing_query"),
            ({"q": ""}, "missing_query"),
            ({"q": "   "}, "missing_query"),
            ({"q": "\t\n"}, "missing_query"),
            ({"q": "x" * 8001}, "query_too_long"),
            ({"q": "a", "per_page": "0"}, "bad_per_page"),
            ({"q": "a", "per_page": "101"}, "bad_per_page"),
            ({"q": "a", "per_page": "-1"}, "bad_per_page"),
            ({"q": "a", "per_page": "ten"}, "bad_per_page"),
            ({"q": "a", "page": "0"}, "bad_page"),
            ({"q": "a", "page": "1001"}, "bad_page"),
            ({"q": "a", "page": "99999999999999999999999"}, "bad_page"),
            ({"q": "a", "page": "abc"}, "bad_page"),
            ({"q": "a", "page": "1.5"}, "bad_page"),
            ({"q": "a", "page": "1e3"}, "bad_page"),
            ({"q": "a", "page": "1_0"}, "bad_page"),
            ({"q": "a", "page": "０"}, "bad_page"),
            ({"q": "a", "page": "²"}, "bad_page"),
            ({"q": "a", "page": "٢"}, "bad_page"),
            ({"q": "a", "page": "0x10"}, "bad_page"),
            ({"q": "a", "page": "NaN"}, "bad_page"),
            ({"q": "a", "group": "documents"}, "bad_group"),
            ({"q": "a", "group": "DOCUMENT"}, "bad_group"),
        ],
    )
    def test_bad_search_parameters(self, client, query_string, code):
        message = assert_error(client.get("/api/search", query_string=query_string), 400, code)
        name = code.removeprefix("bad_")
        if code.startswith("bad_"):
            assert name in message["message"]

    def test_a_query_of_exactly_the_limit_is_fine(self, client):
        response = client.get("/api/search", query_string={"q": "foghorn " * 125})
        assert response.status_code == 200

    def test_unknown_passage(self, client):
        error = assert_error(client.get("/api/passages/nope"), 404, "not_found")
        assert "nope" in error["message"]

    @pytest.mark.parametrize("url", ["/api/nope", "/api/", "/api", "/api/search/extra"])
    def test_unknown_address(self, client, url):
        assert_error(client.get(url), 404, "not_found")

    @pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
    def test_wrong_method(self, client, method):
        response = getattr(client, method)("/api/search?q=foghorn")
        assert_error(response, 405, "method_not_allowed")
        assert "GET" in response.headers["Allow"]

    @pytest.mark.parametrize(
        "url",
        [
            "/api/search?q=%00",
            "/api/search?q=a%00b",
            "/api/search?q=%FF%FE",
            "/api/search?q=" + "(" * 500,
            "/api/search?q=" + "%22" * 999,
            "/api/search?q=" + "a~2 " * 200,
            "/api/search?q=" + "a* " * 300,
            "/api/search?q=source:..%2F..%2Fetc%2Fpasswd",
            "/api/search?q=title:&section=&speaker=",
            "/api/search?q=x&source=",
            "/api/search?q=x&section=" + "%E2%80%BA" * 50,
            "/api/search?q=NOT%20NOT%20NOT",
            "/api/search?q=OR%20AND%20OR",
            "/api/search?q=%2B%2B%2B---",
            "/api/search?q=%F0%9F%94%A5%F0%9F%94%A5",
            "/api/passages/" + "x" * 2000,
            "/api/passages/%00",
            "/api/passages/a*b",
            "/api/suggest?q=%FF",
        ],
    )
    def test_nothing_a_client_sends_is_a_500(self, client, url):
        response = client.get(url)
        assert response.status_code < 500, response.data[:500]
        assert response.mimetype == "application/json"

    def test_an_unexpected_failure_keeps_the_shape(self, app, monkeypatch):
        from app.search import SearchService

        def broken(*args, **kwargs):
            raise RuntimeError("secret-7f3 detail")

        monkeypatch.setattr(SearchService, "documents", broken)
        monkeypatch.setattr(app.logger, "disabled", True)  # the logger outlives this app
        error = assert_error(app.test_client().get("/api/documents"), 500, "internal_error")
        assert "secret-7f3" not in error["message"]


class TestNoIndex:
    @pytest.fixture
    def empty(self, settings_env, tmp_path):
        return make_app(tmp_path / "corpus", tmp_path / "no-index").test_client()

    @pytest.mark.parametrize(
        "url", ["/api/search?q=foghorn", "/api/documents", "/api/suggest?q=fo", "/api/passages/x"]
    )
    def test_api_says_to_run_kavosh_index(self, empty, url):
        error = assert_error(empty.get(url), 503, "no_index")
        assert "kavosh index" in error["message"]

    def test_bad_parameters_are_still_400(self, empty):
        assert_error(empty.get("/api/search?q="), 400, "missing_query")

    def test_health(self, empty):
        response = empty.get("/api/health")
        assert response.status_code == 503
        assert response.get_json()["status"] == "no_index"
        assert "kavosh index" in response.get_json()["message"]

    @pytest.mark.parametrize("url", ["/", "/?q=foghorn", "/source/lighthouse.md"])
    def test_the_page_says_it_in_words(self, empty, url):
        response = empty.get(url)
        assert response.status_code == 503
        text = BeautifulSoup(response.data, "html.parser").main.get_text(" ", strip=True)
        assert "kavosh index" in text
        assert "no index" in text.lower()


# -- CORS and caching --------------------------------------------------------------


class TestHeaders:
    @pytest.mark.parametrize(
        "url", ["/api/search?q=foghorn", "/api/health", "/api/search?q=", "/api/nope"]
    )
    def test_cors_on_the_api(self, client, url):
        response = client.get(url, headers={"Origin": "https://elsewhere.example"})
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "GET" in response.headers["Access-Control-Allow-Methods"]

    def test_no_cors_on_pages(self, client):
        assert "Access-Control-Allow-Origin" not in client.get("/?q=foghorn").headers

    def test_preflight(self, client):
        response = client.options(
            "/api/search?q=foghorn",
            headers={"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "GET"},
        )
        assert response.status_code in (200, 204)
        assert response.headers["Access-Control-Allow-Origin"] == "*"

    @pytest.mark.parametrize("url", ["/api/search?q=foghorn", "/?q=foghorn", "/api/health"])
    def test_etag_and_304(self, client, url):
        first = client.get(url)
        etag = first.headers["ETag"]
        assert "must-revalidate" in first.headers["Cache-Control"]
        again = client.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304
        assert again.data == b""
        assert again.headers["ETag"] == etag

    def test_etag_differs_by_request(self, client):
        one = client.get("/api/search?q=foghorn").headers["ETag"]
        two = client.get("/api/search?q=bollard").headers["ETag"]
        assert one != two

    def test_errors_are_not_cached(self, client):
        response = client.get("/api/search?q=")
        assert "ETag" not in response.headers

    def test_etag_changes_after_a_rebuild(self, settings_env, fresh_corpus):
        source_dir, index_dir = fresh_corpus
        client = make_app(source_dir, index_dir).test_client()
        etag = client.get("/api/search?q=foghorn").headers["ETag"]

        build_index(source_dir, index_dir)

        response = client.get("/api/search?q=foghorn", headers={"If-None-Match": etag})
        assert response.status_code == 200
        assert response.headers["ETag"] != etag


# -- a rebuilt index, under a running app ------------------------------------------


class TestHotReload:
    def test_the_next_request_sees_the_new_generation(self, settings_env, fresh_corpus):
        source_dir, index_dir = fresh_corpus
        app = make_app(source_dir, index_dir)
        client = app.test_client()
        before = client.get("/api/health").get_json()["generation"]
        assert client.get("/api/search?q=kittiwake").get_json()["total"] == 0
        cached = client.get("/api/search?q=foghorn").get_json()

        (source_dir / "lighthouse.md").write_text(
            "# The Lighthouse Keeper's Log\n\n## Birds\n\nA kittiwake nested on the foghorn.\n",
            "utf-8",
        )
        build_index(source_dir, index_dir)

        health = client.get("/api/health").get_json()
        assert health["generation"] != before
        found = client.get("/api/search?q=kittiwake").get_json()
        assert found["total"] == 1
        assert found["results"][0]["section"] == "Birds"
        foghorn = client.get("/api/search?q=foghorn").get_json()
        assert foghorn["total"] == 1 != cached["total"]
        page = client.get("/source/lighthouse.md")
        assert "kittiwake" in page.get_data(as_text=True)
