"""Finding source files and turning their bytes into text.

A corpus folder may hold anything, and is kept the way people keep folders.
The walk (`discover`) skips what is not the reader's writing: hidden folders,
`.git`, `node_modules`, `__pycache__`, virtual environments and build
outputs, and whatever `.kavoshignore` (gitignore syntax) or `--exclude`
names. Files of types Kavosh does not read (images, fonts, archives, source
code) are `Unread`: counted by extension, never failures. A file of a
readable type that cannot be read becomes a `Skipped` entry naming it and
the reason, so one bad file never stops the rest of the corpus.

`read_source` is the one way to get a file's text, for the build and for the
source viewer alike: decoded text (each text format optionally
gzip-compressed), or for PDF and Word the extracted text that citations
count in, with its page starts. Files are opened without blocking and read
only if they are regular files, so a FIFO never hangs a build; binary
formats are extracted within a time and memory budget (`indexer.budget`).
"""

from __future__ import annotations

import errno
import gzip
import hashlib
import os
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pathspec

from indexer.blocks import ParsedDocument
from indexer.budget import Budget, OverBudget, ParseFailed, within_budget
from indexer.filebytes import MAX_FILE_BYTES, Unreadable, decode, read_bytes, special_kind

__all__ = [
    "BINARY_SUFFIXES",
    "DEFAULT_BUDGET",
    "MAX_FILE_BYTES",
    "TEXT_SUFFIXES",
    "Skipped",
    "SourceText",
    "Unread",
    "decode",
    "discover",
    "format_suffix",
    "ignore_spec",
    "read_source",
    "readable",
]

TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown", ".rst", ".rest", ".wiki", ".mediawiki"}
TEXT_SUFFIXES |= {".html", ".htm", ""}
# Read through an extractor, in a child process within the parse budget.
BINARY_SUFFIXES = {".pdf", ".docx"}
# Folders that hold tools' output rather than anyone's writing (hidden
# folders, `.git` and `.tox` among them, are skipped too).
SKIPPED_FOLDERS = {
    "node_modules",
    "__pycache__",
    "build",
    "dist",
    "_build",
    "target",
    "site-packages",
}
IGNORE_FILE = ".kavoshignore"
DEFAULT_BUDGET = Budget()


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
    # Character offsets where each page of `text` starts (PDF); empty for
    # formats without pages. Lines of a paged file are counted per page.
    pages: tuple[int, ...] = ()
    # The structure a binary format's extractor found (headings, blocks);
    # None for text formats, which are parsed from `text`.
    parsed: ParsedDocument | None = None

    @property
    def suffix(self) -> str:
        """The format suffix, ignoring a trailing `.gz`."""
        return format_suffix(self.relative_path)


@dataclass(frozen=True)
class Skipped:
    """A file that was not indexed, and why."""

    relative_path: str
    reason: str


@dataclass(frozen=True)
class Unread:
    """A file of a type Kavosh does not read (an image, a font, code): not
    a failure, only counted by its extension."""

    relative_path: str

    @property
    def extension(self) -> str:
        """`.png`; `.tar.gz` for a compressed file of a type not read."""
        suffix = format_suffix(self.relative_path)
        if suffix and self.relative_path.lower().endswith(".gz"):
            suffix += ".gz"
        return suffix or ".gz"


def readable(name: str) -> bool:
    """Whether Kavosh reads files of this name's type."""
    suffix = format_suffix(name)
    return suffix in TEXT_SUFFIXES or suffix in BINARY_SUFFIXES


def format_suffix(name: str) -> str:
    """`.md` for `notes.md` and for `notes.md.gz`; `.rst` for Sphinx's `page.rst.txt`."""
    name = name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    if name.endswith(".rst.txt"):
        return ".rst"
    return os.path.splitext(name)[1]


def discover(root: Path, exclude: Iterable[str] = ()) -> Iterator[Path | Skipped | Unread]:
    """Yield the candidate files under `root` in a stable (sorted) order.

    Hidden files and folders, `SKIPPED_FOLDERS`, virtual environments (a
    folder with `pyvenv.cfg`) and what `.kavoshignore` or `exclude` match
    (gitignore syntax, relative to `root`) are left out silently. Symlinks
    are followed only while they stay inside `root`, and a folder reached
    twice (a symlink loop) is skipped.
    """
    root = root.resolve()
    ignored = ignore_spec(root, exclude)
    seen_dirs: set[str] = set()

    def walk(folder: Path) -> Iterator[Path | Skipped | Unread]:
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

    def visit(entry: os.DirEntry) -> Iterator[Path | Skipped | Unread]:
        path = Path(entry.path)
        relative = _relative(path, root)
        if not _inside(path, root):
            yield Skipped(relative, "symlink points outside the source folder")
            return
        try:
            kind = _kind(entry)
        except OSError as error:
            # A symlink that resolves to itself (ELOOP) has no kind at all.
            yield Skipped(relative, _link_problem(error))
            return
        if kind == "dir":
            if not _tool_folder(path) and not ignored.match_file(relative + "/"):
                yield from walk(path)
        elif ignored.match_file(relative):
            return
        elif kind == "file":
            yield path if readable(entry.name) else Unread(relative)
        elif kind != "gone":
            yield Skipped(relative, f"not a regular file ({kind})")

    yield from walk(root)


