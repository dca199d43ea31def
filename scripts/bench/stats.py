"""Latency samples and the percentiles the bench reports (pure functions, tested)."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of already sorted values (p in 0..100); NaN when empty."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


@dataclass
class Recorder:
    """Per request kind: latencies (seconds) of successful requests and counts of failures."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter[str] = field(default_factory=Counter)
    error_examples: dict[str, str] = field(default_factory=dict)

    def ok(self, kind: str, seconds: float) -> None:
        self.latencies[kind].append(seconds)

    def fail(self, kind: str, detail: str) -> None:
        self.errors[kind] += 1
        self.error_examples.setdefault(kind, detail[:300])

    def summary(self, kind: str) -> dict[str, float | int]:
        values = sorted(self.latencies.get(kind, []))
        return {
            "ok": len(values),
            "errors": self.errors.get(kind, 0),
            "p50_ms": percentile(values, 50) * 1000,
            "p90_ms": percentile(values, 90) * 1000,
            "p99_ms": percentile(values, 99) * 1000,
            "max_ms": (values[-1] * 1000) if values else math.nan,
        }
