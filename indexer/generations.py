"""Index generations: how a rebuild replaces the live index without a reader
ever seeing half of one.

Layout of an index folder::

    CURRENT            name of the live generation, replaced atomically
    .lock              held (flock) by the one build allowed at a time
    gen-000007/        the live generation: a Whoosh index plus manifest.json
    gen-000006/        the previous one, kept for readers still on it
    .building-000008-4242/   a build under way (or the leftover of a killed one)
    .CURRENT.4242      the next CURRENT being written (or a killed build's leftover)

A build writes into a `.building-*` folder, seals it (`seal`: the manifest
records every file's size and SHA-256), renames it to `gen-*` and only
then points CURRENT at it (write a temp file, fsync, `os.replace`). A crash
at any moment leaves CURRENT on a complete generation; the next build, holding
the lock, removes the leftovers. Old generations are pruned, keeping the
previous one.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

from indexer.errors import IndexCorruptError, IndexLockedError, KavoshError, NoIndexError
from indexer.schema import SCHEMA_VERSION

CURRENT = "CURRENT"
MANIFEST = "manifest.json"
# A cryptographic hash is not needed against accidents, but SHA-256 costs
# little (80 ms for WikiText-2's 57 MB segment here; zlib.crc32 30 ms,
# BLAKE2b 130 ms), is in every Python and has no doubtful collisions.
CHECKSUM = "sha256"
_GENERATION = re.compile(r"^gen-(\d{6})$")
_BUILDING = re.compile(r"^\.building-(\d{6})-\d+$")
_NEXT_CURRENT = re.compile(rf"^\.{CURRENT}\.\d+$")


class GenerationStore:
    """The generations in one index folder."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def current(self) -> Path:
        """The live generation's folder; `NoIndexError` when there is none."""
        try:
            name = (self.root / CURRENT).read_text("utf-8").strip()
        except (FileNotFoundError, NotADirectoryError):
            raise NoIndexError(self.root) from None
        folder = self.root / name
        if not _GENERATION.match(name) or not folder.is_dir():
            raise NoIndexError(self.root, f"CURRENT names a missing generation ({name!r})")
        return folder

    def current_name(self) -> str | None:
        try:
            return (self.root / CURRENT).read_text("utf-8").strip() or None
        except (FileNotFoundError, NotADirectoryError):
            return None

    def exists(self) -> bool:
        try:
            self.current()
        except NoIndexError:
            return False
        return True

    def manifest(self, folder: Path | None = None) -> dict:
        folder = folder or self.current()
        return json.loads((folder / MANIFEST).read_text("utf-8"))

    def checked_manifest(self, folder: Path) -> dict:
        """The manifest of generation `folder`, if this version of Kavosh can
        serve it: built by this schema version, every file the size the build
        wrote. The one answer to "is this generation usable?".

        :raises IndexCorruptError: it was built by another version or is damaged.
        :raises OSError, ValueError: its manifest cannot be read.
        """
        manifest = self.manifest(folder)
        if manifest.get("schema_version") != SCHEMA_VERSION:
            raise IndexCorruptError(
                f"the index in {folder} was built by another version of Kavosh: "
                "run `kavosh index` to rebuild it"
            )
        problem = size_problem(folder, manifest)
        if problem:
            raise IndexCorruptError(problem)
        return manifest

    def usable(self) -> bool:
        """Whether the live generation can be served (see `checked_manifest`)."""
        try:
            self.checked_manifest(self.current())
        except (KavoshError, OSError, ValueError, AttributeError):
            return False
        return True

    @contextlib.contextmanager
    def lock(self, timeout: float = 60.0) -> Iterator[None]:
        """Serialize builds: wait up to `timeout` seconds for another to finish."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "a+") as handle:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise IndexLockedError(self.root, timeout) from None
                    time.sleep(0.1)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    @contextlib.contextmanager
    def new_generation(self) -> Iterator[tuple[Path, str]]:
        """A folder to build into, and the name it will be published under;
        published when the block exits cleanly.

        Must be used while holding `lock()`. On any exception (or signal) the
        partial folder is removed and CURRENT is left as it was.
        """
        self.remove_leftovers()
        number = self._next_number()
        building = self.root / f".building-{number:06d}-{os.getpid()}"
        building.mkdir(parents=True)
        final = self.root / f"gen-{number:06d}"
        try:
            yield building, final.name
            _fsync_tree(building)
            os.replace(building, final)
            self._point_current_at(final.name)
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise
        self.prune()

    def remove_leftovers(self) -> list[str]:
        """Delete what builds that never finished left (only under the lock):
        their folders, and a CURRENT never switched to (a kill between the
        rename and the switch)."""
        removed = []
        for entry in self.root.iterdir():
            if _BUILDING.match(entry.name):
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(entry.name)
            elif _NEXT_CURRENT.match(entry.name):
                entry.unlink(missing_ok=True)
                removed.append(entry.name)
        return removed

    def prune(self, keep: int = 2) -> None:
        """Keep the live generation and the one before it."""
        live = self.current_name()
        generations = sorted(e.name for e in self.root.iterdir() if _GENERATION.match(e.name))
        keepers = set(generations[-keep:]) | {live}
        for name in generations:
            if name not in keepers:
                shutil.rmtree(self.root / name, ignore_errors=True)

    def _next_number(self) -> int:
        numbers = [0]
        for entry in self.root.iterdir():
            match = _GENERATION.match(entry.name) or _BUILDING.match(entry.name)
            if match:
                numbers.append(int(match.group(1)))
        return max(numbers) + 1

    def _point_current_at(self, name: str) -> None:
        temporary = self.root / f".{CURRENT}.{os.getpid()}"
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(name + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.root / CURRENT)
        _fsync_dir(self.root)


def seal(folder: Path, manifest: dict) -> None:
    """Write `manifest` into the generation `folder`, recording the size and
    checksum of every other file in it, so that a reader can tell a damaged
    generation: sizes cheaply, on every request (`size_problem`), checksums
    when it opens one or a read fails (`checksum_problem`)."""
    names = [
        p.name
        for p in sorted(folder.iterdir())
        if p.is_file() and p.name != MANIFEST and not p.name.endswith("WRITELOCK")
    ]
    manifest["files"] = {name: (folder / name).stat().st_size for name in names}
    manifest["checksum"] = CHECKSUM
    manifest["checksums"] = {name: checksum_of(folder / name) for name in names}
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")


def checksum_of(path: Path) -> str:
    digest = hashlib.new(CHECKSUM)
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def size_problem(folder: Path, manifest: dict) -> str | None:
    """How a file of generation `folder` differs in size from its manifest, or None."""
    for name, size in manifest.get("files", {}).items():
        try:
            actual = (folder / name).stat().st_size
        except OSError:
            actual = None
        if actual != size:
            found = "missing" if actual is None else f"{actual:,} bytes"
            return _damaged(folder, f"{name} is {found}, expected {size:,} bytes")
    return None


def checksum_problem(folder: Path, manifest: dict) -> str | None:
    """How generation `folder` differs from its manifest in sizes or
    contents, or None. Reads every file (about 80 ms for WikiText-2)."""
    problem = size_problem(folder, manifest)
    if problem or manifest.get("checksum") != CHECKSUM:  # built before checksums
        return problem
    for name, expected in manifest.get("checksums", {}).items():
        try:
            actual = checksum_of(folder / name)
        except OSError as error:
            return _damaged(folder, f"{name} cannot be read: {error.strerror or error}")
        if actual != expected:
            return _damaged(folder, f"{name} does not match its {CHECKSUM} checksum")
    return None


def _damaged(folder: Path, detail: str) -> str:
    return (
        f"the index generation {folder.name} is damaged ({detail}): "
        "run `kavosh index` to rebuild it"
    )


def _fsync_tree(folder: Path) -> None:
    for path in folder.iterdir():
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
