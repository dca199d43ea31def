"""The exactness checks that decide `make bench`'s exit status, from the counts they read."""

from __future__ import annotations

import dataclasses

from scripts.bench.checks import Observed, StateCount, exactness

SIGNED = {f"signer{i}.r1@example.org" for i in range(100)}
CLEAN = Observed(
    by_state={"verified": StateCount(signatures=100, not_sent_once=0, email_pending=0, counted=100)},
    stored_count=105,
    shown_count=105,
    expected_count=105,
    confirmed=100,
    signed=SIGNED,
    mail=dict.fromkeys(SIGNED, 1),
)


def failed(seen: Observed) -> list[str]:
    return [check.name for check in exactness(seen) if not check.passed]


def test_an_exact_run_passes_every_check() -> None:
    checks = exactness(CLEAN)
    assert len(checks) == 7
    assert all(check.passed for check in checks)


def test_a_signer_mailed_twice() -> None:
    mail = {**CLEAN.mail, "signer3.r1@example.org": 2}
    assert failed(dataclasses.replace(CLEAN, mail=mail)) == ["every signer received exactly one email (SMTP sink)"]


def test_a_signer_never_mailed() -> None:
    mail = {a: n for a, n in CLEAN.mail.items() if a != "signer3.r1@example.org"}
    assert failed(dataclasses.replace(CLEAN, mail=mail)) == ["every signer received exactly one email (SMTP sink)"]


def test_a_confirmation_not_yet_counted() -> None:
    seen = dataclasses.replace(
        CLEAN, by_state={"verified": StateCount(100, 0, 0, 99)}, stored_count=104, shown_count=104
    )
    assert failed(seen) == [
        "every verified signature counted",
        "final count == baseline + confirmed journeys (count.json)",
        "final count == baseline + confirmed journeys (database)",
    ]


def test_count_json_behind_the_database() -> None:
    assert failed(dataclasses.replace(CLEAN, shown_count=104)) == [
        "final count == baseline + confirmed journeys (count.json)"
    ]


def test_a_signature_caught_as_fraud_and_one_still_owed_its_email() -> None:
    seen = dataclasses.replace(
        CLEAN,
        by_state={
            "verified": StateCount(100, 0, 0, 100),
            "fraudulent": StateCount(1, 0, 0, 0),
            "pending": StateCount(1, 1, 1, 0),
        },
    )
    assert failed(seen) == [
        "no signature caught as fraudulent",
        "every signature's confirmation email sent exactly once (database)",
        # Two signatures the database knows of got no email at the sink.
        "every signer received exactly one email (SMTP sink)",
    ]
    assert seen.note() == (
        "bench signatures by state: {'verified': 100, 'fraudulent': 1, 'pending': 1}; "
        "emails at sink for them: 100 to 100 addresses"
    )


def test_more_confirmations_than_verified_signatures() -> None:
    assert failed(dataclasses.replace(CLEAN, confirmed=101, expected_count=106, stored_count=106, shown_count=106)) == [
        "confirmed journeys == verified signatures in the database"
    ]
