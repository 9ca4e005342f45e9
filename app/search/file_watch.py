"""Noticing, cheaply and on every request, that an open generation's files
were touched since they were opened.

A full checksum of a generation (`indexer.generations.checksum_problem`)
reads every byte: about 80 ms for WikiText-2, far too slow per request. A
`FileWatch` instead remembers each file's size, inode, modification and
change times when the generation was opened, and `changed()` compares them
with one `stat` per file (a few microseconds each). Any write to a file,
even one that keeps its size, moves its change time, which nobody can set
back; only then does the engine pay for the checksums, once.
"""

from __future__ import annotations

import os
from pathlib import Path

Signature = tuple[tuple[int, int, int, int] | None, ...]


class FileWatch:
    """The files a generation's manifest lists, as they were when opened."""

    def __init__(self, folder: Path, manifest: dict):
        self.folder = Path(folder)
        self.names = sorted(manifest.get("files", {}))
        # Joined once: a `Path` join per file and request cost more than the stats.
        self._paths = [os.path.join(self.folder, name) for name in self.names]
        self._seen = self._signature()

    def changed(self) -> bool:
        """Whether any file was written, replaced or removed since opening
        (or since the last `accept`)."""
        return self._signature() != self._seen

    def accept(self) -> None:
        """Take the files as they are now (they were checked and are intact)."""
        self._seen = self._signature()

    def _signature(self) -> Signature:
        return tuple(map(_stat, self._paths))


def _stat(path: str) -> tuple[int, int, int, int] | None:
    try:
        found = os.stat(path)
    except OSError:
        return None
    return (found.st_size, found.st_ino, found.st_mtime_ns, found.st_ctime_ns)
