"""The server searches Typesense with a search-only key; the admin key is
for `kavosh index` (#15, item 6)."""

from __future__ import annotations

import logging

from app.search.backend import search_key
from app.settings import load_settings

ADMIN, SEARCH = "admin-key-xyz", "search-key-abc"


class TestSearchKey:
    def test_the_search_only_key_is_a_setting(self, settings_env, monkeypatch):
        monkeypatch.setenv("KAVOSH_TYPESENSE_API_KEY", ADMIN)
        monkeypatch.setenv("KAVOSH_TYPESENSE_SEARCH_KEY", SEARCH)
        settings = load_settings()
        assert (settings["TYPESENSE_API_KEY"], settings["TYPESENSE_SEARCH_KEY"]) == (ADMIN, SEARCH)

    def test_a_server_searches_with_the_search_key_and_says_nothing(self, caplog):
        settings = {"TYPESENSE_API_KEY": ADMIN, "TYPESENSE_SEARCH_KEY": SEARCH}
        with caplog.at_level(logging.WARNING, logger="kavosh"):
            assert search_key(settings, serving=True) == SEARCH
        assert caplog.records == []

    def test_with_only_the_admin_key_a_server_uses_it_and_warns(self, caplog):
        with caplog.at_level(logging.WARNING, logger="kavosh"):
            assert search_key({"TYPESENSE_API_KEY": ADMIN}, serving=True) == ADMIN
        [record] = caplog.records
        assert "TYPESENSE_SEARCH_KEY is not set" in record.message
        assert "KAVOSH_TYPESENSE_SEARCH_KEY" in record.message and ADMIN not in record.message

    def test_a_one_off_search_does_not_warn(self, caplog):
        with caplog.at_level(logging.WARNING, logger="kavosh"):
            assert search_key({"TYPESENSE_API_KEY": ADMIN}) == ADMIN
        assert caplog.records == []
