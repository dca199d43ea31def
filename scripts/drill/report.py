"""The drill's printed table and verdict (pure: strings from what was observed)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .checks import Check, FaultSeen, Observed
from .options import FAULTS


@dataclass(frozen=True)
class Window:
    """Requests outside every fault: before the first, and during the drain after the last."""

    name: str
    requests: int
    errors: dict[str, int]


def _s(value: float | None, *, none: str = "never") -> str:
    return none if value is None else f"{value:.1f} s"


def fault_table(faults: Sequence[FaultSeen], windows: Sequence[Window]) -> list[str]:
    header = (
        f"{'fault':<31}{'at':>8}{'requests':>10}{'5xx':>6}{'conn':>6}{'4xx':>6}"
        f"{'errors for':>12}{'ok again':>10}{'back after':>12}{'mail again':>12}{'dups':>6}"
    )
    lines = [header, "-" * len(header)]

    def row(name: str, at: str, requests: int, errors: dict[str, int], rest: str) -> str:
        return (
            f"{name:<31}{at:>8}{requests:>10}{errors.get('5xx', 0):>6}{errors.get('connection', 0):>6}"
            f"{errors.get('status', 0):>6}{rest}"
        )

    if windows:
        lines.append(row(windows[0].name, "", windows[0].requests, windows[0].errors, ""))
    for f in faults:
        lines.append(
            row(
                FAULTS[f.key],
                f"+{f.injected_s:.0f} s",
                f.requests,
                dict(f.errors),
                f"{_s(f.errors_for_s, none='-'):>12}{_s(f.ok_again_s):>10}"
                f"{(_s(f.back_s) if f.needs_back else 'n/a'):>12}{_s(f.mail_again_s):>12}{f.duplicates:>6}",
            )
        )
    for w in windows[1:]:
        lines.append(row(w.name, "", w.requests, w.errors, ""))
    lines.append("")
    lines.append(
        "errors for: injection → last failed request in its window; ok again: → first success after that; "
        "back after: → the stopped part running again; mail again: → first confirmation delivered to someone "
        "who signed after the fault ended; dups: emails delivered again in its window"
    )
    for f in faults:
        lines.extend(f"  {f.key}: {note}" for note in f.notes)
        if f.back_what and f.needs_back:
            lines.append(f"  {f.key}: back: {f.back_what}")
    return lines


def totals(seen: Observed, *, started: int, skipped: int, unexpected_mail: int) -> list[str]:
    ack = [s for s in seen.signers if s.acknowledged]
    refused = [s for s in ack if s.refused]
    duplicates = sum(max(0, s.delivered - 1) for s in seen.signers if not s.refused)
    letters = "outbox columns not present"
    if seen.letters is not None:
        by_status: dict[str, int] = {}
        for letter in seen.letters:
            by_status[letter.status] = by_status.get(letter.status, 0) + 1
        letters = ", ".join(f"{k} {v}" for k, v in sorted(by_status.items())) or "no rows"
    return [
        f"journeys started            {started}" + (f" ({skipped} not started: too many in flight)" if skipped else ""),
        f"acknowledged (sign POST → check your email)  {len(ack)}  of which refused addresses {len(refused)}",
        f"signature rows stored       {sum(1 for s in ack if s.row_state is not None)} of {len(ack)} acknowledged"
        f" ({sum(1 for s in seen.signers if s.row_state is not None)} for every signer who reached the POST)",
        f"emailed (at the sink)       {sum(1 for s in seen.signers if s.delivered)} signers, "
        f"{sum(s.delivered for s in seen.signers)} deliveries, {duplicates} beyond the first"
        + (f", {unexpected_mail} to addresses the load does not know" if unexpected_mail else ""),
        f"refused at RCPT (550)       {sum(s.rcpt_refusals for s in refused)} attempts for {len(refused)} addresses",
        f"confirmed                   {sum(1 for s in seen.signers if s.confirmed)}",
        f"verified rows / counted     {seen.verified_rows} / {sum(1 for s in seen.signers if s.counted)}",
        f"count.json                  {seen.shown_count} (baseline {seen.baseline} + verified {seen.verified_rows}); "
        f"stored {seen.stored_count}",
        f"outbox (confirmations)      {letters}",
        f"tasks held at the kill      {seen.held_tasks}"
        + (", reclaimed" if seen.held_tasks and seen.held_reclaimed else ""),
    ]


def check_lines(checks: Sequence[Check]) -> list[str]:
    return [f"{c.status}  {c.name}" + (f": {c.detail}" if c.detail else "") for c in checks]


def verdict(checks: Sequence[Check], wall_seconds: float) -> str:
    failed = [c for c in checks if c.status == "FAIL"]
    skipped = sum(1 for c in checks if c.status == "SKIP")
    passed = len(checks) - len(failed) - skipped
    word = "FAIL" if failed else "PASS"
    return f"drill {word}: {passed} passed, {len(failed)} failed, {skipped} skipped; wall time {wall_seconds:.0f} s"
