"""One file's bytes, read so that no file can block or flood a build.

A file is opened without blocking and read only when `fstat` on the open
descriptor says it is a regular file, so a FIFO (even one swapped in after
the folder was listed), a socket or a device is refused at once instead of
waiting for a writer for ever. At most `MAX_FILE_BYTES` are read, after
decompression for `.gz`. `decode` then turns text bytes into a string.
"""

from __future__ import annotations

import gzip
import os
import stat
from pathlib import Path

# A file larger than this (after decompression) is skipped with a reason: one
# huge file should not hold the whole corpus hostage.
MAX_FILE_BYTES = 32 * 1024 * 1024


class Unreadable(Exception):
    """A file that is not read at all: too large, or not a regular file."""


def read_bytes(path: Path) -> bytes:
    """The file's bytes, decompressed for .gz, refusing more than MAX_FILE_BYTES.

    The file is opened without blocking and read only if it is a regular
    file: a FIFO put in a file's place after the folder was listed would
    otherwise block the build (and its lock) in `open` for ever.
    """
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    with open(descriptor, "rb", closefd=True) as stream:
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            raise Unreadable(f"not a regular file ({special_kind(mode)})")
        if path.name.lower().endswith(".gz"):
            with gzip.GzipFile(fileobj=stream, mode="rb") as unzipped:
                data = unzipped.read(MAX_FILE_BYTES + 1)
        else:
            data = stream.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        limit = MAX_FILE_BYTES // (1024 * 1024)
        raise Unreadable(f"too large: over {limit} MB of text")
    return data


def _control_ratio(sample: bytes) -> float:
    if not sample:
        return 0.0
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13, 27))
    return controls / len(sample)


def special_kind(mode: int) -> str:
    """What a file that is not a regular file is, for a reason a person reads."""
    if stat.S_ISFIFO(mode):
        return "FIFO"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    return "special file"


def decode(raw: bytes) -> tuple[str, str, tuple[str, ...]] | None:
    """Decode bytes as UTF-8 (BOM or not), UTF-16 with a BOM, or cp1252.

    Returns None for binary content. cp1252 is the fallback for legacy files
    and is reported as a warning, since a few characters may be wrong.
    """
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16"), "utf-16", ()
        except UnicodeDecodeError:
            return None
    if b"\x00" in raw[:8192] or _control_ratio(raw[:8192]) > 0.05:
        return None
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8"), "utf-8", ()
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
        return text, "cp1252", ("not valid UTF-8: read as cp1252",)
