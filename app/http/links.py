"""Addresses the web layer gives the search core's answers: a citation's
place in the source viewer, built by Flask's router (`url_for`), so the
route is named once, in `web.py`."""

from __future__ import annotations

from flask import url_for

from indexer.models import Citation


def citation_url(citation: Citation) -> str:
    """The source viewer's address for a citation, at its line range."""
    url = url_for("web.source", file=citation.file)
    if citation.line_start is not None:
        url += f"#L{citation.line_start}-L{citation.line_end or citation.line_start}"
    return url
