"""The engine contract (`tests/engine_contract.py`) on the Whoosh engine;
the Typesense engine runs the same tests in `tests/test_typesense_backend.py`."""

from __future__ import annotations

from contextlib import closing

import pytest

from app.search import SearchService
from app.search.whoosh_engine import WhooshEngine
from tests.engine_contract import EngineContract


@pytest.fixture(scope="module")
def front(seeds_index):
    with closing(SearchService(WhooshEngine(seeds_index[0]))) as searching:
        yield searching


class TestWhooshContract(EngineContract):
    pass
