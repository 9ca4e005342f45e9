"""Refusing requests no reader or client needs to send: bodies on GET-only
routes (a request smuggling and cache-poisoning vector) and absurd sizes.

Oversized request lines and headers never reach Flask: gunicorn answers them
(`--limit-request-line`, `--limit-request-field_size` in `kavosh serve`).
"""

from __future__ import annotations

from flask import Flask, request

from app.http.errors import error_response

MAX_CONTENT = 0  # no route accepts a body


def init_app(app: Flask) -> None:
    app.config.setdefault("MAX_CONTENT_LENGTH", 64 * 1024)

    @app.before_request
    def refuse_bodies():
        has_body = (request.content_length or 0) > MAX_CONTENT or (
            "chunked" in request.headers.get("Transfer-Encoding", "").lower()
        )
        if has_body and request.method in ("GET", "HEAD", "OPTIONS"):
            return error_response(
                400, "unexpected_body", f"{request.method} requests take no body: send none"
            )
        return None
