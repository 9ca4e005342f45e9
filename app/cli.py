"""The `kavosh` command line: `index`, `search` and `serve`, thin layers over
the indexer, the search core and the web app.

User errors end in one line that says what went wrong and how to fix it
(`click.ClickException`); no traceback reaches a user.
"""

from __future__ import annotations

import html
import json
import sys
from pathlib import Path

import click

from app.search import Results, SearchRequest, open_search
from app.search.backend import backend_name, typesense_nodes
from app.settings import load_settings, setting_origin
from indexer.budget import Budget
from indexer.build import BuildReport, build_index
from indexer.errors import KavoshError
from indexer.generations import GenerationStore

# Exit status of `kavosh index` when the index was built but files were skipped.
EXIT_SKIPPED = 3
# How the CLI names a SOURCE_DIR that comes from the live index's manifest.
_RECORDED = "the folder the live index was built from (--source DIR to index another)"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Kavosh: passage-level full-text search with exact citations."""


@main.command("index")
@click.option("--source", "source_dir", type=click.Path(path_type=Path), help="Folder to index.")
@click.option("--index", "index_dir", type=click.Path(path_type=Path), help="Index folder.")
@click.option("--if-missing", is_flag=True, help="Only build when there is no index yet.")
@click.option(
    "--strict",
    is_flag=True,
    help="Fail, keeping the old index, if a file of a readable type fails.",
)
@click.option("--lock-timeout", type=float, help="Seconds to wait for another build.")
@click.option(
    "--exclude",
    multiple=True,
    metavar="GLOB",
    help="Leave out files matching GLOB (gitignore syntax, as in .kavoshignore; repeatable).",
)
def index_command(source_dir, index_dir, if_missing, strict, lock_timeout, exclude) -> None:
    """Rebuild the index from the source folder.

    The new index is written beside the live one and switched in atomically,
    so a running server keeps answering. Exits 0 when every readable file was
    indexed, 3 when some failed (listed with reasons; types Kavosh does not
    read are only counted), 1 on failure or when no file yields a passage.
    """
    overrides = {"SOURCE_DIR": source_dir, "INDEX_DIR": index_dir, "LOCK_TIMEOUT": lock_timeout}
    settings = load_settings(overrides)
    recorded = setting_origin("SOURCE_DIR", overrides) == "index"
    try:
        if backend_name(settings) == "typesense":
            budget = Budget(settings["PARSE_SECONDS"], settings["PARSE_MEMORY_MB"])
            return _push(settings, if_missing, strict, exclude, budget)
    except KavoshError as error:
        raise click.ClickException(error.message) from error
    store = GenerationStore(settings["INDEX_DIR"])
    if if_missing and store.exists():
        if store.usable():
            click.echo(f"Index present in {settings['INDEX_DIR']} ({store.current_name()}).")
            return
        click.echo("The index was built by another version of Kavosh: rebuilding it.", err=True)
    if recorded:
        click.echo(f"Rebuilding {settings['SOURCE_DIR']}, {_RECORDED}.", err=True)
    progress = _Progress()
    try:
        report = build_index(
            settings["SOURCE_DIR"],
            settings["INDEX_DIR"],
            progress=progress,
            lock_timeout=settings["LOCK_TIMEOUT"],
            strict=strict,
            memory_mb=settings["BUILD_MEMORY_MB"],
            exclude=exclude,
            budget=Budget(settings["PARSE_SECONDS"], settings["PARSE_MEMORY_MB"]),
        )
    except KavoshError as error:
        progress.done()
        raise click.ClickException(_with_origin(error, recorded)) from error
    except KeyboardInterrupt:
        progress.done()
        raise click.ClickException("interrupted: the previous index is untouched") from None
    progress.done()
    click.echo(summary(report, settings["SOURCE_DIR"], settings["INDEX_DIR"]))
    if report.skipped:
        sys.exit(EXIT_SKIPPED)


@main.command("search")
@click.argument("query")
@click.option(
    "--limit",
    "per_page",
    type=click.IntRange(1, 100),
    default=10,
    show_default=True,
    help="Results per page.",
)
@click.option("--page", type=click.IntRange(1, 1000), default=1, show_default=True)
@click.option("--source", "sources", multiple=True, help="Only this file (repeatable).")
@click.option("--section", help="Only passages under this section.")
@click.option("--speaker", help="Only passages by this speaker.")
@click.option(
    "--documents",
    "by_document",
    is_flag=True,
    help="One result per document (its best passage), documents ranked as a whole.",
)
@click.option("--json", "as_json", is_flag=True, help="Print exactly what the JSON API returns.")
@click.option("--index", "index_dir", type=click.Path(path_type=Path), help="Index folder.")
def search_command(
    query, per_page, page, sources, section, speaker, by_document, as_json, index_dir
) -> None:
    """Search the index: ranked passages, highlighted, with citations.

    QUERY uses the query language of the search page: words, "phrases",
    +required, -excluded, AND/OR/NOT, source: section: speaker: title:
    filters, prefix*, and word~1 for explicit typo tolerance.
    """
    settings = load_settings({"INDEX_DIR": index_dir})
    try:
        wanted = SearchRequest(
            query,
            sources=sources,
            section=section,
            speaker=speaker,
            page=page,
            per_page=per_page,
            group="document" if by_document else None,
        )
        results = open_search(settings).search(wanted)
    except KavoshError as error:
        raise click.ClickException(error.message) from error
    if as_json:
        click.echo(json.dumps(_api_shape(results, settings), ensure_ascii=False, indent=2))
    else:
        unit = "documents" if by_document else "passages"
        click.echo(render_results(results, color=sys.stdout.isatty(), unit=unit))


def _api_shape(results: Results, settings: dict) -> dict:
    """What `/api/search` returns for `results`, citation addresses included
    (the web app's router builds them)."""
    from app import create_app
    from app.http.links import citation_url

    with create_app(settings).test_request_context():
        return results.to_dict(citation_url)


def render_results(results: Results, color: bool, unit: str = "passages") -> str:
    """Results for a terminal: `<mark>` becomes bold yellow, or [brackets]."""
    unit = unit.removesuffix("s") if results.total == 1 else unit
    lines = [f"{results.total:,} {unit} for {results.query!r} ({results.took_ms:.0f} ms)"]
    if results.suggestion:
        lines.append(f"Did you mean: {results.suggestion}")
    lines += [f"Note: {note}" for note in results.notes]
    for hit in results.hits:
        lines.append("")
        lines.append(f"{hit.rank}. {hit.citation.label}")
        if hit.speaker:
            lines.append(f"   {hit.speaker}:")
        lines.append("   " + _terminal_marks(hit.excerpt, color))
    if results.total > results.page * results.per_page:
        lines.append("")
        lines.append(f"Page {results.page} of {results.pages}: --page {results.page + 1} for more.")
    return "\n".join(lines)


def _terminal_marks(excerpt: str, color: bool) -> str:
    opening, closing = ("\033[1;33m", "\033[0m") if color else ("[", "]")
    text = excerpt.replace("<mark>", opening).replace("</mark>", closing)
    return html.unescape(text)


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, envvar="HOST")
@click.option("--port", default=5000, type=int, show_default=True, envvar="PORT")
@click.option(
    "--workers", type=click.IntRange(1, 64), help="Worker processes [default: 1 per core, 2 to 8]."
)
@click.option("--index", "index_dir", type=click.Path(path_type=Path), help="Index folder.")
@click.option(
    "--source",
    "source_dir",
    type=click.Path(path_type=Path),
    help="Source folder [default: the one the index was built from].",
)
def serve_command(host, port, workers, index_dir, source_dir) -> None:
    """Serve the search page and the JSON API with granian.

    Builds the index first when there is none (or it was built by another
    version of Kavosh). The index is opened and warmed once, then the workers
    are forked; each keeps its searcher and picks up a new index generation
    without a restart.
    """
    from app import create_app
    from app.http.server import check_port_free, default_workers, serve

    check_port_free(host, port)
    overrides = {"INDEX_DIR": index_dir, "SOURCE_DIR": source_dir}
    settings = load_settings(overrides)
    recorded = setting_origin("SOURCE_DIR", overrides) == "index"
    store = GenerationStore(settings["INDEX_DIR"])
    if backend_name(settings) == "whoosh" and not store.usable():
        click.echo("No index of this version yet: building it first.", err=True)
        try:
            report = build_index(
                settings["SOURCE_DIR"],
                settings["INDEX_DIR"],
                progress=_Progress(),
                memory_mb=settings["BUILD_MEMORY_MB"],
            )
        except KavoshError as error:
            raise click.ClickException(_with_origin(error, recorded)) from error
        click.echo(summary(report, settings["SOURCE_DIR"], settings["INDEX_DIR"]), err=True)
    workers = workers or default_workers()
    app = create_app(overrides, preload_index=True)
    click.echo(
        f"Kavosh on http://{host}:{port}/ with {counted(workers, 'worker')}: "
        f"index {settings['INDEX_DIR']}, source {app.config['SOURCE_DIR']}",
        err=True,
    )
    serve(app, host, port, workers)


