"""Noticing, cheaply and on every request, that an open generation's files
were touched since they were opened.

A full checksum of a generation (`indexer.generations.checksum_problem`)
reads every byte: about 80 ms for WikiText-2, far too slow per request. A
`FileWatch` instead remembers each file's size, inode, modification and
change times when the generation was opened, and `changed()` compares them
with one `stat` per file (a few microseconds each). Any write to a file,
even one that keeps its size, moves its change time, which nobody can set
back; only then does the engine pay for the checksums, once.

Where the kernel tells of changes (`file_notices`, Linux inotify), the
stats are taken only after it reported an event on the folder or one of its
files: the next request after any write still compares, the others read one
empty queue. A write the kernel does not report (through a shared memory
map, or from another host over NFS) is caught by the stats taken at least
every `RECHECK_SECONDS` anyway.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from app.search.file_notices import Flag, Notices, notices

Signature = tuple[tuple[int, int, int, int] | None, ...]
# Seconds after which the files are compared again even without an event.
RECHECK_SECONDS = 1.0


class FileWatch:
    """The files a generation's manifest lists, as they were when opened."""

    def __init__(self, folder: Path, manifest: dict):
        self.folder = Path(folder)
        self.names = sorted(manifest.get("files", {}))
        # Joined once: a `Path` join per file and request cost more than the stats.
        self._paths = [os.path.join(self.folder, name) for name in self.names]
        self._notices: Notices | None = None
        self._watched: list[int] = []
        self._armed_in: int | None = None  # the process that last tried to watch
        self._flag = Flag()
        self._arm()  # before the stats: a write after them is reported
        self._seen = self._signature()
        self._differs = False
        self._compared_at = time.monotonic()

    def changed(self) -> bool:
        """Whether any file was written, replaced or removed since opening
        (or since the last `accept`)."""
        told = self._notices
        if told is None or told.pid != os.getpid():  # none, or the parent's (forked)
            if self._armed_in != os.getpid():
                self._arm()
            return self._compare()
        told.collect()
        if self._flag.raised or time.monotonic() - self._compared_at > RECHECK_SECONDS:
            return self._compare()
        return self._differs

    def accept(self) -> None:
        """Take the files as they are now (they were checked and are intact)."""
        self._arm()  # a replaced file is a new inode, to be watched anew
        self._flag.raised = False
        self._seen = self._signature()
        self._differs = False
        self._compared_at = time.monotonic()

    def _compare(self) -> bool:
        self._flag.raised = False  # before the stats: an event during them raises it again
        self._differs = self._signature() != self._seen
        self._compared_at = time.monotonic()
        return self._differs

    def _arm(self) -> None:
        """Watch the folder and every file anew; with any of them missing (or
        no inotify), stay without notices, comparing on every call."""
        self._disarm()
        self._armed_in = os.getpid()
        told = notices()
        if told is None:
            return
        paths = [str(self.folder), *self._paths]
        watched = told.watch(paths, self._flag)
        if len(watched) < len(paths):
            told.unwatch(watched, self._flag)
            return
        self._notices, self._watched = told, watched

    def _disarm(self) -> None:
        told, self._notices = self._notices, None
        if told is not None and told.pid == os.getpid():
            told.unwatch(self._watched, self._flag)
        self._watched = []

    def __del__(self) -> None:
        # Never the lock here: a collection may run this under it.
        told = self._notices
        if told is not None and told.pid == os.getpid():
            told.release(self._watched, self._flag)

    def _signature(self) -> Signature:
        return tuple(map(_stat, self._paths))


def _stat(path: str) -> tuple[int, int, int, int] | None:
    try:
        found = os.stat(path)
    except OSError:
        return None
    return (found.st_size, found.st_ino, found.st_mtime_ns, found.st_ctime_ns)
