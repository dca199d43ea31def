"""The drill's pass/fail logic, from what it observed (no processes, no database)."""

from __future__ import annotations

import dataclasses

from scripts.drill.checks import (
    FaultSeen,
    Letter,
    Observed,
    ProcessesSeen,
    SignerSeen,
    fault_seen,
    verdicts,
)
from scripts.drill.faults import FaultRecord
from scripts.drill.journeys import Outcome, Signer
from scripts.drill.report import verdict


def signer(i: int, *, refused: bool = False) -> SignerSeen:
    email = f"{'refuse-' if refused else ''}signer{i}.d1@example.org"
    if refused:
        return SignerSeen(email, True, True, 0, 1, False, "pending", False)
    return SignerSeen(email, False, True, 1, 0, True, "verified", True)


def fault(key: str) -> FaultSeen:
    return FaultSeen(
        key=key,
        injected_s=10.0,
        errors={},
        requests=100,
        duplicates=0,
        errors_for_s=None,
        ok_again_s=0.0,
        back_s=None if key == "refuse" else 1.0,
        back_what="",
        mail_again_s=1.0,
        needs_back=key != "refuse",
        notes=(),
    )


SIGNERS = (*tuple(signer(i) for i in range(98)), signer(49, refused=True), signer(99, refused=True))
CLEAN = Observed(
    signers=SIGNERS,
    baseline=5,
    shown_count=103,
    stored_count=103,
    verified_rows=98,
    letters=tuple(Letter(s.email, "refused" if s.refused else "sent", 1) for s in SIGNERS),
    faults=tuple(fault(k) for k in ("web", "worker", "db", "refuse", "smtp")),
    interruptions=3,
    duplicates_per_interruption=1,
    processes=ProcessesSeen(True, 2, 2, True, True, 2, 2, True),
    held_tasks=1,
    held_reclaimed=True,
    stale_tasks_at_end=0,
)


def failed(seen: Observed) -> list[str]:
    return [c.name for c in verdicts(seen) if c.status == "FAIL"]


def replace_signer(seen: Observed, i: int, **changes: object) -> Observed:
    signers = list(seen.signers)
    signers[i] = dataclasses.replace(signers[i], **changes)  # type: ignore[arg-type]
    return dataclasses.replace(seen, signers=tuple(signers))


def test_a_clean_drill_passes_every_check() -> None:
    checks = verdicts(CLEAN)
    assert [c.name for c in checks if c.status != "PASS"] == []
    assert verdict(checks, 170).startswith(f"drill PASS: {len(checks)} passed, 0 failed, 0 skipped")


def test_an_acknowledged_signer_without_a_row_is_a_loss() -> None:
    seen = replace_signer(CLEAN, 3, row_state=None, delivered=0, confirmed=False, counted=False)
    assert failed(seen) == [
        "every acknowledged signer has a signature row",
        "every acknowledged signer the sink accepts received a confirmation email",
    ]


def test_an_acknowledged_signer_never_mailed_is_a_loss() -> None:
    seen = replace_signer(CLEAN, 3, delivered=0, confirmed=False, row_state="pending", counted=False)
    seen = dataclasses.replace(seen, verified_rows=97, shown_count=102, stored_count=102)
    assert failed(seen) == ["every acknowledged signer the sink accepts received a confirmation email"]


def test_a_confirmation_not_counted_is_a_loss() -> None:
    seen = replace_signer(CLEAN, 3, counted=False)
    seen = dataclasses.replace(seen, shown_count=102, stored_count=102)
    assert failed(seen) == [
        "every confirmed signature is verified and counted",
        "count.json == baseline + verified signatures",
        "the petition's stored count == baseline + verified signatures",
    ]


def test_an_unacknowledged_signer_is_not_a_loss() -> None:
    seen = replace_signer(CLEAN, 3, acknowledged=False, row_state=None, delivered=0, confirmed=False, counted=False)
    seen = dataclasses.replace(seen, verified_rows=97, shown_count=102, stored_count=102)
    assert failed(seen) == []


def test_duplicates_are_allowed_up_to_one_per_interruption() -> None:
    within = CLEAN
    for i in range(3):
        within = replace_signer(within, i, delivered=2)
    assert failed(within) == []
    beyond = replace_signer(within, 3, delivered=2)
    assert failed(beyond) == ["no confirmation delivered twice beyond the bound"]
    assert failed(dataclasses.replace(within, interruptions=0)) == ["no confirmation delivered twice beyond the bound"]


def test_a_refused_address_tried_again_and_again_fails() -> None:
    seen = replace_signer(CLEAN, 98, rcpt_refusals=40)
    assert failed(seen) == ["refused addresses: nothing delivered, never tried again"]


