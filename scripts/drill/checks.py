"""What the drill saw, and the checks that decide its exit status (pure: no I/O here).

`observe` gathers an `Observed` from the database, the sink, the load and the processes;
`fault_seen` turns one fault's raw times and the request log into its figures; `verdicts`
decides. A check passes, fails, or is skipped with the reason (nothing to check, or the
outbox columns it reads are not there yet).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from .faults import FaultRecord
from .journeys import Outcome, Signer

type Status = Literal["PASS", "FAIL", "SKIP"]
# The outbox statuses a letter ends in, and those it waits in.
SETTLED = {"sent", "refused"}
WAITING = {"queued", "deferred"}


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    detail: str = ""


@dataclass(frozen=True)
class FaultSeen:
    key: str
    injected_s: float  # seconds after the load started
    errors: Mapping[str, int]  # failed requests ending in its window, by result (5xx, connection, status)
    requests: int  # requests ending in its window
    duplicates: int  # deliveries in its window to someone the sink had delivered to already
    errors_for_s: float | None  # injection → its last failed request; None: no failure
    ok_again_s: float | None  # injection → the first success after its last failure; None: never
    back_s: float | None  # injection → the faulted part running again; None: not before the load ended
    back_what: str
    mail_again_s: float | None  # injection → first email to someone who signed after it ended
    needs_back: bool  # the fault stops something that must come back
    notes: tuple[str, ...]


def fault_seen(
    record: FaultRecord,
    *,
    load_started: float,
    outcomes: Sequence[Outcome],
    deliveries: Sequence[tuple[float, tuple[str, ...]]],
    signers: Mapping[str, Signer],
) -> FaultSeen:
    """One fault's figures from the whole run's request log and sink deliveries."""
    t0 = record.injected_at
    window = [o for o in outcomes if t0 <= o.at < record.window_end]
    failures = [o for o in window if o.result != "ok"]
    last_failure = max((o.at for o in failures), default=None)
    ok_again: float | None = 0.0
    if last_failure is not None:
        ok_again = min((o.at - t0 for o in outcomes if o.result == "ok" and o.at > last_failure), default=None)
    seen: Counter[str] = Counter()
    duplicates = 0
    for at, to in sorted(deliveries):
        seen.update(to)
        if t0 <= at < record.window_end and any(seen[address] > 1 for address in to):
            duplicates += 1
    mail_again = None
    if record.ended_at is not None:
        after = record.ended_at
        fresh = {
            email for email, s in signers.items() if not s.refused and s.acknowledged_at and s.acknowledged_at >= after
        }
        mail_again = min((at - t0 for at, to in deliveries if at >= after and fresh.intersection(to)), default=None)
    return FaultSeen(
        key=record.key,
        injected_s=t0 - load_started,
        errors=dict(Counter(o.result for o in failures)),
        requests=len(window),
        duplicates=duplicates,
        errors_for_s=None if last_failure is None else last_failure - t0,
        ok_again_s=ok_again,
        back_s=None if record.back_at is None else record.back_at - t0,
        back_what=record.back_what,
        mail_again_s=mail_again,
        needs_back=record.key != "refuse",
        notes=tuple(record.notes),
    )


@dataclass(frozen=True)
class SignerSeen:
    email: str
    refused: bool  # the sink refuses the address
    acknowledged: bool  # the sign POST redirected to "check your email"
    delivered: int  # confirmation emails delivered to it at the sink
    rcpt_refusals: int  # times the sink answered 550 for it
    confirmed: bool  # the drill's confirm POST succeeded
    row_state: str | None  # its signature row's state; None: no row
    counted: bool  # its row has counted_at


@dataclass(frozen=True)
class Letter:
    """One row of the outbox table for a drill signer's confirmation."""

    to: str
    status: str
    attempts: int


@dataclass(frozen=True)
class ProcessesSeen:
    web_server_same: bool  # granian's main process is still the one started
    web_workers: int
    web_workers_expected: int
    scheduler_same: bool  # never restarted: it reconnects by itself
    task_worker_alive: bool
    task_worker_starts: int  # 1 + the drill's restarts as its supervisor
    task_worker_starts_expected: int
    database_accepting: bool


