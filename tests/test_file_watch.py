"""A generation's `FileWatch` sees every way its files can be touched on the
next look, whether the kernel reports the change (inotify) or the watch
compares `stat`s, and in a forked worker as in the process that opened it."""

from __future__ import annotations

import gc
import os
import threading
from pathlib import Path

import pytest

from app.search.file_notices import notices
from app.search.file_watch import FileWatch

NAMES = [f"segment-{i}.seg" for i in range(5)]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for name in NAMES:
        (tmp_path / name).write_bytes(b"x" * 1000)
    return tmp_path


def watch_of(folder: Path) -> FileWatch:
    watch = FileWatch(folder, {"files": {name: 1000 for name in NAMES}})
    assert not watch.changed()
    return watch


def rewrite_in_place(path: Path) -> None:
    with open(path, "r+b") as handle:
        handle.write(b"y")  # same size


def append_to(path: Path) -> None:
    with open(path, "ab") as handle:
        handle.write(b"z")


def replace_by_copy(path: Path) -> None:
    spare = path.with_suffix(".tmp")
    spare.write_bytes(path.read_bytes())
    os.replace(spare, path)


TOUCHES = {
    "rewritten in place": rewrite_in_place,
    "truncated": lambda path: os.truncate(path, 10),
    "appended to": append_to,
    "removed": os.unlink,
    "replaced by a copy": replace_by_copy,
    "its times set back": lambda path: os.utime(path, (1, 1)),
}


@pytest.mark.parametrize("touch", TOUCHES.values(), ids=TOUCHES.keys())
def test_any_touch_shows_on_the_next_look_until_accepted(folder, touch):
    watch = watch_of(folder)
    touch(folder / NAMES[2])
    assert watch.changed()
    assert watch.changed()  # still, until the engine has checked and accepted it
    watch.accept()
    assert not watch.changed()


def test_after_accepting_a_replaced_file_its_next_change_shows_too(folder):
    watch = watch_of(folder)
    replace_by_copy(folder / NAMES[0])
    assert watch.changed()
    watch.accept()
    rewrite_in_place(folder / NAMES[0])  # the new file, not the one first watched
    assert watch.changed()


def test_a_forked_worker_sees_changes_and_leaves_its_parent_seeing_them(folder):
    watch = watch_of(folder)
    child = os.fork()
    if child == 0:  # the worker: its own look, then a write
        seen = [watch.changed()]
        rewrite_in_place(folder / NAMES[3])
        seen.append(watch.changed())
        os._exit(0 if seen == [False, True] else 1)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert watch.changed()


def test_a_missing_file_appearing_shows(folder):
    (folder / NAMES[4]).unlink()
    watch = FileWatch(folder, {"files": {name: 1000 for name in NAMES}})
    assert not watch.changed()
    (folder / NAMES[4]).write_bytes(b"x" * 1000)
    assert watch.changed()


def test_a_watch_collected_while_the_queue_is_busy_does_not_hang_it(folder):
    """A collection may finalize a watch inside any allocation, also one the
    queue makes under its own lock (it once hung a test run that way)."""
    told = notices()
    if told is None:
        pytest.skip("no inotify on this system")
    watch = watch_of(folder)
    watch.cycle = watch  # only the cyclic collector frees it
    del watch
    finished = threading.Event()

    def collect_under_the_lock():
        with told._lock:
            gc.collect()
        finished.set()

    threading.Thread(target=collect_under_the_lock, daemon=True).start()
    assert finished.wait(10), "the collection waited for the lock it ran under"
    told.collect()  # and the queue still works, releasing the watch
    assert not told._released
