"""Memory for the source viewer, per worker process and per index generation.

A file is read and laid out once (`source_window.layout_of`), and a rendered
window once, so repeated views, and eight readers fetching the same huge file
at once, cost a dictionary look-up rather than a re-read. Both caches are
keyed by the generation name, so a rebuild is never answered from the old
text; the old entries age out. Layouts are held
within a byte budget, and so are pages, so neither a few big files nor many
queries can crowd a worker's memory.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

LAYOUT_BYTES = 96 * 1024 * 1024
RENDERED_BYTES = 32 * 1024 * 1024


class BoundedCache:
    """A thread-safe LRU cache bounded by the total `weigh` of its values."""

    def __init__(self, budget: int, weigh: Callable[[Any], int]):
        self.budget = budget
        self.weigh = weigh
        self._items: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._used = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """The value for `key`, made by `make()` (outside the lock) if absent."""
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                return found[0]
        value = make()
        weight = self.weigh(value)
        with self._lock:
            if key not in self._items:
                self._items[key] = (value, weight)
                self._used += weight
            while self._used > self.budget and len(self._items) > 1:
                _, (_, dropped) = self._items.popitem(last=False)
                self._used -= dropped
        return value

    def __len__(self) -> int:
        return len(self._items)


class SourceCache:
    """The two caches of one app: laid-out files and rendered windows."""

    def __init__(self) -> None:
        self.layouts = BoundedCache(LAYOUT_BYTES, weigh=lambda layout: layout.size + 1)
        self.pages = BoundedCache(RENDERED_BYTES, weigh=len)