def _with_origin(error: KavoshError, recorded: bool) -> str:
    """A build error's message, saying where a recorded source folder came from."""
    if recorded and error.code == "source_unavailable":
        return f"{error.message}: it is {_RECORDED}"
    return error.message


def _push(settings: dict, if_missing: bool, strict: bool, exclude, budget) -> None:
    """`kavosh index` with BACKEND=typesense: a new collection, then the alias swap."""
    from app.search.synonyms import load_groups
    from indexer.typesense.client import TypesenseClient
    from indexer.typesense.push import live_collection, push_index
    from indexer.typesense.schema import DEFAULT_ALIAS

    nodes = typesense_nodes(settings)
    client = TypesenseClient(nodes, settings["TYPESENSE_API_KEY"])
    where = f"the Typesense alias {DEFAULT_ALIAS!r} on {', '.join(nodes)}"
    if if_missing:
        live = live_collection(client, DEFAULT_ALIAS)
        if live:
            client.close()
            click.echo(f"Index present in {where} ({live}).")
            return
    progress = _Progress()
    try:
        report = push_index(
            settings["SOURCE_DIR"],
            client,
            synonym_groups=load_groups(settings["SYNONYMS_FILE"]),
            progress=progress,
            strict=strict,
            exclude=exclude,
            budget=budget,
        )
    except KeyboardInterrupt:
        message = "interrupted: the alias still names the previous collection"
        raise click.ClickException(message) from None
    finally:
        progress.done()
        client.close()
    click.echo(summary(report, settings["SOURCE_DIR"], where))
    if report.skipped:
        sys.exit(EXIT_SKIPPED)


