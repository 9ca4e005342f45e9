"""Helpers shared by the search-core tests (fixtures stay in each module, so
that pytest finds them without imports shadowing arguments).

`cited(results)` reduces a ranking to what a reader checks: (file, first line)
of each hit, best first.
"""

from __future__ import annotations

from app.search import Results

ARTICLE = "000_b7ea360d4f698762.txt"
INTERVIEW = "004_b6066c2c267af41c.txt"


def cited(results: Results) -> list[tuple[str, int]]:
    """(file, line_start) of every hit on the page, in rank order."""
    return [(hit.citation.file, hit.citation.line_start) for hit in results.hits]


def ranking_report(results: Results) -> str:
    """The page as a failure message: rank, citation and excerpt of each hit."""
    lines = [f"{results.total} passages for {results.query!r}"]
    for hit in results.hits:
        lines.append(f"  {hit.rank}. {hit.citation.file}:{hit.citation.line_start}  {hit.excerpt}")
    return "\n".join(lines)
