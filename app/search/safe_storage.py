"""Whoosh storage for a serving process: a generation's files are read with
`os.pread`, never memory-mapped, so a file damaged while it is served raises
an exception in the request that reads it instead of killing the worker.

Why not Whoosh's own storages:

- the default `FileStorage` maps each segment (`mmap`). A segment truncated
  while mapped kills the process that touches the lost pages with SIGBUS, and
  with gunicorn's `--preload` every replacement worker inherits the same
  mapping from the master and dies the same way, about 20 times a second;
- `FileStorage(supports_mmap=False)` reads through one buffered file object
  per segment, whose offset lives in the kernel's open file description. The
  workers forked from the master share that description, so one worker's
  `seek` moves the other's `read`: wrong bytes, silently.

`PositionalFile` keeps its own offset (a copy per forked process) and reads
with `pread`, so nothing is shared but the descriptor. A read that the file
no longer holds (it was truncated since it was opened) raises
`DamagedFileError` at once, with the file's name, rather than handing Whoosh
short data to misdecode. A small read-ahead buffer keeps Whoosh's many tiny
reads (a varint is one byte) from each being a system call.
"""

from __future__ import annotations

import os

from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile

# Bytes read ahead per system call: postings blocks and stored fields are a
# few kilobytes; the page cache makes a larger read nearly free.
READ_AHEAD = 64 * 1024


class DamagedFileError(OSError):
    """A file of a generation no longer holds bytes it held when opened."""


class PositionalFile:
    """A read-only file with its own position, read by `os.pread`."""

    def __init__(self, path: str):
        self.name = path
        self._descriptor = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        self._length = os.fstat(self._descriptor).st_size  # what Whoosh may read
        self._position = 0
        self._buffer = b""
        self._buffer_start = 0
        self.closed = False

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            size = self._length - self._position
        size = max(0, min(size, self._length - self._position))
        offset = self._position - self._buffer_start
        if 0 <= offset and offset + size <= len(self._buffer):
            data = self._buffer[offset : offset + size]
        else:
            wanted = min(max(size, READ_AHEAD), self._length - self._position)
            self._buffer = os.pread(self._descriptor, wanted, self._position)
            self._buffer_start = self._position
            if len(self._buffer) < size:
                self._buffer = b""
                raise DamagedFileError(
                    f"{os.path.basename(self.name)} is shorter than when it was opened "
                    f"({self._length:,} bytes)"
                )
            data = self._buffer[:size]
        self._position += size
        return data

    def readline(self) -> bytes:
        line = bytearray()
        while chunk := self.read(1):
            line += chunk
            if chunk == b"\n":
                break
        return bytes(line)

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._position, os.SEEK_END: self._length}
        self._position = base[whence] + offset
        return self._position

    def tell(self) -> int:
        return self._position

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._buffer = b""
            os.close(self._descriptor)


class PositionalStorage(FileStorage):
    """A read-only `FileStorage` whose files are `PositionalFile`s (no mmap)."""

    def __init__(self, folder: str):
        super().__init__(folder, supports_mmap=False, readonly=True)

    def open_file(self, name, **kwargs):
        return StructFile(PositionalFile(self._fpath(name)), name=name, **kwargs)