@dataclass(frozen=True)
class Observed:
    signers: tuple[SignerSeen, ...]
    baseline: int  # the petition's count before the load (its sponsors)
    shown_count: int | None  # count.json at the end; None if it did not answer
    stored_count: int  # the petition row's signature_count
    verified_rows: int  # verified signature rows of the drill's signers
    letters: tuple[Letter, ...] | None  # None: the outbox table has no status/attempts columns yet
    faults: tuple[FaultSeen, ...]
    interruptions: int  # faults that cut the sender off: task worker killed, database restarted, SMTP gone
    duplicates_per_interruption: int
    processes: ProcessesSeen
    held_tasks: int  # tasks RUNNING when the task worker was killed
    held_reclaimed: bool
    stale_tasks_at_end: int  # RUNNING past the timeout when the drill ended

    @property
    def duplicate_bound(self) -> int:
        return self.interruptions * self.duplicates_per_interruption


def _check(name: str, passed: bool, detail: str = "") -> Check:
    return Check(name, "PASS" if passed else "FAIL", detail)


def _seconds(value: float | None) -> str:
    return "never" if value is None else f"{value:.1f} s"


def verdicts(seen: Observed) -> list[Check]:
    acknowledged = [s for s in seen.signers if s.acknowledged]
    accepted = [s for s in acknowledged if not s.refused]
    refused = [s for s in acknowledged if s.refused]
    emailed = [s for s in seen.signers if s.delivered and not s.refused]
    bound = seen.duplicate_bound
    checks: list[Check] = []

    no_row = [s.email for s in acknowledged if s.row_state is None]
    checks.append(
        _check(
            "every acknowledged signer has a signature row",
            not no_row,
            f"{len(acknowledged)} acknowledged, {len(no_row)} without a row" + _examples(no_row),
        )
    )
    fraud = [s.email for s in seen.signers if s.row_state == "fraudulent"]
    checks.append(_check("no signature caught as fraudulent", not fraud, f"{len(fraud)} caught" + _examples(fraud)))
    unmailed = [s.email for s in accepted if s.delivered == 0]
    checks.append(
        _check(
            "every acknowledged signer the sink accepts received a confirmation email",
            not unmailed,
            f"{len(accepted)} accepted addresses, {len(unmailed)} never mailed" + _examples(unmailed),
        )
    )
    unconfirmed = [s.email for s in emailed if not s.confirmed]
    checks.append(
        _check(
            "every emailed signer could confirm (retrying a failed click)",
            not unconfirmed,
            f"{len(emailed)} emailed, {len(unconfirmed)} could not confirm" + _examples(unconfirmed),
        )
    )
    uncounted = [s.email for s in seen.signers if s.confirmed and (s.row_state != "verified" or not s.counted)]
    checks.append(
        _check(
            "every confirmed signature is verified and counted",
            not uncounted,
            f"{sum(s.confirmed for s in seen.signers)} confirmed, {len(uncounted)} not counted" + _examples(uncounted),
        )
    )
    expected = seen.baseline + seen.verified_rows
    checks.append(
        _check(
            "count.json == baseline + verified signatures",
            seen.shown_count == expected,
            f"count.json {seen.shown_count}, expected {seen.baseline} + {seen.verified_rows} = {expected}",
        )
    )
    checks.append(
        _check(
            "the petition's stored count == baseline + verified signatures",
            seen.stored_count == expected,
            f"stored {seen.stored_count}, expected {expected}",
        )
    )
    duplicates = sum(max(0, s.delivered - 1) for s in seen.signers if not s.refused)
    twice = [s.email for s in seen.signers if not s.refused and s.delivered > 1]
    checks.append(
        _check(
            "no confirmation delivered twice beyond the bound",
            duplicates <= bound,
            f"{duplicates} extra deliveries to {len(twice)} signers; bound {bound} "
            f"({seen.duplicates_per_interruption} per interruption × {seen.interruptions})" + _examples(twice),
        )
    )
    if not refused:
        checks.append(Check("refused addresses: nothing delivered, never tried again", "SKIP", "no refused signer"))
    else:
        delivered = sum(s.delivered for s in refused)
        retries = sum(max(0, s.rcpt_refusals - 1) for s in refused)
        checks.append(
            _check(
                "refused addresses: nothing delivered, never tried again",
                delivered == 0 and retries <= bound,
                f"{len(refused)} refused signers, {delivered} delivered, "
                f"{sum(s.rcpt_refusals for s in refused)} RCPT attempts ({retries} retries; bound {bound})",
            )
        )
    checks.extend(_outbox_checks(seen, refused))
    checks.extend(_fault_checks(seen))
    checks.append(_processes_check(seen.processes))
    if seen.held_tasks == 0:
        checks.append(
            Check("tasks held by the killed task worker were reclaimed", "SKIP", "it held no task when killed")
        )
    else:
        checks.append(
            _check(
                "tasks held by the killed task worker were reclaimed",
                seen.held_reclaimed,
                f"{seen.held_tasks} held",
            )
        )
    checks.append(
        _check(
            "no task left running past the timeout",
            seen.stale_tasks_at_end == 0,
            f"{seen.stale_tasks_at_end} stale",
        )
    )
    return checks


