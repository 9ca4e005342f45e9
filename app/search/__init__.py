"""The search core: query language, ranking, highlighting and facets over an
index, behind one front (`SearchService`) over two engines (Whoosh and
Typesense). Flask-free; the web app, the API and the CLI call it:

    service = open_search(settings)              # or SearchService(index_dir)
    results = service.search(SearchRequest("Hekmat", per_page=5))

The names below are the core's public API (pinned by tests/test_public_api.py).
"""

from app.search.backend import open_search
from app.search.engine import Engine
from app.search.errors import IndexUnavailableError, NoIndexError, QueryError
from app.search.request import GROUPS, MAX_PAGE, MAX_PER_PAGE, MAX_QUERY_CHARS, SearchRequest
from app.search.results import FacetValue, Hit, Results
from app.search.service import SearchService

__all__ = [
    "GROUPS",
    "MAX_PAGE",
    "MAX_PER_PAGE",
    "MAX_QUERY_CHARS",
    "Engine",
    "FacetValue",
    "Hit",
    "IndexUnavailableError",
    "NoIndexError",
    "QueryError",
    "Results",
    "SearchRequest",
    "SearchService",
    "open_search",
]
