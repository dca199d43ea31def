"""The counter and the reconciliation: counts are exact, each signature counted once."""

from __future__ import annotations

import datetime
import threading
from collections.abc import Iterator

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.builders import SIGNING_STARTS_AT, make_petition, open_petition, sign, sponsor
from townhall.accounts.models import User
from townhall.audit.models import AuditEvent
from townhall.petitions.models import Petition, PetitionState, ThresholdCrossing
from townhall.petitions.services import (
    petition_close_expired,
    petition_confirm_creator,
    petition_open,
)
from townhall.schemes.models import Scheme, Threshold, ThresholdKind
from townhall.signatures.models import Signature, SignatureState
from townhall.signatures.services import (
    CountResult,
    signature_confirm,
    signature_count_new,
    signature_reconcile_counts,
)

SPONSORS = 5  # the English council preset's sponsor count; sponsors' signatures count too


def add_signatures(petition: Petition, n: int, *, prefix: str = "signer", confirm: bool = True) -> list[Signature]:
    return [
        sign(petition, name=f"{prefix} {i}", email=f"{prefix}{i}@example.org", postcode="KM5 5EE", confirm=confirm)
        for i in range(n)
    ]


def count_of(petition: Petition) -> int:
    petition.refresh_from_db()
    return petition.signature_count


def petition_updates(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if q["sql"].startswith('UPDATE "petitions_petition"')]


def set_threshold(kind: ThresholdKind, count: int) -> Threshold:
    threshold = Threshold.objects.get(kind=kind)
    threshold.count = count
    threshold.save(update_fields=["count"])
    return threshold


@pytest.fixture(autouse=True)
def _an_hour_after_opening() -> Iterator[None]:
    """Run each test on a running clock an hour after the petition opens, while it is open;
    tests that care about time travel further inside it."""
    with time_machine.travel(SIGNING_STARTS_AT + datetime.timedelta(hours=1)):
        yield


@pytest.fixture
def petition(scheme: Scheme, moderator: User) -> Petition:
    """An open petition whose sponsors have already been counted."""
    with time_machine.travel(SIGNING_STARTS_AT, tick=False):
        petition = open_petition(moderator=moderator)
    assert signature_count_new() == CountResult(counted=SPONSORS, petitions=1, crossings=0)
    assert count_of(petition) == SPONSORS
    return petition


# --- signature_count_new -----------------------------------------------------------------


@pytest.mark.django_db
def test_counts_only_verified_signatures(petition: Petition) -> None:
    add_signatures(petition, 3, prefix="verified")
    add_signatures(petition, 2, prefix="pending", confirm=False)
    fraud, invalid = add_signatures(petition, 2, prefix="bad")
    Signature.objects.filter(pk=fraud.pk).update(state=SignatureState.FRAUDULENT)
    Signature.objects.filter(pk=invalid.pk).update(state=SignatureState.INVALIDATED)

    result = signature_count_new()

    assert result == CountResult(counted=3, petitions=1, crossings=0)
    assert count_of(petition) == SPONSORS + 3
    assert not Signature.objects.filter(state=SignatureState.VERIFIED, counted_at__isnull=True).exists()
    assert Signature.objects.filter(state=SignatureState.PENDING, counted_at__isnull=False).count() == 0
    assert Signature.objects.get(pk=fraud.pk).counted_at is None


@pytest.mark.django_db
def test_each_signature_is_counted_exactly_once_across_runs(petition: Petition) -> None:
    first = add_signatures(petition, 4, prefix="first")
    run_at = SIGNING_STARTS_AT + datetime.timedelta(hours=1)
    assert signature_count_new(now=run_at).counted == 4
    assert count_of(petition) == SPONSORS + 4
    assert petition.counted_at == run_at
    assert {s.counted_at for s in Signature.objects.filter(pk__in=[s.pk for s in first])} == {run_at}

    for _ in range(3):
        assert signature_count_new() == CountResult(counted=0, petitions=0, crossings=0)
    assert count_of(petition) == SPONSORS + 4

    # Confirming one more later adds exactly one.
    (late,) = add_signatures(petition, 1, prefix="late", confirm=False)
    assert signature_count_new().counted == 0
    signature_confirm(signature_id=late.pk, token=late.token)
    assert signature_count_new().counted == 1
    assert signature_count_new().counted == 0
    assert count_of(petition) == SPONSORS + 5


@pytest.mark.django_db
def test_one_update_per_petition(petition: Petition, moderator: User) -> None:
    other = open_petition(moderator=moderator, action="Another petition")
    quiet = open_petition(moderator=moderator, action="A quiet petition")
    signature_count_new()  # their sponsors
    add_signatures(petition, 6, prefix="a")
    add_signatures(other, 3, prefix="b")

    with CaptureQueriesContext(connection) as queries:
        result = signature_count_new()

    assert result == CountResult(counted=9, petitions=2, crossings=0)
    assert len(petition_updates(queries)) == 2
    assert (count_of(petition), count_of(other), count_of(quiet)) == (SPONSORS + 6, SPONSORS + 3, SPONSORS)


