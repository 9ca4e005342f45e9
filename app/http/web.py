"""The pages: the search page (`/`, `/search`), the source viewer
(`/source/<file>`) and the OpenSearch description.

Views compute the same `Results` the API returns and render them; the only
markup that reaches a page unescaped is the highlighter's `<mark>`, wrapped in
`Markup` in exactly one place (`highlighted`).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from markupsafe import Markup

from app.http.errors import public_message
from app.http.params import search_params
from app.http.searcher import get_service
from app.search import source_url
from indexer.errors import KavoshError, NoIndexError, QueryError
from indexer.sources import SourceText, read_source

blueprint = Blueprint("web", __name__)

EXAMPLES = (
    "who founded the Worker-communist Party of Iran",
    "when did Mansoor Hekmat die",
    '"Neither Shah nor Mullah"',
    "Koroosh Modaressi",
    "حزب کمونیست کارگری",
    "speaker:Milad women workers",
)


@blueprint.app_template_filter("highlighted")
def highlighted(excerpt: str) -> Markup:
    """The highlighter escaped everything and added only <mark>: trust it here, once."""
    return Markup(excerpt)


@blueprint.get("/search")
@blueprint.get("/")  # registered first, so url_for gives the canonical "/"
def search_page():
    service = get_service()
    if not request.args.get("q", "").strip():
        return _home(service)
    try:
        params = search_params(request.args)
        results = service.search(**params)
    except QueryError as error:
        return render_template(
            "search.html", query=request.args.get("q", ""), error=error.message, results=None
        ), 400
    except NoIndexError as error:
        return render_template(
            "search.html", query=params["query"], error=public_message(error), results=None
        ), 503
    return render_template(
        "search.html",
        query=params["query"],
        params=params,
        results=results,
        json_url=url_for("api.search", **_args()),
        source_labels=_source_labels(service.documents()),
        page_url=_page_url,
        filter_url=_filter_url,
        error=None,
    )


def _home(service):
    try:
        documents = service.documents()
        error = None
    except KavoshError as failure:
        documents, error = [], public_message(failure)
    status = 503 if error else 200
    return render_template("home.html", documents=documents, examples=EXAMPLES, error=error), status


def _source_labels(documents: list[dict]) -> dict[str, str]:
    """A reader-friendly name per source file: its document's title, or the file
    name where a file holds several documents."""
    titles: dict[str, set[str]] = {}
    for document in documents:
        titles.setdefault(document["path"], set()).add(document["title"])
    return {path: next(iter(t)) if len(t) == 1 else path for path, t in titles.items()}


def _args() -> dict:
    return {key: request.args.getlist(key) for key in request.args}


def _page_url(page: int) -> str:
    args = _args()
    args["page"] = [str(page)]
    return url_for("web.search_page") + "?" + urlencode(args, doseq=True)


def _filter_url(name: str, value: str | None) -> str:
    """The current search with facet `name` set to `value` (None removes it)."""
    args = _args()
    args.pop("page", None)
    args.pop(name, None)
    if value is not None:
        args[name] = [value]
    return url_for("web.search_page") + "?" + urlencode(args, doseq=True)


# merge_slashes=False: "/source//etc/passwd" must be a 404, not a redirect to
# "/source/etc/passwd" that a reader (or a scanner) would follow.
@blueprint.get("/source/<path:file>", merge_slashes=False)
def source(file: str):
    """A corpus file with numbered, linkable lines; cited lines highlighted."""
    service = get_service()
    documents = service.documents()
    paths = {d["path"] for d in documents}
    if file not in paths:
        abort(404, f"{file!r} is not a file of the indexed corpus")
    text = _read_corpus_file(service.manifest()["source_dir"], file)
    lines = text.split("\n")
    cited = _cited_lines(service, file, len(lines))
    titles = [d["title"] for d in documents if d["path"] == file]
    return render_template(
        "source.html",
        file=file,
        lines=lines,
        cited=cited,
        title=titles[0] if titles else file,
        raw_url=source_url(file),
        query=request.args.get("q", ""),
    )


def _read_corpus_file(source_dir: str, file: str) -> str:
    root = Path(source_dir).resolve()
    path = Path(os.path.realpath(root / file))
    if not path.is_relative_to(root) or not path.is_file():
        abort(404, f"{file!r} is not inside the source folder")
    decoded = read_source(path, root)
    if not isinstance(decoded, SourceText):
        abort(404, f"{file!r} can no longer be read: {decoded.reason}")
    return decoded.text


def _cited_lines(service, file: str, line_count: int) -> range:
    """Lines named by ?passage=<id> or ?lines=A-B, else none."""
    passage_id = request.args.get("passage")
    if passage_id:
        hit = service.passage(passage_id)
        if hit is not None and hit.citation.file == file:
            return range(hit.citation.line_start, hit.citation.line_end + 1)
    spec = request.args.get("lines", "")
    start, _, end = spec.partition("-")
    if start.isdigit():
        first = int(start)
        last = int(end) if end.isdigit() else first
        return range(max(1, first), min(line_count, max(first, last)) + 1)
    return range(0)


@blueprint.get("/opensearch.xml")
def opensearch():
    # Links from the configured public address, or relative ones: never from
    # the Host header, which any client can set (and a shared cache would keep).
    base = str(current_app.config.get("PUBLIC_URL") or "").rstrip("/")
    body = render_template("opensearch.xml", base=base)
    return Response(body, mimetype="application/opensearchdescription+xml")


@blueprint.app_context_processor
def page_globals():
    return {"app_name": "Kavosh", "debug": current_app.debug}
