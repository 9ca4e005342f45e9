"""Addresses the web layer gives the search core's answers: a citation's
place in the source viewer, built by Flask's router (`url_for`), so the
route is named once, in `web.py`.

The router's address of a file is remembered per app and mount point: a page
of ten hits cites a few files, and building each address anew cost about a
fifth of what the API spends outside the search itself. `page_links` looks
the memory and the mount point up once for a whole page (each look-up of
Flask's `current_app` and `request` goes through a context-local proxy).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, request, url_for

from indexer.models import Citation

_KEY = "kavosh.source_urls"
# Files whose addresses are remembered; past it the memory starts again.
MAX_REMEMBERED = 4096


def citation_url(citation: Citation) -> str:
    """The source viewer's address for a citation, at its line range."""
    return page_links()(citation)


def page_links() -> Callable[[Citation], str]:
    """`citation_url` for the citations of one request's answer."""
    remembered = current_app.extensions.setdefault(_KEY, {})
    script_root = request.script_root

    def link(citation: Citation) -> str:
        key = (script_root, citation.file)
        url = remembered.get(key)
        if url is None:
            if len(remembered) >= MAX_REMEMBERED:
                remembered.clear()
            url = remembered[key] = url_for("web.source", file=citation.file)
        if citation.line_start is not None:
            url += f"#L{citation.line_start}-L{citation.line_end or citation.line_start}"
        return url

    return link
