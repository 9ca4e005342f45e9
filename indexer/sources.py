"""Finding source files and turning their bytes into text.

A corpus folder may hold anything. This module decides, file by file, whether
it can be read (text, Markdown, wiki text, HTML, each optionally gzip-compressed)
and decodes it; everything it cannot read becomes a `Skipped` entry naming the
file and the reason, so one bad file never stops the rest of the corpus.
"""

from __future__ import annotations

import errno
import gzip
import hashlib
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown", ".rst", ".rest", ".wiki", ".mediawiki"}
TEXT_SUFFIXES |= {".html", ".htm", ""}
# A file larger than this (after decompression) is skipped with a reason: one
# huge file should not hold the whole corpus hostage.
MAX_FILE_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True)
class SourceText:
    """A decoded source file."""

    path: Path
    relative_path: str
    text: str
    encoding: str
    size: int
    sha256: str
    warnings: tuple[str, ...] = ()

    @property
    def suffix(self) -> str:
        """The format suffix, ignoring a trailing `.gz`."""
        return format_suffix(self.relative_path)


@dataclass(frozen=True)
class Skipped:
    """A file that was not indexed, and why."""

    relative_path: str
    reason: str


def format_suffix(name: str) -> str:
    """`.md` for `notes.md` and for `notes.md.gz`; `.rst` for Sphinx's `page.rst.txt`."""
    name = name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    if name.endswith(".rst.txt"):
        return ".rst"
    return os.path.splitext(name)[1]


def discover(root: Path) -> Iterator[Path | Skipped]:
    """Yield the candidate files under `root` in a stable (sorted) order.

    Hidden files and folders are ignored. Symlinks are followed only while they
    stay inside `root`, and a folder reached twice (a symlink loop) is skipped.
    """
    root = root.resolve()
    seen_dirs: set[str] = set()

    def walk(folder: Path) -> Iterator[Path | Skipped]:
        real = os.path.realpath(folder)
        if real in seen_dirs:
            yield Skipped(_relative(folder, root), "symlink loop: folder already visited")
            return
        seen_dirs.add(real)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as error:
            yield Skipped(_relative(folder, root), f"cannot list folder: {error.strerror}")
            return
        for entry in entries:
            if not entry.name.startswith("."):
                yield from visit(entry)

    def visit(entry: os.DirEntry) -> Iterator[Path | Skipped]:
        path = Path(entry.path)
        if not _inside(path, root):
            yield Skipped(_relative(path, root), "symlink points outside the source folder")
            return
        try:
            kind = _kind(entry)
        except OSError as error:
            # A symlink that resolves to itself (ELOOP) has no kind at all.
            yield Skipped(_relative(path, root), _link_problem(error))
            return
        if kind == "dir":
            yield from walk(path)
        elif kind == "file" and format_suffix(entry.name) in TEXT_SUFFIXES:
            yield path
        elif kind == "file":
            yield Skipped(_relative(path, root), "unsupported file type")
        elif kind == "broken":
            yield Skipped(_relative(path, root), "broken symlink")

    yield from walk(root)


def _kind(entry: os.DirEntry) -> str | None:
    """dir, file, broken (a dangling symlink) or None (a socket, fifo, …).

    Raises OSError where the link cannot be followed, such as a symlink loop.
    """
    if entry.is_dir(follow_symlinks=True):
        return "dir"
    if entry.is_file(follow_symlinks=True):
        return "file"
    if entry.is_symlink():
        os.stat(entry.path)  # raises ELOOP for a loop; FileNotFoundError if dangling
        return None
    return None


def _link_problem(error: OSError) -> str:
    if error.errno == errno.ELOOP:
        return "symlink loop: the link resolves to itself"
    if isinstance(error, FileNotFoundError):
        return "broken symlink"
    return f"cannot read: {error.strerror or error}"


def read_source(path: Path, root: Path) -> SourceText | Skipped:
    """Read and decode one file, or say why it cannot be indexed."""
    relative = _relative(path, root)
    try:
        raw = _read_bytes(path)
    except FileNotFoundError:
        return Skipped(relative, "file disappeared while indexing")
    except PermissionError:
        return Skipped(relative, "permission denied")
    except (OSError, EOFError, zlib.error, gzip.BadGzipFile) as error:
        return Skipped(relative, f"unreadable: {error}")
    except _TooLarge as error:
        return Skipped(relative, str(error))
    if not raw.strip():
        return Skipped(relative, "empty file")
    decoded = decode(raw)
    if decoded is None:
        return Skipped(relative, "binary file (not text)")
    text, encoding, warnings = decoded
    return SourceText(
        path=path,
        relative_path=relative,
        text=text,
        encoding=encoding,
        size=len(raw),
        sha256=hashlib.sha256(raw).hexdigest(),
        warnings=warnings,
    )


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


class _TooLarge(Exception):
    pass


def _read_bytes(path: Path) -> bytes:
    """The file's bytes, decompressed for .gz, refusing more than MAX_FILE_BYTES."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rb") as stream:
        data = stream.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        limit = MAX_FILE_BYTES // (1024 * 1024)
        raise _TooLarge(f"too large: over {limit} MB of text")
    return data


def _control_ratio(sample: bytes) -> float:
    if not sample:
        return 0.0
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13, 27))
    return controls / len(sample)


def _inside(path: Path, root: Path) -> bool:
    try:
        Path(os.path.realpath(path)).relative_to(root)
    except ValueError:
        return False
    return True


def _relative(path: Path, root: Path) -> str:
    try:
        return Path(os.path.abspath(path)).relative_to(root).as_posix()
    except ValueError:
        return path.name
