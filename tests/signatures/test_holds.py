"""Held signatures: confirmed as any other, never counted while held, counted once released
(by the evidence, an allow list or staff); what their signers and the public are told."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client

from tests.builders import INTEGRITY_NOW, attempt_signature, counted, make_superuser, open_petition
from townhall.lists.models import ListAction, ListEntry, ListKind
from townhall.lists.selectors import forget_lists
from townhall.lists.services import list_entry_save
from townhall.petitions.models import Petition
from townhall.signatures.holds import (
    holds_review,
    signatures_reject,
    signatures_release,
)
from townhall.signatures.models import Signature, SignatureState
from townhall.signatures.services import signature_confirm, signature_count_new, signature_send_confirmations

pytestmark = pytest.mark.django_db

OFFICE = "203.0.113.7"


@pytest.fixture
def petition(scheme: Any, moderator: Any) -> Petition:
    with time_machine.travel(INTEGRITY_NOW - datetime.timedelta(days=1), tick=False):
        petition = open_petition(moderator=moderator)
        signature_count_new()  # its sponsors
    return petition


@pytest.fixture(autouse=True)
def _tight_limits(settings: Any) -> None:
    """Three a minute from one address; the evidence judged on five confirmations."""
    forget_lists()
    settings.TOWNHALL = {
        **settings.TOWNHALL,
        "SIGN_RATE_BURST": (3, 60),
        "HOLD_MIN_EVIDENCE": 5,
        "HOLD_FAST_CONFIRM_SECONDS": 60,
        "HOLD_FAST_SHARE_PERCENT": 50,
        "HOLD_QUIET_MINUTES": 30,
    }


def office_signs(petition: Petition, people: range, *, at: datetime.datetime, ip: str = OFFICE) -> list[Signature]:
    """People behind one address sign a second apart. At three a minute, the fourth trips the
    limit and holds itself and the three before it, and the address stays held while it signs:
    every one is held."""
    signatures = []
    for n in people:
        with time_machine.travel(at + datetime.timedelta(seconds=n - people.start), tick=False):
            outcome = attempt_signature(petition, n, ip=ip)
        signatures.append(Signature.objects.get(pk=outcome.signature_id))
    return signatures


def confirm_after(signatures: list[Signature], delays: list[float]) -> None:
    for signature, delay in zip(signatures, delays, strict=True):
        with time_machine.travel(signature.created_at + datetime.timedelta(seconds=delay), tick=False):
            signature_confirm(signature_id=signature.pk, token=signature.token)


def test_a_held_signature_is_counted_after_release_and_never_before(petition: Petition) -> None:
    office = office_signs(petition, range(1, 9), at=INTEGRITY_NOW)
    assert {s.pk for s in office} == set(Signature.objects.exclude(hold_reason="").values_list("pk", flat=True))
    confirm_after(office, [30.0] * 8)  # too quick to be released on the evidence
    for _ in range(3):
        holds_review(now=INTEGRITY_NOW + datetime.timedelta(hours=2))
        assert counted(petition) == (0, 8)
    assert signatures_release(signature_ids=[office[0].pk, office[1].pk], by="staff") == 2
    assert counted(petition) == (2, 6)
    assert counted(petition) == (2, 6)  # counted once
    released = Signature.objects.get(pk=office[0].pk)
    assert (released.hold_reason, released.released_by) == ("", "staff")
    assert released.fraud_reason == "rate_address_burst"  # the record keeps what held it
    assert released.released_at is not None
    assert released.counted_at is not None


def test_rejected_held_signatures_are_never_counted(petition: Petition) -> None:
    office = office_signs(petition, range(1, 5), at=INTEGRITY_NOW)
    confirm_after(office, [20.0] * 4)
    assert signatures_reject(signature_ids=[s.pk for s in office]) == 4
    assert counted(petition) == (0, 0)
    assert signatures_release(signature_ids=[s.pk for s in office], by="staff") == 0  # nothing held now
    assert counted(petition) == (0, 0)
    assert set(Signature.objects.filter(pk__in=[s.pk for s in office]).values_list("state", flat=True)) == {
        SignatureState.FRAUDULENT
    }


def test_people_confirming_at_their_own_pace_are_released_on_the_evidence(petition: Petition) -> None:
    office = office_signs(petition, range(1, 13), at=INTEGRITY_NOW)
    # People read their email when they get to it: a few at once, most minutes or hours later.
    confirm_after(office, [25, 40, 75, 130, 200, 340, 600, 900, 1500, 3000, 5000, 7000])
    assert counted(petition) == (0, 12)
    result = holds_review(now=INTEGRITY_NOW + datetime.timedelta(hours=3))
    assert result.released_on_evidence == 12
    assert counted(petition) == (12, 0)
    assert set(Signature.objects.filter(pk__in=[s.pk for s in office]).values_list("released_by", flat=True)) == {
        "evidence"
    }


def test_a_script_confirming_at_once_stays_held(petition: Petition) -> None:
    bots = office_signs(petition, range(1, 21), at=INTEGRITY_NOW)
    confirm_after(bots, [8.0 + n for n in range(20)])  # all within 30 seconds of signing
    result = holds_review(now=INTEGRITY_NOW + datetime.timedelta(days=1))
    assert (result.released_on_evidence, result.waiting) == (0, 20)
    assert counted(petition) == (0, 20)


def test_unconfirmed_held_signatures_wait_until_they_are_confirmed(petition: Petition) -> None:
    office = office_signs(petition, range(1, 9), at=INTEGRITY_NOW)
    confirm_after(office[:6], [90, 150, 240, 400, 800, 1600])
    holds_review(now=INTEGRITY_NOW + datetime.timedelta(hours=1))
    assert counted(petition) == (6, 0)
    assert Signature.objects.filter(pk__in=[s.pk for s in office[6:]]).exclude(hold_reason="").count() == 2
    confirm_after(office[6:], [3000, 3600])
    holds_review(now=INTEGRITY_NOW + datetime.timedelta(hours=2))
    assert counted(petition) == (8, 0)


def test_a_small_quiet_source_is_judged_on_what_it_has(petition: Petition) -> None:
    office = office_signs(petition, range(1, 5), at=INTEGRITY_NOW)  # four: fewer than the evidence needs
    confirm_after(office, [120, 300, 500, 900])
    holds_review(now=INTEGRITY_NOW + datetime.timedelta(minutes=20))
    assert counted(petition) == (0, 4)  # not quiet for long enough yet
    holds_review(now=INTEGRITY_NOW + datetime.timedelta(minutes=31))
    assert counted(petition) == (4, 0)


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        (ListKind.IP, OFFICE),  # the one address
        (ListKind.IP, "203.0.113.0/28"),  # a few addresses including it
        (ListKind.IP, "203.0.112.0/23"),  # a wider network
        (ListKind.EMAIL_DOMAIN, "example.org"),  # the signers' domain
    ],
)
def test_allow_listing_releases_what_it_held(
    petition: Petition, django_capture_on_commit_callbacks: Any, kind: str, value: str
) -> None:
    office = office_signs(petition, range(1, 9), at=INTEGRITY_NOW)
    elsewhere = office_signs(petition, range(50, 58), at=INTEGRITY_NOW, ip="198.51.100.9")
    confirm_after(office + elsewhere, [10.0] * 16)
    assert counted(petition) == (0, 16)
    other_domain = kind == ListKind.EMAIL_DOMAIN
    with django_capture_on_commit_callbacks(execute=True):
        list_entry_save(
            entry=ListEntry(kind=kind, action=ListAction.ALLOW, value=value, note="Council offices"),
            actor=make_superuser(),
        )
    # The entry released what it covers at once (the saved entry asks for a review).
    released = 16 if other_domain else 8
    assert counted(petition) == (released, 16 - released)
    assert set(Signature.objects.filter(pk__in=[s.pk for s in office]).values_list("released_by", flat=True)) == {
        "allow_list"
    }


def test_a_held_signers_pages_and_emails_say_nothing_false(petition: Petition, client: Client) -> None:
    office = office_signs(petition, range(1, 5), at=INTEGRITY_NOW)
    held = office[-1]
    with time_machine.travel(INTEGRITY_NOW + datetime.timedelta(minutes=1), tick=False):
        confirm_page = client.post(f"/signatures/{held.pk}/confirm/{held.token}/")
    assert confirm_page.status_code == 200
    text = confirm_page.content.decode()
    assert "within a few seconds" not in text
    assert "routine checks" in text
    assert "awaiting checks" in text
    # Signing again owes the "already signed" email, and it goes; it does not say "counted".
    with time_machine.travel(INTEGRITY_NOW + datetime.timedelta(minutes=2), tick=False):
        mail.outbox = []
        attempt_signature(petition, 4, ip=OFFICE)
        signature_send_confirmations()
    [letter] = [m for m in mail.outbox if m.to == [held.email]]
    assert "routine checks" in letter.body
    assert "counted once" not in letter.body
    # An ordinary signer is still told the count takes a few seconds.
    with time_machine.travel(INTEGRITY_NOW + datetime.timedelta(hours=1), tick=False):
        outcome = attempt_signature(petition, 99, ip="192.0.2.1")
        ordinary = Signature.objects.get(pk=outcome.signature_id)
        page = client.post(f"/signatures/{ordinary.pk}/confirm/{ordinary.token}/").content.decode()
    assert "within a few seconds" in page
    assert "routine checks" not in page


def test_the_public_count_shows_the_awaiting_figure(petition: Petition, client: Client) -> None:
    office = office_signs(petition, range(1, 5), at=INTEGRITY_NOW)
    confirm_after(office, [15.0] * 4)
    assert counted(petition) == (0, 4)
    page = client.get(f"/petitions/{petition.pk}/").content.decode()
    assert "4 more confirmed signatures are awaiting our routine checks" in page
    body = client.get(f"/petitions/{petition.pk}/count.json").json()
    assert body["signatures_awaiting_checks"] == 4
    assert body["signature_count"] == petition.signature_count
    api = client.get(f"/api/v1/petitions/{petition.pk}").json()
    assert api["signatures_awaiting_checks"] == 4
    signatures_release(signature_ids=[s.pk for s in office], by="staff")
    assert counted(petition) == (4, 0)
    page = client.get(f"/petitions/{petition.pk}/").content.decode()
    assert "awaiting our routine checks" not in page
    assert client.get(f"/petitions/{petition.pk}/count.json").json()["signatures_awaiting_checks"] == 0


def domain_signs(petition: Petition, people: range, *, domain: str) -> list[Signature]:
    """People on one email domain sign a minute apart, each from their own network."""
    signatures = []
    for n in people:
        with time_machine.travel(INTEGRITY_NOW + datetime.timedelta(minutes=n), tick=False):
            outcome = attempt_signature(petition, n, email=f"person{n}@{domain}", ip=f"192.0.{n}.1")
        signatures.append(Signature.objects.get(pk=outcome.signature_id))
    return signatures


@pytest.mark.parametrize(
    ("domain", "reason"),
    [
        ("privaterelay.appleid.com", "relay_domain"),
        ("ann.anonaddy.me", "relay_domain"),
        ("mailinator.com", "disposable_domain"),  # the same evidence for both
    ],
)
def test_held_relay_and_disposable_addresses_are_judged_on_the_evidence(
    petition: Petition, settings: Any, domain: str, reason: str
) -> None:
    settings.TOWNHALL = {**settings.TOWNHALL, "RELAY_EMAIL_POLICY": "hold", "DISPOSABLE_EMAIL_POLICY": "hold"}
    people = domain_signs(petition, range(1, 7), domain=domain)
    assert {s.hold_reason for s in people} == {reason}
    confirm_after(people, [45, 200, 340, 600, 1500, 3000])  # at their own pace
    assert counted(petition) == (0, 6)
    assert holds_review(now=INTEGRITY_NOW + datetime.timedelta(hours=3)).released_on_evidence == 6
    assert counted(petition) == (6, 0)
    released = Signature.objects.filter(pk__in=[s.pk for s in people])
    assert set(released.values_list("released_by", "fraud_reason")) == {("evidence", reason)}


def test_held_relay_addresses_confirmed_at_once_wait_for_staff(petition: Petition, settings: Any) -> None:
    settings.TOWNHALL = {**settings.TOWNHALL, "RELAY_EMAIL_POLICY": "hold"}
    scripted = domain_signs(petition, range(1, 11), domain="duck.com")
    confirm_after(scripted, [5.0 + n for n in range(10)])
    result = holds_review(now=INTEGRITY_NOW + datetime.timedelta(days=1))
    assert (result.released_on_evidence, result.waiting) == (0, 10)
    assert counted(petition) == (0, 10)