@pytest.mark.django_db
def test_batches_smaller_than_the_total_still_give_exact_counts(petition: Petition, moderator: User) -> None:
    other = open_petition(moderator=moderator, action="Another petition")
    signature_count_new()
    # Interleave the two petitions' signatures so batches straddle both.
    for i in range(5):
        add_signatures(petition, 1, prefix=f"a{i}-")
        add_signatures(other, 1, prefix=f"b{i}-")
    add_signatures(petition, 1, prefix="extra")

    with CaptureQueriesContext(connection) as queries:
        result = signature_count_new(batch_size=3)

    assert result.counted == 11
    # Four batches (3, 3, 3, 2), each touching both petitions: one UPDATE per petition per batch.
    assert len(petition_updates(queries)) == 8
    assert (count_of(petition), count_of(other)) == (SPONSORS + 6, SPONSORS + 5)
    assert not Signature.objects.filter(state=SignatureState.VERIFIED, counted_at__isnull=True).exists()
    assert signature_count_new(batch_size=3).counted == 0


@pytest.mark.django_db
def test_a_batch_size_dividing_the_total_exactly(petition: Petition) -> None:
    add_signatures(petition, 6)
    assert signature_count_new(batch_size=3).counted == 6
    assert count_of(petition) == SPONSORS + 6


@pytest.mark.django_db
def test_a_threshold_crossing_is_recorded_once_at_the_counters_time(petition: Petition) -> None:
    response = set_threshold(ThresholdKind.RESPONSE, SPONSORS + 3)
    set_threshold(ThresholdKind.OFFICER_EVIDENCE, 500)

    add_signatures(petition, 2, prefix="two")
    assert signature_count_new(now=SIGNING_STARTS_AT + datetime.timedelta(hours=1)).crossings == 0
    assert not ThresholdCrossing.objects.exists()

    add_signatures(petition, 1, prefix="three")
    crossed_at = SIGNING_STARTS_AT + datetime.timedelta(hours=2)
    assert signature_count_new(now=crossed_at).crossings == 1

    crossing = ThresholdCrossing.objects.get()
    assert (crossing.petition_id, crossing.threshold_id) == (petition.pk, response.pk)
    assert crossing.reached_at == crossed_at
    assert crossing.signature_count == SPONSORS + 3

    add_signatures(petition, 4, prefix="more")
    assert signature_count_new(now=SIGNING_STARTS_AT + datetime.timedelta(hours=3)).crossings == 0
    assert ThresholdCrossing.objects.get() == crossing
    assert ThresholdCrossing.objects.get().reached_at == crossed_at


@pytest.mark.django_db
def test_crossings_in_a_batched_run_are_recorded_once(petition: Petition) -> None:
    response = set_threshold(ThresholdKind.RESPONSE, SPONSORS + 2)
    evidence = set_threshold(ThresholdKind.OFFICER_EVIDENCE, SPONSORS + 6)
    add_signatures(petition, 8)
    run_at = SIGNING_STARTS_AT + datetime.timedelta(days=1)

    result = signature_count_new(batch_size=3, now=run_at)

    assert result.counted == 8
    assert result.crossings == 2
    crossings = {c.threshold_id: c for c in ThresholdCrossing.objects.filter(petition=petition)}
    assert set(crossings) == {response.pk, evidence.pk}
    assert {c.reached_at for c in crossings.values()} == {run_at}
    # Each was recorded by the batch that crossed it, with the count at that moment.
    assert crossings[response.pk].signature_count == SPONSORS + 3
    assert crossings[evidence.pk].signature_count == SPONSORS + 6


@pytest.mark.django_db
def test_a_crossing_at_exactly_the_threshold(petition: Petition) -> None:
    set_threshold(ThresholdKind.RESPONSE, SPONSORS + 1)
    add_signatures(petition, 1)
    assert signature_count_new().crossings == 1


@pytest.mark.django_db
def test_no_crossing_for_an_unpublished_petition_until_it_opens(scheme: Scheme, moderator: User) -> None:
    response = set_threshold(ThresholdKind.RESPONSE, 3)
    petition = make_petition()
    petition_confirm_creator(petition_id=petition.pk, token=petition.creator_token)
    for n in range(SPONSORS):
        sponsor(petition, n)
    petition.refresh_from_db()
    assert petition.state == PetitionState.AWAITING_MODERATION

    result = signature_count_new(now=SIGNING_STARTS_AT)
    assert result == CountResult(counted=SPONSORS, petitions=1, crossings=0)
    assert count_of(petition) == SPONSORS
    assert not ThresholdCrossing.objects.exists()

    opened_at = SIGNING_STARTS_AT + datetime.timedelta(days=2)
    with time_machine.travel(opened_at, tick=False):
        petition_open(petition_id=petition.pk, actor=moderator)
    crossing = ThresholdCrossing.objects.get()
    assert (crossing.threshold_id, crossing.reached_at, crossing.signature_count) == (response.pk, opened_at, SPONSORS)