def ignore_spec(root: Path, exclude: Iterable[str] = ()) -> pathspec.PathSpec:
    """The patterns of `root/.kavoshignore` and `exclude`, in gitignore syntax."""
    lines: list[str] = []
    try:
        lines = (root / IGNORE_FILE).read_text("utf-8", errors="replace").splitlines()
    except OSError:
        pass
    return pathspec.GitIgnoreSpec.from_lines([*lines, *exclude])


def _tool_folder(path: Path) -> bool:
    """A folder of tools' output: build outputs, caches, a virtual environment."""
    return path.name in SKIPPED_FOLDERS or (path / "pyvenv.cfg").is_file()


def _kind(entry: os.DirEntry) -> str:
    """dir, file, broken (a dangling symlink), or what else it is (FIFO, …).

    Raises OSError where the link cannot be followed, such as a symlink loop.
    """
    if entry.is_dir(follow_symlinks=True):
        return "dir"
    if entry.is_file(follow_symlinks=True):
        return "file"
    try:
        mode = entry.stat(follow_symlinks=True).st_mode
    except FileNotFoundError:
        if entry.is_symlink():
            os.stat(entry.path)  # raises ELOOP for a loop; FileNotFoundError if dangling
        return "gone"  # removed since the folder was listed
    return special_kind(mode)


def _link_problem(error: OSError) -> str:
    if error.errno == errno.ELOOP:
        return "symlink loop: the link resolves to itself"
    if isinstance(error, FileNotFoundError):
        return "broken symlink"
    return f"cannot read: {error.strerror or error}"


def read_source(
    path: Path, root: Path, budget: Budget | None = DEFAULT_BUDGET
) -> SourceText | Skipped:
    """Read one file and return its text, or say why it cannot be indexed.

    This is what citations refer to: for text formats the decoded (and
    decompressed) text; for PDF and Word the extracted text, with `pages`
    holding each page's start offset (PDF) and lines counted per page.

    :param budget: the time and memory a binary format's extraction may
        take (a child process); None extracts in this process.
    """
    relative = _relative(path, root)
    try:
        raw = read_bytes(path)
    except FileNotFoundError:
        return Skipped(relative, "file disappeared while indexing")
    except PermissionError:
        return Skipped(relative, "permission denied")
    except (OSError, EOFError, zlib.error, gzip.BadGzipFile) as error:
        return Skipped(relative, f"unreadable: {error}")
    except Unreadable as error:
        return Skipped(relative, str(error))
    if not raw.strip():
        return Skipped(relative, "empty file")
    fields = {
        "path": path,
        "relative_path": relative,
        "size": len(raw),
        "sha256": hashlib.sha256(raw).hexdigest(),
    }
    if format_suffix(relative) in BINARY_SUFFIXES:
        return _extract(raw, relative, budget, fields)
    decoded = decode(raw)
    if decoded is None:
        return Skipped(relative, "binary file (not text)")
    text, encoding, warnings = decoded
    return SourceText(text=text, encoding=encoding, warnings=warnings, **fields)


def _extract(
    raw: bytes, relative: str, budget: Budget | None, fields: dict
) -> SourceText | Skipped:
    """A PDF's or `.docx`'s extracted text and structure, within `budget`."""
    try:
        extracted = within_budget(budget, _extractor(relative), raw, Path(relative).name)
    except (OverBudget, ParseFailed) as error:
        return Skipped(relative, str(error))
    if not extracted.text.strip():
        return Skipped(relative, "no text")
    return SourceText(
        text=extracted.text,
        encoding="extracted",
        pages=extracted.pages,
        parsed=extracted.document,
        **fields,
    )


def _extractor(relative: str):
    # Imported when needed: a folder without PDFs never loads PDFium.
    if format_suffix(relative) == ".pdf":
        from indexer.formats.pdf import extract_pdf

        return extract_pdf
    from indexer.formats.word import extract_docx

    return extract_docx


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
