"""Fixtures for the core tests."""

from __future__ import annotations

import pytest

from townhall.core import localcache


class CacheClock:
    """Stands in for the monotonic clock the process-local caches measure lifetimes on."""

    def __init__(self) -> None:
        self.now = 1000.0

    def shift(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def cache_clock(monkeypatch: pytest.MonkeyPatch) -> CacheClock:
    """A fake monotonic clock for the process-local caches; tests move it with .shift()."""
    fake = CacheClock()
    monkeypatch.setattr(localcache, "_now", lambda: fake.now)
    return fake
