"""The scaling curve: WikiText-2 copied 1×, 4× and 8×, and what each size costs.

`python -m bench --scale` builds each size with Kavosh (over HTTP, as `make
run` serves it), tantivy and Typesense, and reports for each size the build
seconds, the peak build memory, the index size and the query latency. Each
copy's articles get their own titles (`Valkyria Chronicles III (copy 2)`), so
a copy is new documents, not a duplicate a peer could fold away. Every size
is asked the same queries, drawn from the first copy (the original corpus);
any copy of a paragraph satisfies a query, since answers are judged by text.

The record goes to `scaling.json` beside `results.json`, the plot to
`scaling.png`, and `report` puts both into RESULTS.md.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

from bench.anchors import SPLITS, paragraphs_of
from bench.corpora import WIKITEXT, Corpus, Unit

PREFIX = "wikitext-x"
SIZES = (1, 4, 8)
ENGINES = ("kavosh-http", "tantivy", "typesense")
# Seconds one engine may take at one size: a fixed part plus a part per copy.
LIMITS = {"kavosh-http": (120, 100), "tantivy": (60, 15), "typesense": (90, 45)}
# The whole scaling run's default budget (`--budget` overrides it).
BUDGET = 75 * 60
_TITLE = re.compile(r"^ = (?!= )(.+?) = $")


def corpus_name(copies: int) -> str:
    return f"{PREFIX}{copies}"


def copies_of(name: str) -> int | None:
    """The number of copies a scaled corpus name stands for, else None."""
    if name.startswith(PREFIX) and name[len(PREFIX) :].isdigit():
        return int(name[len(PREFIX) :])
    return None


def limit(engine: str, copies: int) -> float:
    fixed, per_copy = LIMITS[engine]
    return fixed + per_copy * copies


def title_suffix(copy: int) -> str:
    return "" if copy == 1 else f" (copy {copy})"


def load_scaled(copies: int, workdir: Path) -> Corpus:
    """WikiText-2 `copies` times: the files Kavosh reads, the units peers index."""
    folder = Path(workdir) / corpus_name(copies) / "corpus"
    _write_copies(copies, folder)
    base: list[Unit] = []
    units: list[Unit] = []
    for copy in range(1, copies + 1):
        for split in SPLITS:
            with gzip.open(
                folder / f"copy-{copy:02d}" / f"{split}.txt.gz", "rt", encoding="utf-8"
            ) as f:
                found = [Unit(f"c{copy}-{p.id}", p.title, p.text) for p in paragraphs_of(f, split)]
            units.extend(found)
            if copy == 1:
                base.extend(found)
    return Corpus(corpus_name(copies), units, folder, query_units=base)


def _write_copies(copies: int, folder: Path) -> None:
    """`copy-NN/<split>.txt.gz` for each copy, titles suffixed; once per size."""
    stamp = folder / ".complete"
    if stamp.exists() and stamp.read_text() == str(copies):
        return
    for copy in range(1, copies + 1):
        target = folder / f"copy-{copy:02d}"
        target.mkdir(parents=True, exist_ok=True)
        suffix = title_suffix(copy)
        for split in SPLITS:
            with gzip.open(WIKITEXT / f"{split}.txt.gz", "rt", encoding="utf-8") as source:
                lines = [retitled(line, suffix) for line in source]
            with gzip.open(
                target / f"{split}.txt.gz", "wt", encoding="utf-8", compresslevel=1
            ) as out:
                out.writelines(lines)
    stamp.write_text(str(copies))


def retitled(line: str, suffix: str) -> str:
    """An article title line (` = X = `) with `suffix` after the title."""
    if not suffix:
        return line
    match = _TITLE.match(line.rstrip("\n"))
    if not match:
        return line
    return f" = {match.group(1)}{suffix} = \n"


def words(corpus: Corpus) -> int:
    """Words in the corpus's paragraphs (titles and headings left out)."""
    return sum(len(unit.text.split()) for unit in corpus.units)


# Reporting: the table, the targets and the plot.

MB = 1024 * 1024
GB = 1024**3
# (header, getter, format) per row of the scaling table.
_COLUMNS = [
    ("copies", lambda r: r["copies"], "{}×"),
    ("M words", lambda r: r["words"] / 1e6, "{:.1f}"),
    ("build s", lambda r: r.get("build_seconds"), "{:.1f}"),
    ("s per M words", lambda r: r["build_seconds"] / (r["words"] / 1e6), "{:.1f}"),
    ("peak build MB", lambda r: build_peak(r) / MB, "{:.0f}"),
    ("index MB", lambda r: r["index_bytes"] / MB, "{:.1f}"),
    ("p50 ms", lambda r: r["latency"]["p50_ms"], "{:.2f}"),
    ("p95 ms", lambda r: r["latency"]["p95_ms"], "{:.2f}"),
]


def build_peak(result: dict) -> int:
    """Kavosh: the `kavosh index` process tree; the others: their worker
    (and server) while building, the loaded corpus included."""
    return result.get("figures", {}).get("index_command_peak_rss") or result["build_peak_rss"]


