"""Kavosh's targets, checked against one run's results: issue #7's
relevance, issue #13's speed (which replaced #7's speed targets) and issue
#17's Kavosh on Typesense. The scaling curve's targets are in `scaling`.

Each check says what was measured and, when a target is missed, by how much;
why it was missed is for `bench/ANALYSIS.md`, written by a person. A target
whose figures are missing (an engine failed or was not run) says so instead
of passing or failing.
"""

from __future__ import annotations

GB = 1024**3


def check_targets(results: list[dict]) -> list[dict]:
    find = _Finder(results)
    return [*_relevance(find), *_speed(find), *_on_typesense(find)]


def _relevance(find) -> list[dict]:
    return [
        _at_least(
            "Kavosh nDCG@10 on SciFact ≥ 0.70 (#7)",
            find("kavosh", "scifact", "relevance", "ndcg@10"),
            0.70,
        ),
        _at_least(
            "Kavosh nDCG@10 on SciFact ≥ 0.682, no loss (#13)",
            find("kavosh", "scifact", "relevance", "ndcg@10"),
            0.682,
        ),
        *(
            _at_least(
                f"Kavosh known items found first on {corpus} = 100% (#13)",
                find("kavosh", corpus, "relevance", "known_item_ok"),
                1.0,
                "{:.1%}".format,
            )
            for corpus in ("wikitext", "seeds")
        ),
    ]


def _speed(find) -> list[dict]:
    return [
        _ratio_at_most(
            "Kavosh HTTP p50 on WikiText-2 ≤ 3 × Typesense's (#13)",
            find("kavosh-http", "wikitext", "latency", "p50_ms"),
            find("typesense", "wikitext", "latency", "p50_ms"),
            3.0,
            "ms",
        ),
        _ratio_at_least(
            "Kavosh HTTP RPS at 8 clients on WikiText-2 ≥ ⅓ × Typesense's (#13)",
            find("kavosh-http", "wikitext", "rps", "8", "rps"),
            find("typesense", "wikitext", "rps", "8", "rps"),
            1 / 3,
        ),
        _ratio_at_most(
            "in-process Kavosh p50 on WikiText-2 ≤ 2 × bm25s's (#13)",
            find("kavosh", "wikitext", "latency", "p50_ms"),
            find("bm25s", "wikitext", "latency", "p50_ms"),
            2.0,
            "ms",
        ),
        *(
            _ratio_at_most(
                f"in-process Kavosh p95 on {corpus} ≤ plain Whoosh's (#13)",
                find("kavosh", corpus, "latency", "p95_ms"),
                find("whoosh", corpus, "latency", "p95_ms"),
                1.0,
                "ms",
            )
            for corpus in ("scifact", "wikitext")
        ),
        _ratio_at_most(
            "Kavosh's index build on WikiText-2 no slower than plain Whoosh's (#13)",
            find("kavosh", "wikitext", "build_seconds")
            or find("kavosh-http", "wikitext", "build_seconds"),
            find("whoosh", "wikitext", "build_seconds"),
            1.0,
            "s",
        ),
        _at_most(
            "Kavosh's index build peak memory on WikiText-2 < 1 GB (#7)",
            find("kavosh-http", "wikitext", "figures", "index_command_peak_rss")
            or find("kavosh", "wikitext", "build_peak_rss"),
            GB,
            lambda v: f"{v / 2**20:.0f} MB",
        ),
    ]


def _on_typesense(find) -> list[dict]:
    ours = find("kavosh-typesense", "scifact", "relevance", "ndcg@10")
    whoosh = find("kavosh-http", "scifact", "relevance", "ndcg@10") or find(
        "kavosh", "scifact", "relevance", "ndcg@10"
    )
    return [
        _at_least(
            "Kavosh on Typesense SciFact nDCG@10 within 0.02 of Kavosh on Whoosh (#17)",
            None if ours is None or whoosh is None else ours - whoosh,
            -0.02,
            lambda v: f"{v:+.3f}",
        ),
        _at_least(
            "Kavosh on Typesense known items found first on WikiText-2 ≥ 99% (#17)",
            find("kavosh-typesense", "wikitext", "relevance", "known_item_ok"),
            0.99,
            "{:.1%}".format,
        ),
        _at_least(
            "Kavosh on Typesense typos in the top 10 on WikiText-2 ≥ 90% (#17)",
            find("kavosh-typesense", "wikitext", "relevance", "typo_ok"),
            0.90,
            "{:.1%}".format,
        ),
        _ratio_at_most(
            "Kavosh on Typesense HTTP p50 on SciFact < 2 × Kavosh on Whoosh's (#17)",
            find("kavosh-typesense", "scifact", "latency", "p50_ms"),
            find("kavosh-http", "scifact", "latency", "p50_ms"),
            2.0,
            "ms",
        ),
    ]


class _Finder:
    def __init__(self, results: list[dict]):
        self.results = {(r["engine"], r["corpus"]): r for r in results if r["status"] == "ok"}

    def __call__(self, engine: str, corpus: str, *keys: str):
        value = self.results.get((engine, corpus))
        for key in keys:
            if not isinstance(value, dict):
                return None
            value = value.get(key)
        return value


def _verdict(target: str, measured: str, met: bool | None, miss: str = "") -> dict:
    if met is None:
        verdict = "not measured (an engine failed or was not run)"
    else:
        verdict = "met" if met else f"**missed** {miss}".strip()
    return {"target": target, "measured": measured, "met": met, "verdict": verdict}


def _at_least(target, value, bound, fmt=lambda v: f"{v:.3f}") -> dict:
    if value is None:
        return _verdict(target, "—", None)
    return _verdict(target, fmt(value), value >= bound, f"by {fmt(bound - value)}")


def _at_most(target, value, bound, fmt) -> dict:
    if value is None:
        return _verdict(target, "—", None)
    return _verdict(target, fmt(value), value < bound, f"by {fmt(value - bound)}")


def _ratio_at_most(target, ours, theirs, bound, unit) -> dict:
    if ours is None or theirs is None or not theirs:
        return _verdict(target, "—", None)
    ratio = ours / theirs
    measured = f"{ours:.2f} {unit} against {theirs:.2f} {unit} ({ratio:.2f}×)"
    return _verdict(target, measured, ratio <= bound, f"by {ratio / bound:.2f}×")


def _ratio_at_least(target, ours, theirs, bound) -> dict:
    if ours is None or theirs is None or not theirs:
        return _verdict(target, "—", None)
    ratio = ours / theirs
    measured = f"{ours:.0f} against {theirs:.0f} ({ratio:.2f}×)"
    return _verdict(target, measured, ratio >= bound, f"by {bound / ratio:.2f}×" if ratio else "")
