"""Being told by the kernel (Linux inotify) that a file changed, instead of
asking with a `stat` per file on every request.

A `FileWatch` (`file_watch`) compares a generation's ~34 files with one
`stat` each on every request: about 100 µs of a WikiText-2 search. With a
`Notices` it reads one queue instead (one `poll`, ~2 µs), and
stats only when the queue says something was written, truncated, replaced,
renamed, removed or had its attributes changed. The kernel queues the event
inside the writer's system call, before it returns, so a request that starts
after a write still sees it.

One inotify instance serves every watch of a process (the kernel allows 128
per user), and a forked worker opens its own: a queue shared with its parent
or siblings would hand each event to whichever process read first. Where
inotify is missing or exhausted, `notices()` is None and the watches stat.
"""

from __future__ import annotations

import collections
import ctypes
import functools
import os
import select
import struct
import threading
import weakref

# Events that may change a file's size, inode or times, or its presence.
_IN_MODIFY, _IN_ATTRIB, _IN_CLOSE_WRITE = 0x2, 0x4, 0x8
_IN_MOVED_FROM, _IN_MOVED_TO, _IN_CREATE, _IN_DELETE = 0x40, 0x80, 0x100, 0x200
_IN_DELETE_SELF, _IN_MOVE_SELF = 0x400, 0x800
CHANGES = (
    _IN_MODIFY
    | _IN_ATTRIB
    | _IN_CLOSE_WRITE
    | _IN_MOVED_FROM
    | _IN_MOVED_TO
    | _IN_CREATE
    | _IN_DELETE
    | _IN_DELETE_SELF
    | _IN_MOVE_SELF
)
_EVENT = struct.Struct("iIII")  # wd, mask, cookie, len (then len bytes of name)


class Flag:
    """Raised by `Notices` when an event touches one of its owner's files."""

    __slots__ = ("raised", "__weakref__")

    def __init__(self) -> None:
        self.raised = True  # a new watch has not compared its files yet


class Notices:
    """One process's inotify queue, and which flags each watched file raises."""

    def __init__(self, fd: int):
        self.fd = fd
        self.pid = os.getpid()
        self._lock = threading.Lock()
        # Asking `poll` whether the queue is empty costs a sixth of a `read`
        # that raises `BlockingIOError` (measured: 1.8 against 11 µs).
        self._poll = select.poll()
        self._poll.register(fd, select.POLLIN)
        self._flags: dict[int, weakref.WeakSet[Flag]] = {}
        # Watches given up without the lock (`release`, from a finalizer that
        # may run inside any allocation, even one made under the lock).
        self._released: collections.deque[tuple[list[int], Flag]] = collections.deque()

    def watch(self, paths: list[str], flag: Flag) -> list[int]:
        """Watch `paths` (files and folders) for `flag`; a missing one is skipped
        (its folder's watch reports it appearing)."""
        watched = []
        with self._lock:
            self._drop_released()
            for path in paths:
                wd = _libc().inotify_add_watch(self.fd, os.fsencode(path), CHANGES)
                if wd >= 0:
                    self._flags.setdefault(wd, weakref.WeakSet()).add(flag)
                    watched.append(wd)
        return watched

    def unwatch(self, wds: list[int], flag: Flag) -> None:
        """Stop watching for `flag`; a file no other flag needs is dropped."""
        with self._lock:
            self._drop(wds, flag)

    def release(self, wds: list[int], flag: Flag) -> None:
        """`unwatch` later, without waiting for the lock (for a finalizer)."""
        self._released.append((wds, flag))

    def _drop_released(self) -> None:
        while self._released:
            self._drop(*self._released.popleft())

    def _drop(self, wds: list[int], flag: Flag) -> None:
        for wd in wds:
            flags = self._flags.get(wd)
            if flags is None:
                continue
            flags.discard(flag)
            if not flags:
                del self._flags[wd]
                _libc().inotify_rm_watch(self.fd, wd)

    def collect(self) -> None:
        """Raise the flags of every file an event since the last call touched."""
        with self._lock:
            if self._released:
                self._drop_released()
            while self._poll.poll(0):
                try:
                    data = os.read(self.fd, 65536)
                except BlockingIOError:
                    return
                offset = 0
                while offset + _EVENT.size <= len(data):
                    wd, _mask, _cookie, length = _EVENT.unpack_from(data, offset)
                    offset += _EVENT.size + length
                    # wd -1: the queue overflowed, so anything may have changed.
                    owners = self._flags.values() if wd == -1 else [self._flags.get(wd, ())]
                    for flags in owners:
                        for flag in flags:
                            flag.raised = True


_lock = threading.Lock()
_current: Notices | None = None
_unavailable_in: int | None = None  # the process where inotify could not open


def notices() -> Notices | None:
    """This process's `Notices`, opened on first use (None without inotify)."""
    global _current, _unavailable_in
    pid = os.getpid()
    current = _current
    if current is not None and current.pid == pid:
        return current
    with _lock:
        if _current is not None and _current.pid == pid:
            return _current
        if _unavailable_in == pid:
            return None
        if _current is not None:  # the parent's queue, inherited by a fork
            os.close(_current.fd)
            _current = None
        try:
            fd = _libc().inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        except (OSError, AttributeError):  # no libc with inotify (not Linux)
            fd = -1
        if fd < 0:
            _unavailable_in = pid
            return None
        _current = Notices(fd)
        return _current


@functools.cache
def _libc():
    return ctypes.CDLL(None, use_errno=True)