def markdown(record: dict, plot_name: str | None) -> list[str]:
    """The RESULTS.md section of one scaling run."""
    sizes = ",".join(str(s) for s in record["sizes"])
    before, after = (record["load_average"][k][0] for k in ("before", "after"))
    lines = [
        "## Scaling: WikiText-2 copied " + ", ".join(f"{s}×" for s in record["sizes"]),
        "",
        f"Generated by `python -m bench --scale --scale-sizes {sizes}` on {record['date']} "
        f"in {record['wall_seconds'] / 60:.1f} minutes; load average before "
        f"{before:.2f}, after {after:.2f}. "
        "Each copy's articles have their own titles; every size is asked WikiText-2's "
        "queries. Kavosh is served over HTTP (`kavosh index`, then `kavosh serve`); its "
        "peak build memory is the `kavosh index` process tree's. tantivy is in process "
        "and Typesense over HTTP; their peak is the worker's (with the server and the "
        "loaded corpus) while building.",
        "",
        "| engine | " + " | ".join(name for name, _, _ in _COLUMNS) + " |",
        "|" + "---|" * (len(_COLUMNS) + 1),
    ]
    for result in sorted(record["results"], key=lambda r: (r["engine"], r["copies"])):
        cells = [result["engine"]]
        for _, getter, fmt in _COLUMNS:
            try:
                value = getter(result) if result["status"] == "ok" else None
            except (KeyError, TypeError, ZeroDivisionError):
                value = None
            cells.append("—" if value is None else fmt.format(value))
        if result["status"] != "ok":
            cells[0] += f" (failed: {result['reason']})"
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    if plot_name:
        lines += [f"![p50 and build time against corpus size]({plot_name})", ""]
    lines += ["| target (Kavosh, largest size against 1×) | measured | verdict |", "|---|---|---|"]
    lines += [f"| {t['target']} | {t['measured']} | {t['verdict']} |" for t in targets(record)]
    return [*lines, ""]


def targets(record: dict) -> list[dict]:
    """Issue #13's targets at the largest size, against the 1× figures."""
    runs = {
        r["copies"]: r
        for r in record["results"]
        if r["engine"] == "kavosh-http" and r["status"] == "ok"
    }
    largest = max(record["sizes"])
    top, one = runs.get(largest), runs.get(1)
    checks = []
    if top:
        peak = build_peak(top) / GB
        checks.append(
            _verdict(f"peak build memory at {largest}× < 2 GB", f"{peak:.2f} GB", peak < 2)
        )
    else:
        checks.append(_missing(f"peak build memory at {largest}× < 2 GB"))
    if top and one and top.get("build_seconds") and one.get("build_seconds"):
        ratio = (top["build_seconds"] / top["words"]) / (one["build_seconds"] / one["words"])
        checks.append(
            _verdict(
                f"build time per word at {largest}× ≤ 1.25 × 1×'s", f"{ratio:.2f}×", ratio <= 1.25
            )
        )
        p50 = top["latency"]["p50_ms"] / one["latency"]["p50_ms"]
        checks.append(_verdict(f"HTTP p50 at {largest}× < 2 × 1×'s", f"{p50:.2f}×", p50 < 2))
    else:
        checks += [
            _missing(f"build time per word at {largest}×"),
            _missing(f"HTTP p50 at {largest}×"),
        ]
    return checks


def _verdict(target: str, measured: str, met: bool) -> dict:
    return {"target": target, "measured": measured, "verdict": "met" if met else "missed"}


def _missing(target: str) -> dict:
    return {"target": target, "measured": "not measured", "verdict": "unknown"}


def plot(record: dict, path: Path) -> bool:
    """p50 latency and build seconds against million words, a line per engine."""
    ok = [r for r in record["results"] if r["status"] == "ok" and r.get("build_seconds")]
    if not ok:
        return False
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, (latency, build) = pyplot.subplots(1, 2, figsize=(10, 4), dpi=120)
    for engine in sorted({r["engine"] for r in ok}):
        rows = sorted((r for r in ok if r["engine"] == engine), key=lambda r: r["words"])
        x = [r["words"] / 1e6 for r in rows]
        colour = "#c0392b" if engine.startswith("kavosh") else None
        latency.plot(x, [r["latency"]["p50_ms"] for r in rows], "o-", label=engine, color=colour)
        build.plot(x, [r["build_seconds"] for r in rows], "o-", label=engine, color=colour)
    latency.set_ylabel("p50 query latency, ms (log scale)")
    build.set_ylabel("build seconds (log scale)")
    for axes in (latency, build):
        axes.set_yscale("log")
        axes.set_xlabel("corpus size, million words")
        axes.grid(True, which="both", alpha=0.3)
        axes.legend(fontsize=8)
    figure.suptitle("WikiText-2 copied: latency and build time against corpus size")
    figure.tight_layout()
    figure.savefig(path)
    pyplot.close(figure)
    return True
