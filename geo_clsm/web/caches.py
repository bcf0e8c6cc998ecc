"""Rendered answers kept in memory by data version, with a bound.

A cache keyed by an object's ``id()`` keeps serving a stale answer when a new object reuses the
id of a freed one, and one keyed by engine never forgets the old engines' answers. Here every
entry is filed under the data version that produced it (:func:`geo_clsm.web.deps.data_version`, the
``X-Data-Version`` of the answer): only the ``versions`` most recent versions are kept (an older
one is dropped whole as soon as a newer one is filed), and at most ``per_version`` entries each
(the oldest first). A request still running on the previous engine files its answer under the
previous version, where no request on the new engine looks.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class VersionedCache(Generic[V]):
    """``get_or_make(version, key, make)``: thread-safe, bounded by versions and entries per version."""

    def __init__(self, *, versions: int = 2, per_version: int = 64) -> None:
        self.versions = versions
        self.per_version = per_version
        self._data: OrderedDict[str, OrderedDict[Hashable, V]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, version: str, key: Hashable) -> V | None:
        with self._lock:
            entries = self._data.get(version)
            if entries is None or key not in entries:
                return None
            entries.move_to_end(key)
            return entries[key]

    def put(self, version: str, key: Hashable, value: V) -> None:
        with self._lock:
            entries = self._data.get(version)
            if entries is None:
                entries = self._data[version] = OrderedDict()
                while len(self._data) > self.versions:
                    self._data.popitem(last=False)  # the oldest version, whole
            else:
                self._data.move_to_end(version)
            entries[key] = value
            entries.move_to_end(key)
            while len(entries) > self.per_version:
                entries.popitem(last=False)

    def get_or_make(self, version: str, key: Hashable, make: Callable[[], V]) -> V:
        """The cached value, or ``make()``'s (computed outside the lock: two requests may both compute)."""
        hit = self.get(version, key)
        if hit is not None:
            return hit
        value = make()
        self.put(version, key, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        with self._lock:
            return sum(len(e) for e in self._data.values())

    def version_count(self) -> int:
        with self._lock:
            return len(self._data)
