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
        # Most query words begin no member: one set look-up answers for them.
        self._first_words = {member[0] for member in self._by_member}

    @classmethod
    def load(cls, override: Path | None = None) -> Synonyms:
        """The instance file if it exists, else the shipped defaults."""
        return cls(load_groups(override))

    def find(self, folded: list[str], start: int) -> tuple[int, Group] | None:
        """The longest member starting at `folded[start]`: (its length, its group)."""
        if folded[start] not in self._first_words:
            return None
        for length in range(min(self.longest, len(folded) - start), 0, -1):
            group = self._by_member.get(tuple(folded[start : start + length]))
            if group:
                return length, group
        return None


def load_groups(override: Path | None = None) -> list[Group]:
    """The groups of the instance file if it exists, else of the shipped one:
    the one place that choice is made (`kavosh index` pushes these to Typesense)."""
    if override is not None and Path(override).is_file():
        text = Path(override).read_text("utf-8")
    else:
        text = resources.files("app.search").joinpath("data/synonyms.txt").read_text("utf-8")
    return parse_groups(text)


class SynonymsFile:
    """The synonyms of one (optional) instance file, reloaded when the file
    changes, appears or goes away (its modification time and size)."""

    def __init__(self, override: Path | None = None):
        self.override = override
        self._stamp: tuple | None | bool = False  # False: never loaded
        self.synonyms = Synonyms([])

    def changed(self) -> bool:
        """Reload if the file changed since the last call; whether it did."""
        stamp = self._signature()
        if stamp == self._stamp:
            return False
        self.synonyms, self._stamp = Synonyms.load(self.override), stamp
        return True

    def _signature(self) -> tuple | None:
        try:
            stat = Path(self.override).stat() if self.override else None
        except OSError:
            return None
        return (stat.st_mtime_ns, stat.st_size) if stat else None


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
