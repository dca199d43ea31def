"""Exactness after the drain: every confirmed journey counted once, every signer mailed once.

These checks, not the timings, decide the bench's exit status. `gather` reads what they need
from the database and the SMTP sink; `exactness` decides, from those counts alone. Only the
burst's signatures are looked at: the run's signers have addresses ending ".<run id>@example.org",
unlike the set-up's sponsors and the history petition's signers.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass

from .database import Database
from .load import JourneyLoad
from .results import Check
from .smtp_sink import Sink


@dataclass(frozen=True)
class StateCount:
    """The burst's signatures in one state."""

    signatures: int
    not_sent_once: int  # emails_sent other than 1
    email_pending: int  # still owed their email
    counted: int


@dataclass(frozen=True)
class Observed:
    by_state: Mapping[str, StateCount]
    stored_count: int  # the petition's signature_count column
    shown_count: int  # count.json after the drain
    expected_count: int  # baseline + confirmed journeys
    confirmed: int  # journeys whose confirm POST succeeded
    signed: Set[str]  # emails of journeys whose sign POST succeeded
    mail: Mapping[str, int]  # messages at the sink per burst address

    def note(self) -> str:
        states = {state: c.signatures for state, c in self.by_state.items()}
        return (
            f"bench signatures by state: {states}; emails at sink for them: "
            f"{sum(self.mail.values())} to {len(self.mail)} addresses"
        )


def exactness(seen: Observed) -> tuple[Check, ...]:
    none = StateCount(0, 0, 0, 0)
    verified = seen.by_state.get("verified", none)
    total = sum(c.signatures for c in seen.by_state.values())
    checks = {
        "confirmed journeys == verified signatures in the database": verified.signatures == seen.confirmed,
        "no signature caught as fraudulent": seen.by_state.get("fraudulent", none).signatures == 0,
        "every verified signature counted": verified.counted == verified.signatures,
        "final count == baseline + confirmed journeys (count.json)": seen.shown_count == seen.expected_count,
        "final count == baseline + confirmed journeys (database)": seen.stored_count == seen.expected_count,
        "every signature's confirmation email sent exactly once (database)": all(
            c.not_sent_once == 0 and c.email_pending == 0 for c in seen.by_state.values()
        ),
        # Every signer got mail, nobody got two, and nobody the database does not know of.
        "every signer received exactly one email (SMTP sink)": set(seen.mail) >= seen.signed
        and all(n == 1 for n in seen.mail.values())
        and len(seen.mail) == total,
    }
    return tuple(Check(name, passed) for name, passed in checks.items())


def gather(
    db: Database, load: JourneyLoad, sink: Sink, *, run_id: str, petition_id: int, shown_count: int, expected: int
) -> Observed:
    rows = db.fetch(
        "SELECT state, count(*), SUM(CASE WHEN emails_sent = 1 THEN 0 ELSE 1 END), "
        "SUM(CASE WHEN email_pending THEN 1 ELSE 0 END), SUM(CASE WHEN counted_at IS NULL THEN 0 ELSE 1 END) "
        "FROM signatures_signature WHERE petition_id = ? AND email LIKE ? GROUP BY state",
        (petition_id, f"%.{run_id}@example.org"),
    )
    stored = db.fetch("SELECT signature_count FROM petitions_petition WHERE id = ?", (petition_id,))[0][0]
    return Observed(
        by_state={
            state: StateCount(int(n), int(not_once), int(pending), int(counted))
            for state, n, not_once, pending, counted in rows
        },
        stored_count=int(stored),
        shown_count=shown_count,
        expected_count=expected,
        confirmed=load.confirmed,
        signed={j.email for j in load.journeys if j.signed_at},
        mail={a: n for a, n in sink.received.items() if a.endswith(f".{run_id}@example.org")},
    )
