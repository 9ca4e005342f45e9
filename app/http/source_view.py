"""The source viewer, `/source/<file>`: a corpus file shown a window at a
time (`source_window`), cited lines highlighted and the query's words marked,
from caches kept per generation (`source_cache`); `?raw=1` serves the file
itself. Only files the live generation indexed, inside its source folder, are
shown or served: a path is checked where it leads each time it is read.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Response, abort, current_app, render_template, request, send_file, url_for
from markupsafe import escape

from app.http.source_cache import SourceCache
from app.http.source_window import layout_of, raw_content_type, window
from app.search.highlight import Marks, mark
from indexer.sources import SourceText, read_source


def show(service, file: str):
    """A corpus file, a window of numbered, linkable lines (or, for HTML, of
    readable blocks) at a time, cited lines highlighted and the query's words
    marked; `?raw=1` serves the file itself."""
    documents = [d for d in service.documents() if d["path"] == file]
    if not documents:
        abort(404, f"{file!r} is not a file of the indexed corpus")
    manifest = service.manifest()
    root = Path(manifest["source_dir"]).resolve()
    path = _corpus_path(root, file)
    if request.args.get("raw") == "1":
        return _raw_file(path, file, documents[0].get("encoding"))
    generation = manifest.get("generation", "")
    key = (generation, file, *(request.args.get(name, "") for name in VIEW_ARGS))
    cache = _source_cache()
    return cache.pages.get(key, lambda: _render_source(service, cache, key, path, root, documents))


# What a view of a source depends on, besides the file and the generation.
VIEW_ARGS = ("q", "passage", "lines", "page", "at")


def _render_source(service, cache, key, path, root, documents) -> str:
    file = documents[0]["path"]
    layout = cache.layouts.get(key[:2], lambda: layout_of(_read(path, root, file)))
    cited = _cited_lines(service, file, layout)
    at = request.args.get("at", "")
    view = window(layout, cited, int(at) if at.isdigit() and len(at) < 12 else None)
    marks = query_marks(service, request.args.get("q", ""))
    rows = [
        {
            "row": row,
            "html": mark(row.text, marks) if marks.terms else escape(row.text),
            "cited": bool(cited) and row.line < cited.stop and row.last_line >= cited.start,
        }
        for row in view.rows
    ]
    kept = {name: request.args[name] for name in VIEW_ARGS[:-1] if request.args.get(name)}
    cited_page = next((r["row"].page for r in rows if r["cited"] and r["row"].page), None)
    return render_template(
        "source.html",
        file=file,
        rows=rows,
        view=view,
        readable=layout.readable,
        paged=bool(layout.page_lines),
        title=documents[0]["title"] if len(documents) == 1 else Path(file).name,
        changed=bool(documents[0].get("sha256")) and layout.sha256 != documents[0]["sha256"],
        raw_url=url_for("web.source", file=file, raw=1)
        + (f"#page={cited_page}" if cited_page else ""),
        window_url=lambda at: url_for("web.source", file=file, at=at, **kept),
        query=request.args.get("q", ""),
    )


def _source_cache() -> SourceCache:
    return current_app.extensions.setdefault("kavosh.source_cache", SourceCache())


def _corpus_path(root: Path, file: str) -> Path:
    """The file's real path, refused unless it still lies inside the source
    folder and is a regular file (a symlink swapped in since the build is not)."""
    path = Path(os.path.realpath(root / file))
    if not path.is_relative_to(root) or not path.is_file():
        abort(404, f"{file!r} is not inside the source folder")
    return path


def _read(path: Path, root: Path, file: str) -> SourceText:
    decoded = read_source(path, root)
    if not isinstance(decoded, SourceText):
        abort(404, f"{file!r} can no longer be read: {decoded.reason}")
    return decoded


def _raw_file(path: Path, file: str, encoding: str | None) -> Response:
    """The original file, inline, with its own content type."""
    content_type = raw_content_type(file, encoding)
    response = send_file(
        path, download_name=Path(file).name, conditional=True, max_age=0, mimetype=content_type
    )
    response.headers["Content-Type"] = content_type  # as is: Flask would add a second charset
    if not response.mimetype.startswith("text/"):
        # The browser's PDF viewer is a plugin: the page's `object-src 'none'`
        # would stop it; nothing else may load.
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; object-src 'self'; frame-ancestors 'none'"
        )
    return response


def _cited_lines(service, file: str, layout) -> range:
    """Lines named by ?passage=<id>, or by ?lines=A-B (of ?page=N for a paged
    file), else none."""
    line_count = layout.line_count
    passage_id = request.args.get("passage")
    if passage_id:
        hit = service.passage(passage_id)
        if hit is not None and hit.citation.file == file:
            citation = hit.citation
            page = getattr(citation, "page", None)
            first, last = citation.line_start, citation.line_end
            if page and layout.page_lines:
                end_page = getattr(citation, "page_end", None) or page
                first = layout.line_of_page(page, first) or 1
                last = layout.line_of_page(end_page, last) or first
            return range(max(1, first), min(line_count, max(first, last)) + 1)
    spec = request.args.get("lines", "")
    start, _, end = spec.partition("-")
    if start.isdigit() and len(spec) < 24:
        first = int(start)
        last = int(end) if end.isdigit() else first
        page = request.args.get("page", "")
        if page.isdigit() and len(page) < 12 and layout.page_lines:
            offset = layout.line_of_page(int(page), 1)
            if offset is None:
                return range(0)
            first, last = first + offset - 1, last + offset - 1
        return range(max(1, first), min(line_count, max(first, last)) + 1)
    return range(0)


def query_marks(service, query: str) -> Marks:
    """What the excerpts would mark for `query`: the same marks."""
    return service.marks(query)
