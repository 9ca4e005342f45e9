"""Refusing requests no reader or client needs to send: bodies on GET-only
routes (a request smuggling and cache-poisoning vector) and absurd sizes.

The documented limits are the app's, so they answer in the one error shape
(JSON under `/api/`) with the security headers: a request line over
`MAX_REQUEST_LINE` bytes is a 414, a header field over `MAX_HEADER_FIELD` a
431. They sit well above what a pasted query needs (the search core cuts a
long query itself) and below what the HTTP server refuses on its own without
a body (`app.http.server`: a 64 KB request head).
"""

from __future__ import annotations

from urllib.parse import quote

from flask import Flask, request

from app.http.errors import error_response

MAX_CONTENT = 0  # no route accepts a body
# A query of about 23,000 characters of English or 6,000 of Persian, once
# percent-encoded (a Persian letter is 2 UTF-8 bytes, 6 encoded).
MAX_REQUEST_LINE = 32 * 1024
MAX_HEADER_FIELD = 8 * 1024


def request_line_length(environ: dict) -> int:
    """The length of the request line as sent: `GET /path?query HTTP/1.1`.
    The path is decoded in the environ, so it is encoded again (a client may
    have encoded more, never less, so this never overstates)."""
    target = quote(environ.get("PATH_INFO", ""), safe="/:@!$&'()*+,;=-._~")
    if environ.get("QUERY_STRING"):
        target += "?" + environ["QUERY_STRING"]
    method, protocol = environ.get("REQUEST_METHOD", ""), environ.get("SERVER_PROTOCOL", "")
    return len(method) + 1 + len(target) + 1 + len(protocol)


def oversized_header(environ: dict) -> str | None:
    """The name of a header field over `MAX_HEADER_FIELD` bytes (`Name: value`), or None.
    Read from the environ, where a field `Name` is `HTTP_NAME` (five more
    characters), except `Content-Type` and `Content-Length`."""
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            length = len(key) - 5 + 2 + len(value)
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            length = len(key) + 2 + len(value)
        else:
            continue
        if length > MAX_HEADER_FIELD:
            return key.removeprefix("HTTP_").replace("_", "-").title()
    return None


def init_app(app: Flask) -> None:
    app.config.setdefault("MAX_CONTENT_LENGTH", 64 * 1024)

    # One hook for both refusals: each hook is a call Flask makes per request.
    @app.before_request
    def refuse_oversized_and_bodies():
        environ = request.environ
        if request_line_length(environ) > MAX_REQUEST_LINE:
            return error_response(
                414,
                "request_line_too_long",
                f"the request line is over {MAX_REQUEST_LINE // 1024} KB: send a shorter query",
            )
        name = oversized_header(environ)
        if name is not None:
            return error_response(
                431,
                "header_too_large",
                f"the {name[:40]} header is over {MAX_HEADER_FIELD // 1024} KB: send a shorter one",
            )
        has_body = (request.content_length or 0) > MAX_CONTENT or (
            "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        )
        if has_body and environ.get("REQUEST_METHOD") in ("GET", "HEAD", "OPTIONS"):
            return error_response(
                400, "unexpected_body", f"{request.method} requests take no body: send none"
            )
        return None
