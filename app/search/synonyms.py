"""Synonyms and acronyms, applied at query time so editing them needs no
rebuild.

A synonyms file has one group per line, members separated by commas; a query
that contains any member (as a run of words) also finds the others. The file
in the instance folder, when present, replaces the shipped one.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from indexer.analysis import words

Group = tuple[tuple[str, ...], ...]


class Synonyms:
    def __init__(self, groups: list[Group]):
        self._by_member: dict[tuple[str, ...], Group] = {}
        for group in groups:
            for member in group:
                self._by_member.setdefault(member, group)
        self.longest = max((len(m) for m in self._by_member), default=0)

    @classmethod
    def load(cls, override: Path | None = None) -> Synonyms:
        """The instance file if it exists, else the shipped defaults."""
        if override is not None and Path(override).is_file():
            text = Path(override).read_text("utf-8")
        else:
            text = resources.files("app.search").joinpath("data/synonyms.txt").read_text("utf-8")
        return cls(parse_groups(text))

    def find(self, folded: list[str], start: int) -> tuple[int, Group] | None:
        """The longest member starting at `folded[start]`: (its length, its group)."""
        for length in range(min(self.longest, len(folded) - start), 0, -1):
            group = self._by_member.get(tuple(folded[start : start + length]))
            if group:
                return length, group
        return None


def parse_groups(text: str) -> list[Group]:
    groups = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        members = tuple(tuple(words(m)) for m in line.split(","))
        members = tuple(m for m in members if m)
        if len(members) > 1:
            groups.append(members)
    return groups
