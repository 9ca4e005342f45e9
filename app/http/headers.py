"""Response headers every page and answer carries: security headers, CORS for
the API, and caching tied to the index generation.

The Content-Security-Policy allows no inline script and nothing from other
origins, so an injected `<script>` could not run even if escaping failed.
"""

from __future__ import annotations

import hashlib

from flask import Flask, Response, request

from app.http.searcher import get_service
from indexer.errors import KavoshError

# Which index generation answered a search (set by the API's view).
GENERATION_HEADER = "X-Kavosh-Generation"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
# Request headers that make an answer conditional (304, 412) or partial (206).
# Without any, `make_conditional` would only add a Date header, which the
# server (granian, like any WSGI server) adds itself. Skipping it cut this
# step from 25 to 15 µs per answer (measured, /work/prof/serve-gap/etag.py).
CONDITIONAL_HEADERS = (
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_UNMODIFIED_SINCE",
    "HTTP_IF_RANGE",
    "HTTP_RANGE",
)
# Any origin may ask the API (it answers GET only, and sets no cookies).
CORS_HEADERS = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET, OPTIONS"}


# The headers each kind of answer gets, with their names in lower case
# (to tell the ones a view set itself).
_API_HEADERS = tuple((SECURITY_HEADERS | CORS_HEADERS).items())
_PAGE_HEADERS = tuple(SECURITY_HEADERS.items())


def init_app(app: Flask) -> None:
    @app.after_request
    def add_headers(response: Response) -> Response:
        # Added in one pass, each unless a view set its own (the source
        # viewer's policy): every `setdefault` on werkzeug's headers scans
        # them all, lower-casing each name. The path and method come from the
        # environ: each `request.path` goes through Flask's context proxy.
        environ = request.environ
        path = environ.get("PATH_INFO", "")
        added = _API_HEADERS if path.startswith("/api/") else _PAGE_HEADERS
        headers = response.headers
        present = {name.lower() for name in headers.keys()}
        headers.extend([(n, v) for n, v in added if n.lower() not in present])
        if (
            response.status_code == 200
            and environ.get("REQUEST_METHOD") == "GET"
            and not path.startswith("/static/")
        ):
            _cache_by_generation(response, environ, path)
        return response


def _cache_by_generation(response: Response, environ: dict, path: str) -> None:
    """An ETag from the index generation and the request, so a client's
    cached answer stays valid exactly until `kavosh index` publishes anew."""
    # A search names the generation that answered it; asking the engine
    # again would cost a second look at the index's files per request.
    generation = response.headers.get(GENERATION_HEADER)
    if generation is None:
        try:
            generation = get_service().generation()
        except (KavoshError, OSError):
            return
    # The target as sent (`request.full_path` would quote it again, ~10 µs).
    seed = f"{generation}|{path}?{environ.get('QUERY_STRING', '')}"
    response.set_etag(hashlib.sha1(seed.encode("utf-8", "surrogateescape")).hexdigest()[:20])
    response.headers["Cache-Control"] = "public, max-age=0, must-revalidate"
    if any(name in environ for name in CONDITIONAL_HEADERS):
        response.make_conditional(request)
