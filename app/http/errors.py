"""One error shape for the API, and words for the page.

Every error a client can cause (a bad parameter, a missing passage, a wrong
method, no index yet) is answered as `{"error": {"code", "message"}}` under
`/api/`, and as a page that explains the problem elsewhere. Nothing a client
sends should produce a 500; if a bug does, it still gets the same shape.
"""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from app.search.errors import IndexUnavailableError, KavoshError, QueryError

STATUS = {QueryError: 400, IndexUnavailableError: 503}


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
        return error_response(status, error.code, error.message)

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
