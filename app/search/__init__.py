"""The search core: query language, ranking, highlighting and facets over an
index generation. Flask-free; the web app, the API and the CLI call it."""

from app.search.results import FacetValue, Hit, Results, citation_dict, source_url
from app.search.service import GROUPS, MAX_PAGE, MAX_PER_PAGE, MAX_QUERY_CHARS, SearchService

__all__ = [
    "GROUPS",
    "MAX_PAGE",
    "MAX_PER_PAGE",
    "MAX_QUERY_CHARS",
    "FacetValue",
    "Hit",
    "Results",
    "SearchService",
    "citation_dict",
    "source_url",
]
