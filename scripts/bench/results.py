"""What one backend's run found, typed: `BackendResult` and its parts (frozen; no I/O here).

`run` builds them; `report` turns them into the table and the JSON document. Field names
follow the JSON's keys where a part maps onto one JSON object, so a reader of an older result
file finds each figure under the name it has here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .cpu import CpuUse
from .floor import Floor
from .options import Backend, Reader
from .stats import Latency
from .wrk import WrkRun

# Every kind of request the bench times, in the order the table lists them: the journey's
# five, then the two read phases.
REQUEST_KINDS = (
    "sign GET",
    "sign POST",
    "check-email GET",
    "confirm GET",
    "confirm POST",
    "page GET",
    "count.json GET",
)
BACKEND_NAMES: Mapping[Backend, str] = {"postgres": "PostgreSQL", "sqlite": "SQLite"}


@dataclass(frozen=True)
class History:
    """The older petition's counted signatures loaded before the run (PostgreSQL only)."""

    signatures: int
    petition_id: int | None  # None without history
    seconds: float  # loading and ANALYZE


@dataclass(frozen=True)
class Journeys:
    """The sign → confirm burst. A journey counts once its confirm POST succeeded."""

    signed: int
    confirmed: int
    elapsed_s: float  # first sign started → last confirmation (NaN if none)
    journeys_per_s: float
    signs_per_s: float  # over the signing window only
    end_to_end_p50_s: float
    end_to_end_p99_s: float
    mail_delay_p50_s: float  # signed → its email at the sink
    mail_delay_p99_s: float
    errors: Mapping[str, int]  # failed requests by kind, read phases included
    error_examples: Mapping[str, str]  # the first failure of each kind


@dataclass(frozen=True)
class Emails:
    confirmation_emails: int  # bench signers' confirmation emails at the sink
    emails_per_s: float  # since the burst started
    messages_at_sink: int  # every message the sink took, set-up's petitions' emails included
    unexpected: int  # confirmation emails to nobody the burst signed


@dataclass(frozen=True)
class Count:
    baseline: int  # the bench petition's count before the burst
    final: int  # count.json after the drain
    expected: int  # baseline + confirmed journeys
    lag_after_burst_s: float  # last confirmation → count.json exact (or gave up); NaN if none


@dataclass(frozen=True)
class Reads:
    reader: Reader
    page_req_per_s: float  # successful requests per second
    count_json_req_per_s: float
    wrk_runs: Mapping[str, WrkRun]  # by request kind, when wrk drove the phases


@dataclass(frozen=True)
class Check:
    """One exactness check: what must hold after the drain, and whether it did."""

    name: str
    passed: bool


@dataclass(frozen=True)
class BackendResult:
    backend: Backend
    database: Mapping[str, str]  # PostgreSQL's settings, or SQLite's version
    petition_id: int
    setup_s: float
    history: History
    journeys: Journeys
    emails: Emails
    count: Count
    reads: Reads
    latency: Mapping[str, Latency]  # by request kind, each of REQUEST_KINDS
    peak_memory_kib: Mapping[str, int]  # VmHWM by process role
    cpu_journeys: CpuUse  # every started process on its own
    cpu_reads: CpuUse  # web server and task processes grouped, both read phases
    checks: tuple[Check, ...]
    notes: tuple[str, ...]
    floor: Floor | None = None  # PostgreSQL, unless --floor-seconds 0

    @property
    def name(self) -> str:
        return BACKEND_NAMES[self.backend]

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)

    @property
    def app_over_floor(self) -> float | None:
        """The application's journeys/s as a fraction of the database floor's."""
        if self.floor is None:
            return None
        return self.journeys.journeys_per_s / self.floor.journeys_per_s
