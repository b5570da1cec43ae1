"""A small in-process cache whose entries expire: verified credentials, verified tokens, store names.

Bounded so that a flood of distinct valid credentials cannot grow memory without limit: when full, expired
entries are dropped first, then the oldest ones.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class ExpiringCache(Generic[K, V]):
    def __init__(self, max_entries: int = 10_000, clock: Callable[[], float] = time.monotonic) -> None:
        self._entries: dict[K, tuple[V, float]] = {}
        self._max = max_entries
        self._clock = clock

    def get(self, key: K) -> V | None:
        """The value while it is fresh; None (and forgotten) once expired."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        value, until = entry
        if self._clock() >= until:
            self._entries.pop(key, None)
            return None
        return value

    def put(self, key: K, value: V, ttl: float) -> None:
        if ttl <= 0:
            return
        if key not in self._entries and len(self._entries) >= self._max:
            self._make_room()
        self._entries[key] = (value, self._clock() + ttl)

    def pop(self, key: K) -> None:
        self._entries.pop(key, None)

    def discard_where(self, predicate: Callable[[K, V], bool]) -> None:
        """Forget every entry for which `predicate(key, value)` holds."""
        for key in [k for k, (v, _) in self._entries.items() if predicate(k, v)]:
            self._entries.pop(key, None)

    def __len__(self) -> int:
        return len(self._entries)

    def _make_room(self) -> None:
        now = self._clock()
        for key in [k for k, (_, until) in self._entries.items() if until <= now]:
            del self._entries[key]
        # Still full: drop the oldest insertions (dicts keep insertion order).
        excess = len(self._entries) - self._max + 1
        for key in list(self._entries)[: max(excess, 0)]:
            del self._entries[key]
