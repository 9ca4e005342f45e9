"""One error shape for the API, and words for the page.

Every error a client can cause (a bad parameter, a missing passage, a wrong
method, no index yet) is answered as `{"error": {"code", "message"}}` under
`/api/`, and as a page that explains the problem elsewhere. Nothing a client
sends should produce a 500; if a bug does, it still gets the same shape.

A server-side error's message is written for the operator and may name
folders and cluster nodes; clients get it with those hidden (`public_message`),
and the whole message goes to the log.
"""

from __future__ import annotations

import re

from flask import Flask, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from app.search.errors import IndexUnavailableError, KavoshError, QueryError

STATUS = {QueryError: 400, IndexUnavailableError: 503}

# URLs, IPv4 addresses and hosts named in a client library's error (Typesense
# nodes), and absolute file paths.
_ADDRESS = re.compile(
    r"\b[a-z][a-z0-9+.-]*://[^\s,;)'\"]+|\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b"
    r"|(?<=host=')[^']+|(?<=host=\")[^\"]+"
)
_PATH = re.compile(r"(?:(?<=[\s(\[='\"])|^)(?:~|\.{1,2})?/[^\s,;:)\]'\"]*")


def scrub(text: str) -> str:
    """`text` without URLs, IP addresses and absolute paths, for a client to read."""
    return _PATH.sub("[path]", _ADDRESS.sub("[address]", text))


def public_message(error: KavoshError) -> str:
    """What a client may read of `error`: a query error is about the client's
    own input and is shown whole; any other is scrubbed, and logged whole."""
    if isinstance(error, QueryError):
        return error.message
    current_app.logger.warning("%s (%s): %s", error.code, request.path, error.message)
    return scrub(error.message)


def error_response(status: int, code: str, message: str):
    """The response for an error, as JSON under /api/ and as a page elsewhere."""
    if request.path.startswith("/api/") or request.path == "/api":
        response = jsonify({"error": {"code": code, "message": message}})
        response.status_code = status
        return response
    return render_template("error.html", status=status, code=code, message=message), status


def init_app(app: Flask) -> None:
    @app.errorhandler(KavoshError)
    def kavosh_error(error: KavoshError):
        status = next((s for kind, s in STATUS.items() if isinstance(error, kind)), 500)
        return error_response(status, error.code, public_message(error))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = (error.name or "error").lower().replace(" ", "_")
        response = error_response(error.code or 500, code, error.description or error.name)
        if error.code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
            response = app.make_response(response)
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        app.logger.exception("unexpected error on %s", request.path)
        return error_response(500, "internal_error", "Kavosh failed to answer; this is a bug.")