def summary(report: BuildReport, source_dir: Path, index_dir: Path | str) -> str:
    """The closing summary of a build, as `kavosh index` prints it."""
    lines = [
        f"Indexed {counted(report.documents, 'document')}, "
        f"{counted(report.passages, 'passage')}, {counted(report.words, 'word')} "
        f"from {source_dir} in {report.seconds:.1f} s.",
        f"Generation {report.generation} is live in {index_dir}.",
    ]
    if report.removed_leftovers:
        lines.append(f"Removed {counted(len(report.removed_leftovers), 'unfinished build')}.")
    for path, warning in report.warnings:
        lines.append(f"Warning: {path}: {warning}")
    if report.unread:
        counts = ", ".join(f"{n:,} {ext}" for ext, n in report.unread.items())
        lines.append(f"Not read (types Kavosh does not read): {counts}.")
    if report.skipped:
        lines.append(f"Skipped {counted(len(report.skipped), 'file')}:")
        lines.extend(f"  {s.relative_path}: {s.reason}" for s in report.skipped)
    return "\n".join(lines)


def counted(number: int, noun: str) -> str:
    """`1 passage`, `2 passages`, `1,943 words`."""
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


class _Progress:
    """A one-line counter on a terminal; a line per 500 files otherwise.

    A build reports each file twice, when it is read and when it is indexed;
    the counter counts files, and the line shows the one at hand.
    """

    def __init__(self):
        self.seen: set[str] = set()
        self.tty = sys.stderr.isatty()

    @property
    def count(self) -> int:
        return len(self.seen)

    def __call__(self, name: str) -> None:
        new = name not in self.seen
        self.seen.add(name)
        if self.tty:
            click.echo(f"\r\033[K{self.count:,} files  {name[-60:]}", nl=False, err=True)
        elif new and self.count % 500 == 0:
            click.echo(f"{self.count:,} files read", err=True)

    def done(self) -> None:
        if self.tty and self.count:
            click.echo("\r\033[K", nl=False, err=True)


if __name__ == "__main__":
    main()
