"""The answer cache shares answers between clients, never their words:
requests that differ only in the query's outer spaces share one cached
answer, and each client sees its own query echoed (#15, item 6)."""

from __future__ import annotations


class TestEchoedQuery:
    def test_a_cached_answer_echoes_this_clients_query(self, client):
        first = client.get("/api/search", query_string={"q": "foghorn"}).get_json()
        spaced = client.get("/api/search", query_string={"q": "  foghorn\t"}).get_json()
        again = client.get("/api/search", query_string={"q": "foghorn"}).get_json()
        assert first["query"] == "foghorn" == again["query"]
        assert spaced["query"] == "  foghorn\t"
        assert spaced["total"] == first["total"] > 0
        assert spaced["results"] == first["results"]
