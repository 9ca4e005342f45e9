"""The function words ("the", "of", "و") that rank a query only when it
has nothing else, read once from `data/stopwords.txt`."""

from __future__ import annotations

from importlib import resources


def _stopwords() -> frozenset[str]:
    text = resources.files("app.search").joinpath("data/stopwords.txt").read_text("utf-8")
    lines = (line for line in text.splitlines() if not line.startswith("#"))
    return frozenset(" ".join(lines).split())


STOPWORDS = _stopwords()
