"""Latency samples and the percentiles the bench reports (pure functions, tested).

Most request kinds are timed one by one in the harness (`Recorder.ok`/`fail`). The read
phases may instead be driven by an external load generator (wrk), which reports its own
percentiles: those are stored whole with `Recorder.measured`, and `summary` returns them as
the same `Latency`, so the table and the JSON do not care which client measured a kind.
"""

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


@dataclass(frozen=True)
class Latency:
    """One request kind's figures: successful requests, failures, latency percentiles (ms; NaN
    without samples) and the program that measured them ("harness" or, e.g., "wrk")."""

    ok: int
    errors: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    measured_by: str


@dataclass
class Recorder:
    """Per request kind: latencies (seconds) of successful requests and counts of failures."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter[str] = field(default_factory=Counter)
    error_examples: dict[str, str] = field(default_factory=dict)
    external: dict[str, Latency] = field(default_factory=dict)

    def ok(self, kind: str, seconds: float) -> None:
        self.latencies[kind].append(seconds)

    def fail(self, kind: str, detail: str) -> None:
        self.errors[kind] += 1
        self.error_examples.setdefault(kind, detail[:300])

    def measured(
        self,
        kind: str,
        *,
        ok: int,
        errors: int,
        p50_ms: float,
        p90_ms: float,
        p99_ms: float,
        max_ms: float,
        by: str,
        error_detail: str = "",
    ) -> None:
        """Percentiles measured by another program (`by`, e.g. "wrk") for `kind`.

        Its failed requests count as errors of `kind`, as the harness's own failures do.
        A kind is measured one way only: mixing samples with a finished distribution
        would give percentiles of neither.
        """
        if self.latencies.get(kind):
            raise ValueError(f"{kind!r} already has latencies timed by the harness")
        self.external[kind] = Latency(
            ok=ok, errors=errors, p50_ms=p50_ms, p90_ms=p90_ms, p99_ms=p99_ms, max_ms=max_ms, measured_by=by
        )
        if errors:
            self.errors[kind] += errors
            self.error_examples.setdefault(kind, f"{by}: {error_detail}"[:300])

    def summary(self, kind: str) -> Latency:
        if kind in self.external:
            return self.external[kind]
        values = sorted(self.latencies.get(kind, []))
        return Latency(
            ok=len(values),
            errors=self.errors.get(kind, 0),
            p50_ms=percentile(values, 50) * 1000,
            p90_ms=percentile(values, 90) * 1000,
            p99_ms=percentile(values, 99) * 1000,
            max_ms=(values[-1] * 1000) if values else math.nan,
            measured_by="harness",
        )
