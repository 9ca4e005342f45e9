"""Which generation a `WhooshEngine` serves, and what it does when one
turns out damaged (see `whoosh_engine`'s docstring for the whole story).

`GenerationChoice` is the engine's half that decides: it answers
`snapshot()` from the live generation while its files are intact, marks a
generation damaged when a `stat`, a checksum or a failed read says so, and
falls back to the newest older generation that verifies. The engine's other
half opens a folder (`_open_folder`) and makes a snapshot the one served
(`_serve`); both are used here, with its `store`, `_lock`, `_open`,
`_damaged` and `_pointer`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from app.search.engine import Snapshot
from app.search.errors import IndexCorruptError, NoIndexError
from app.search.file_watch import FileWatch
from indexer.generations import CURRENT, checksum_problem


@dataclass
class Damaged:
    """A generation found damaged: why, and its files as they were then
    (when they change, say restored from a backup, it is tried again)."""

    problem: str
    watch: FileWatch


class GenerationChoice:
    """The generation-choosing half of `WhooshEngine`."""

    def snapshot(self) -> Snapshot:
        with self._lock:  # read under the lock: a name read before waiting may be pruned
            name = self._current_name()
            if name is None:
                raise NoIndexError(self.store.root)
            repaired = self._forget_repaired()
            current = self._open
            if current is not None and self._intact(current):
                if current.name == name or name in self._damaged:
                    return current
            if name not in self._damaged:
                if current is not None and current.name == name:  # damaged while open
                    self._mark_damaged(current.name, current.state.problem)
                else:
                    try:  # once found damaged, checked in full before it serves again
                        opened = self._open_checked(self.store.root / name, name in repaired)
                        return self._serve(opened, verified=name in repaired)
                    except IndexCorruptError as error:
                        self._mark_damaged(name, error.message)
            return self._fall_back(name)

    def _current_name(self) -> str | None:
        """The live generation's name, read again only when the pointer file's
        `stat` changed (a build replaces it, so its inode changes): one `stat`
        per request instead of opening and reading it."""
        try:
            found = os.stat(os.path.join(self.store.root, CURRENT))
            seen = (found.st_ino, found.st_size, found.st_mtime_ns, found.st_ctime_ns)
        except OSError:
            seen = None
        if seen is None or self._pointer is None or self._pointer[0] != seen:
            self._pointer = (seen, self.store.current_name())
        return self._pointer[1]

    def _read(self, snapshot: Snapshot, read):
        """`read(state)` of `snapshot`, or, when that fails because the
        generation turns out damaged, of the generation that serves instead:
        (result, the snapshot that answered)."""
        with self._lock:
            for _ in range(3):  # the damaged one, then its fallbacks
                try:
                    return read(snapshot.state), snapshot
                except Exception:
                    problem = checksum_problem(self.store.root / snapshot.name, snapshot.manifest)
                    if problem is None:
                        raise  # a bug, not damage
                    snapshot.state.problem = problem
                snapshot = self.snapshot()
            return read(snapshot.state), snapshot

    def _intact(self, snapshot: Snapshot) -> bool:
        """Whether `snapshot` may still be served: not found damaged, and its
        files untouched since opening (or touched but still matching)."""
        generation = snapshot.state
        if generation.problem is None and generation.watch.changed():
            folder = self.store.root / snapshot.name
            generation.problem = checksum_problem(folder, snapshot.manifest)
            generation.watch.accept()
        return generation.problem is None

    def _mark_damaged(self, name: str, problem: str) -> None:
        folder = self.store.root / name
        try:
            manifest = self.store.manifest(folder)
        except (OSError, ValueError):
            manifest = {}
        self._damaged[name] = Damaged(problem, FileWatch(folder, manifest))

    def _forget_repaired(self) -> set[str]:
        """Give the damaged generations whose files changed another chance."""
        repaired = {name for name, damaged in self._damaged.items() if damaged.watch.changed()}
        for name in repaired:
            del self._damaged[name]
        return repaired

    def _open_checked(self, folder: Path, in_full: bool) -> Snapshot:
        """`_open_folder`, and with `in_full` its checksums verified first."""
        opened = self._open_folder(folder)
        problem = checksum_problem(folder, opened.manifest) if in_full else None
        if problem is not None:
            opened.state.searcher.close()
            raise IndexCorruptError(problem)
        return opened

    def _fall_back(self, name: str) -> Snapshot:
        """Serve the newest older generation that verifies, the live one
        `name` being damaged; `IndexCorruptError` when there is none."""
        problem = self._damaged[name].problem
        current = self._open
        if current is None or current.name == name or not self._intact(current):
            if current is not None and current.state.problem:
                self._mark_damaged(current.name, current.state.problem)
            current = None
            for folder in sorted(self.store.root.glob("gen-*"), reverse=True):
                if folder.name >= name or folder.name in self._damaged:
                    continue
                try:
                    current = self._serve(self._open_checked(folder, True), verified=True)
                    break
                except IndexCorruptError as error:
                    self._mark_damaged(folder.name, error.message)
            if current is None:
                self._serve(None)
                raise IndexCorruptError(problem)
        self.degraded = f"{problem}; serving the previous generation {current.name} meanwhile"
        return current
