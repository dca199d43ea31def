"""Process-local caches with a short lifetime, for rows read on every request that change
rarely (the scheme, the signer allow/block lists) and for finished public responses.

Each web process keeps its own copy for a few seconds, so a read costs no query and no
round trip to a shared cache. A change made in this process clears its copy at once
(signals or explicit `clear`); other processes pick it up when their copy expires, which
is why every lifetime here is a few seconds and is a setting.

Thread-safe in the way that matters: two threads may both load a missing entry, and the
later store wins; nothing is ever half-written.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Any

_ALL: list[LocalCache[Any]] = []


def _now() -> float:
    """The clock lifetimes are measured on (monotonic; tests replace it)."""
    return time.monotonic()


class LocalCache[V]:
    """A small time-limited map, bounded by `max_entries` (oldest entries dropped first)."""

    def __init__(self, name: str, *, max_entries: int = 512) -> None:
        self.name = name
        self.max_entries = max_entries
        self._entries: dict[Hashable, tuple[float, V]] = {}
        _ALL.append(self)

    def get(self, key: Hashable) -> V | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] <= _now():
            self._entries.pop(key, None)
            return None
        return entry[1]

    def set(self, key: Hashable, value: V, *, seconds: float) -> None:
        if seconds <= 0:
            return
        entries = self._entries
        if key not in entries and len(entries) >= self.max_entries:
            # Dicts keep insertion order: drop the oldest tenth in one go.
            for old in list(entries)[: max(1, self.max_entries // 10)]:
                entries.pop(old, None)
        entries[key] = (_now() + seconds, value)

    def get_or_load(self, key: Hashable, load: Callable[[], V], *, seconds: float) -> V:
        value = self.get(key)
        if value is None:
            value = load()
            self.set(key, value, seconds=seconds)
        return value

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


def clear_all() -> None:
    """Forget every process-local cache (tests call this between cases)."""
    for local in _ALL:
        local.clear()
