"""Every named URL of the site, for the tests that must cover them all (the access matrix,
the fuzz suite)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver


def _named_patterns(patterns: list[Any], namespace: str = "") -> Iterator[tuple[str, URLPattern]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}" if namespace and pattern.namespace else pattern.namespace
            yield from _named_patterns(pattern.url_patterns, inner or namespace)
        elif pattern.name:
            yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), pattern


def site_urls() -> dict[str, URLPattern]:
    """Every named URL outside the admin (whose pages are reached per registered model)."""
    return {name: p for name, p in _named_patterns(get_resolver().url_patterns) if not name.startswith("admin:")}