def test_without_the_outbox_columns_the_outbox_checks_are_skipped() -> None:
    checks = verdicts(dataclasses.replace(CLEAN, letters=None))
    skipped = [(c.name, c.detail) for c in checks if c.status == "SKIP"]
    assert skipped == [
        ("permanent refusals recorded in the outbox ('refused', one attempt)", "outbox columns not present"),
        ("outbox settled: nothing queued, deferred or failed", "outbox columns not present"),
    ]
    assert "2 skipped" in verdict(checks, 170)


def test_the_outbox_must_record_refusals_and_settle() -> None:
    assert CLEAN.letters is not None
    letters = list(CLEAN.letters)
    letters[-1] = Letter(letters[-1].to, "deferred", 3)  # a refused address retried as if temporary
    letters[0] = Letter(letters[0].to, "failed", 5)
    assert failed(dataclasses.replace(CLEAN, letters=tuple(letters))) == [
        "permanent refusals recorded in the outbox ('refused', one attempt)",
        "outbox settled: nothing queued, deferred or failed",
    ]


def test_a_part_that_did_not_come_back_fails() -> None:
    faults = list(CLEAN.faults)
    faults[0] = dataclasses.replace(faults[0], back_s=None, ok_again_s=None, mail_again_s=None)
    assert failed(dataclasses.replace(CLEAN, faults=tuple(faults))) == [
        "each stopped part came back (respawned, restarted, listening)",
        "requests succeed again after each fault",
        "mail flows again after each fault",
    ]


def test_a_process_restarted_or_gone_fails() -> None:
    for processes in (
        dataclasses.replace(CLEAN.processes, web_workers=1),
        dataclasses.replace(CLEAN.processes, scheduler_same=False),
        dataclasses.replace(CLEAN.processes, task_worker_starts=3),
        dataclasses.replace(CLEAN.processes, database_accepting=False),
    ):
        assert failed(dataclasses.replace(CLEAN, processes=processes)) == [
            "every process running at the end, none restarted by hand"
        ]


def test_orphaned_tasks_must_be_reclaimed() -> None:
    assert failed(dataclasses.replace(CLEAN, held_reclaimed=False)) == [
        "tasks held by the killed task worker were reclaimed"
    ]
    assert failed(dataclasses.replace(CLEAN, stale_tasks_at_end=1)) == ["no task left running past the timeout"]
    skipped = {c.name: c.status for c in verdicts(dataclasses.replace(CLEAN, held_tasks=0, held_reclaimed=True))}
    assert skipped["tasks held by the killed task worker were reclaimed"] == "SKIP"


def test_a_fault_is_measured_from_its_own_window() -> None:
    record = FaultRecord("db", injected_at=100.0, window_end=120.0, ended_at=106.0, back_at=106.0)
    outcomes = [
        Outcome(99.0, "sign POST", "ok"),
        Outcome(101.0, "sign POST", "5xx"),
        Outcome(104.0, "sign GET", "connection"),
        Outcome(105.5, "confirm POST", "5xx"),
        Outcome(106.2, "sign GET", "ok"),
        Outcome(121.0, "sign GET", "connection"),  # the next fault's
    ]
    signers = {
        "early.d1@example.org": Signer(1, "early.d1@example.org", False, 95.0, acknowledged_at=95.5),
        "late.d1@example.org": Signer(2, "late.d1@example.org", False, 107.0, acknowledged_at=107.5),
    }
    deliveries = [
        (96.0, ("early.d1@example.org",)),
        (107.0, ("early.d1@example.org",)),  # sent again after the restart
        (108.5, ("late.d1@example.org",)),
    ]
    seen = fault_seen(record, load_started=90.0, outcomes=outcomes, deliveries=deliveries, signers=signers)
    assert seen.injected_s == 10.0
    assert seen.requests == 4
    assert seen.errors == {"5xx": 2, "connection": 1}
    assert seen.errors_for_s == 5.5
    assert round(seen.ok_again_s or 0, 1) == 6.2
    assert seen.back_s == 6.0
    assert seen.mail_again_s == 8.5  # the first email to someone who signed after it ended
    assert seen.duplicates == 1


def test_a_fault_without_failures_recovers_at_once_and_one_never_healed_shows_never() -> None:
    record = FaultRecord("refuse", injected_at=100.0, window_end=120.0, ended_at=101.0)
    signers = {"a.d1@example.org": Signer(1, "a.d1@example.org", False, 102.0, acknowledged_at=102.5)}
    seen = fault_seen(
        record, load_started=90.0, outcomes=[Outcome(110.0, "sign GET", "ok")], deliveries=[], signers=signers
    )
    assert seen.errors_for_s is None
    assert seen.ok_again_s == 0.0
    assert seen.mail_again_s is None
    assert not seen.needs_back