@pytest.mark.django_db
def test_signatures_confirmed_before_closing_are_counted_after_it(petition: Petition) -> None:
    set_threshold(ThresholdKind.RESPONSE, SPONSORS + 2)
    add_signatures(petition, 2)
    petition_close_expired(now=petition.deadline_at)
    at = SIGNING_STARTS_AT + datetime.timedelta(days=200)
    assert signature_count_new(now=at).crossings == 1
    petition.refresh_from_db()
    assert petition.state == PetitionState.CLOSED
    assert petition.signature_count == SPONSORS + 2
    assert ThresholdCrossing.objects.get().reached_at == at


# --- signature_reconcile_counts ------------------------------------------------------------


@pytest.mark.django_db
def test_reconciliation_corrects_a_wrong_count_and_audits_it(petition: Petition, moderator: User) -> None:
    other = open_petition(moderator=moderator, action="Another petition")
    add_signatures(petition, 3)
    add_signatures(other, 1, prefix="other")
    signature_count_new()
    Petition.objects.filter(pk=petition.pk).update(signature_count=999)
    at = SIGNING_STARTS_AT + datetime.timedelta(days=5)

    with time_machine.travel(at, tick=False):
        fixes = signature_reconcile_counts()

    assert fixes == {petition.pk: (999, SPONSORS + 3)}
    assert count_of(petition) == SPONSORS + 3
    assert petition.counted_at == at
    assert count_of(other) == SPONSORS + 1
    event = AuditEvent.objects.get(action="petition.count_corrected")
    assert (event.target_type, event.target_id) == ("petitions.petition", str(petition.pk))
    assert event.data == {"was": 999, "now": SPONSORS + 3}
    assert event.occurred_at == at
    assert event.actor is None

    # Nothing left to correct: no changes, no more audit events.
    assert signature_reconcile_counts() == {}
    assert AuditEvent.objects.filter(action="petition.count_corrected").count() == 1


@pytest.mark.django_db
def test_reconciliation_resets_a_count_with_no_signatures_behind_it(scheme: Scheme) -> None:
    petition = make_petition()
    Petition.objects.filter(pk=petition.pk).update(signature_count=42)
    assert signature_reconcile_counts(now=SIGNING_STARTS_AT) == {petition.pk: (42, 0)}
    assert count_of(petition) == 0
    assert AuditEvent.objects.get(action="petition.count_corrected").data == {"was": 42, "now": 0}


@pytest.mark.django_db
def test_reconciliation_ignores_confirmations_the_counter_has_not_reached(petition: Petition) -> None:
    add_signatures(petition, 4)
    # Verified but not yet counted: the counter will add them; reconciliation must not.
    assert signature_reconcile_counts() == {}
    assert count_of(petition) == SPONSORS
    assert signature_count_new().counted == 4
    assert signature_reconcile_counts() == {}
    assert count_of(petition) == SPONSORS + 4


@pytest.mark.django_db
def test_reconciliation_takes_invalidated_signatures_off_the_count(petition: Petition) -> None:
    bad, _good = add_signatures(petition, 2)
    signature_count_new()
    assert count_of(petition) == SPONSORS + 2
    Signature.objects.filter(pk=bad.pk).update(state=SignatureState.INVALIDATED)
    # The counter only ever adds; the recount takes the invalidated signature off.
    assert signature_count_new().counted == 0
    assert signature_reconcile_counts() == {petition.pk: (SPONSORS + 2, SPONSORS + 1)}
    assert count_of(petition) == SPONSORS + 1


@pytest.mark.django_db
def test_reconciliation_records_a_crossing_the_wrong_count_hid(petition: Petition) -> None:
    set_threshold(ThresholdKind.RESPONSE, SPONSORS + 2)
    add_signatures(petition, 2)
    # Simulate a count that went wrong before the crossing could be seen.
    Signature.objects.filter(state=SignatureState.VERIFIED, counted_at__isnull=True).update(
        counted_at=SIGNING_STARTS_AT
    )
    assert not ThresholdCrossing.objects.exists()
    at = SIGNING_STARTS_AT + datetime.timedelta(hours=6)
    assert signature_reconcile_counts(now=at) == {petition.pk: (SPONSORS, SPONSORS + 2)}
    assert ThresholdCrossing.objects.get().reached_at == at


# --- concurrency (PostgreSQL only) -------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_counters_at_once_count_each_signature_once(scheme: Scheme, moderator: User) -> None:
    petition = open_petition(moderator=moderator)
    other = open_petition(moderator=moderator, action="Another petition")
    add_signatures(petition, 40, prefix="a")
    add_signatures(other, 25, prefix="b")
    total = 2 * SPONSORS + 65
    results: list[CountResult] = []
    errors: list[BaseException] = []
    start = threading.Barrier(3)

    def run() -> None:
        try:
            start.wait()
            results.append(signature_count_new(batch_size=4))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    # Whatever the interleaving, a drain afterwards finds the rest and the totals are exact.
    leftover = signature_count_new().counted
    assert sum(r.counted for r in results) + leftover == total
    assert (count_of(petition), count_of(other)) == (SPONSORS + 40, SPONSORS + 25)
    assert signature_reconcile_counts() == {}