def _outbox_checks(seen: Observed, refused: list[SignerSeen]) -> list[Check]:
    names = (
        "permanent refusals recorded in the outbox ('refused', one attempt)",
        "outbox settled: nothing queued, deferred or failed",
    )
    if seen.letters is None:
        return [Check(name, "SKIP", "outbox columns not present") for name in names]
    by_address: dict[str, list[Letter]] = {}
    for letter in seen.letters:
        by_address.setdefault(letter.to.lower(), []).append(letter)
    checks = []
    if not refused:
        checks.append(Check(names[0], "SKIP", "no refused signer"))
    else:
        wrong = [
            s.email
            for s in refused
            if not by_address.get(s.email)
            or any(x.status != "refused" or x.attempts > 1 + seen.duplicate_bound for x in by_address[s.email])
        ]
        checks.append(
            _check(names[0], not wrong, f"{len(refused)} refused signers, {len(wrong)} not recorded" + _examples(wrong))
        )
    statuses = Counter(letter.status for letter in seen.letters)
    unsettled = sum(n for status, n in statuses.items() if status not in SETTLED)
    checks.append(_check(names[1], unsettled == 0, ", ".join(f"{k} {v}" for k, v in sorted(statuses.items()))))
    return checks


def _fault_checks(seen: Observed) -> list[Check]:
    back = [f for f in seen.faults if f.needs_back]
    not_back = [f.key for f in back if f.back_s is None]
    not_ok = [f.key for f in seen.faults if f.ok_again_s is None]
    no_mail = [f.key for f in seen.faults if f.mail_again_s is None]
    return [
        _check(
            "each stopped part came back (respawned, restarted, listening)",
            not not_back,
            ", ".join(f"{f.key} {_seconds(f.back_s)}" for f in back),
        ),
        _check(
            "requests succeed again after each fault",
            not not_ok,
            ", ".join(f"{f.key} {_seconds(f.ok_again_s)}" for f in seen.faults),
        ),
        _check(
            "mail flows again after each fault",
            not no_mail,
            ", ".join(f"{f.key} {_seconds(f.mail_again_s)}" for f in seen.faults),
        ),
    ]


def _processes_check(p: ProcessesSeen) -> Check:
    problems = []
    if not p.web_server_same:
        problems.append("granian's main process is gone")
    if p.web_workers != p.web_workers_expected:
        problems.append(f"{p.web_workers} of {p.web_workers_expected} web workers")
    if not p.scheduler_same:
        problems.append("the scheduler stopped")
    if not p.task_worker_alive or p.task_worker_starts != p.task_worker_starts_expected:
        problems.append(
            f"task worker {'running' if p.task_worker_alive else 'stopped'}, started {p.task_worker_starts} "
            f"time(s), expected {p.task_worker_starts_expected}"
        )
    if not p.database_accepting:
        problems.append("PostgreSQL not accepting connections")
    return _check(
        "every process running at the end, none restarted by hand",
        not problems,
        "; ".join(problems)
        or f"granian + {p.web_workers} workers, scheduler, task worker (started {p.task_worker_starts}×), PostgreSQL",
    )


def _examples(emails: list[str]) -> str:
    return f" (e.g. {', '.join(sorted(emails)[:3])})" if emails else ""
