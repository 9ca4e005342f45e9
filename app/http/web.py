"""The pages: the search page (`/`, `/search`), the source viewer
(`/source/<file>`) and the OpenSearch description.

Views compute the same `Results` the API returns and render them; the only
markup that reaches a page unescaped is the highlighter's `<mark>`, wrapped in
`Markup` in exactly one place (`highlighted`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, render_template, request, url_for
from markupsafe import Markup

from app.http import source_view
from app.http.errors import public_message
from app.http.params import search_request
from app.http.searcher import get_service
from app.search.errors import KavoshError, NoIndexError, QueryError
from app.search.examples import choose_examples

blueprint = Blueprint("web", __name__)


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
        wanted = search_request(request.args)
        results = service.search(wanted)
        documents = service.documents()
    except QueryError as error:
        return render_template(
            "search.html", query=request.args.get("q", ""), error=error.message, results=None
        ), 400
    except NoIndexError as error:
        return render_template(
            "search.html", query=wanted.query, error=public_message(error), results=None
        ), 503
    return render_template(
        "search.html",
        query=wanted.query,
        params=asdict(wanted),
        results=results,
        json_url=url_for("api.search", **_args()),
        source_labels=_source_labels(documents),
        shared_titles=_shared_titles(documents),
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
    examples = _examples(service, documents) if documents else []
    return render_template("home.html", documents=documents, examples=examples, error=error), status


def _examples(service, documents: list[dict]) -> list[str]:
    """The corpus's own examples, chosen once per generation."""
    generation = service.manifest().get("generation", "")
    cached = current_app.extensions.get("kavosh.examples")
    if cached is None or cached[0] != generation:
        frequency = service.word_frequencies()
        cached = current_app.extensions["kavosh.examples"] = (
            generation,
            choose_examples(documents, frequency),
        )
    return cached[1]


def _source_labels(documents: list[dict]) -> dict[str, str]:
    """A reader-friendly name per source file: its document's title; the file
    name where a file holds several documents; and the title with the path
    where files share a title (two `Config` pages, two `package.json`)."""
    titles: dict[str, set[str]] = {}
    for document in documents:
        titles.setdefault(document["path"], set()).add(document["title"])
    labels = {path: next(iter(t)) if len(t) == 1 else path for path, t in titles.items()}
    shared = Counter(labels.values())
    return {
        path: label if shared[label] == 1 or label == path else f"{label} — {path}"
        for path, label in labels.items()
    }


def _shared_titles(documents: list[dict]) -> set[str]:
    """Titles that more than one file has: a hit with one names its file."""
    files: dict[str, set[str]] = {}
    for document in documents:
        files.setdefault(document["title"], set()).add(document["path"])
    return {title for title, paths in files.items() if len(paths) > 1}


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
    """A corpus file, a window at a time; `?raw=1` serves the file itself."""
    return source_view.show(get_service(), file)


@blueprint.get("/favicon.ico")
def favicon():
    """Pages name their icon; a raw file shown by the browser asks here."""
    return current_app.send_static_file("favicon.svg")


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
