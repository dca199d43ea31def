"""Moderators' decisions: approve or reject, and tell the creator and every sponsor."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.db import transaction

from tests.builders import awaiting_petition, make_petition, open_petition, sponsor, staff
from townhall.accounts.models import Role, User
from townhall.audit.models import AuditEvent
from townhall.core.errors import DomainError, InvalidState, NotFound, PermissionDeniedError
from townhall.moderation.services import moderation_approve, moderation_reject
from townhall.petitions.models import HIDING_REASONS, Petition, PetitionState, RejectionReason
from townhall.petitions.services import petition_confirm_creator
from townhall.schemes.models import Scheme

pytestmark = pytest.mark.django_db

SPONSORS = [f"sponsor{n}@example.org" for n in range(5)]
EVERYONE = {"ann@example.org", *SPONSORS}


def snapshot(petition: Petition) -> dict[str, Any]:
    return Petition.objects.values().get(pk=petition.pk)


@pytest.fixture
def petition(scheme: Scheme) -> Petition:
    return awaiting_petition()


# --- approve -----------------------------------------------------------------------------


def test_approving_opens_the_petition_for_the_schemes_duration(
    petition: Petition, moderator: User, django_capture_on_commit_callbacks: Any
) -> None:
    approved_at = datetime.datetime(2025, 8, 31, 12, 0, tzinfo=datetime.UTC)
    with time_machine.travel(approved_at, tick=False), django_capture_on_commit_callbacks(execute=True):
        result = moderation_approve(petition_id=petition.pk, actor=moderator)

    petition.refresh_from_db()
    assert result.pk == petition.pk
    assert petition.state == PetitionState.OPEN
    assert petition.opened_at == approved_at
    # Six months from 31 August is the last day of February.
    # 13:00 BST on 31 August → 13:00 GMT on 28 February: the body's wall clock is kept.
    assert petition.deadline_at == datetime.datetime(2026, 2, 28, 13, 0, tzinfo=datetime.UTC)
    event = AuditEvent.objects.get(action="petition.opened")
    assert event.actor == moderator
    assert event.target_id == str(petition.pk)


def test_approving_emails_the_creator_and_each_confirmed_sponsor_once(
    petition: Petition, moderator: User, django_capture_on_commit_callbacks: Any
) -> None:
    sponsor(petition, 9, confirm=False)  # a late sponsor who never confirmed: not emailed

    with django_capture_on_commit_callbacks(execute=True):
        moderation_approve(petition_id=petition.pk, actor=moderator)

    assert sorted(m.to[0] for m in mail.outbox) == sorted(EVERYONE)
    assert all(len(m.to) == 1 for m in mail.outbox)
    message = mail.outbox[0]
    assert message.subject == "Petition published: Reopen the public toilets on Kingsmere Road"
    assert f"http://testserver/petitions/{petition.pk}/" in message.body
    assert "open for signatures until" in message.body


def test_approval_emails_wait_for_the_commit_and_a_rollback_sends_none(
    petition: Petition, moderator: User, django_capture_on_commit_callbacks: Any
) -> None:
    class Abandoned(Exception):
        pass

    def approve_then_abandon() -> None:
        with transaction.atomic():
            moderation_approve(petition_id=petition.pk, actor=moderator)
            assert mail.outbox == []  # nothing is sent inside the transaction
            raise Abandoned

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Abandoned):
        approve_then_abandon()

    assert callbacks == []
    assert mail.outbox == []
    assert Petition.objects.get(pk=petition.pk).state == PetitionState.AWAITING_MODERATION


def test_an_administrator_may_moderate(petition: Petition, django_capture_on_commit_callbacks: Any) -> None:
    administrator = staff("boss", Role.ADMINISTRATOR, password="pw-long-enough-1")

    with django_capture_on_commit_callbacks(execute=True):
        moderation_approve(petition_id=petition.pk, actor=administrator)

    assert Petition.objects.get(pk=petition.pk).state == PetitionState.OPEN


@pytest.mark.parametrize(
    "make_actor",
    [
        lambda: AnonymousUser(),
        lambda: None,
        lambda: staff("clerk", Role.CLERK, password="pw-long-enough-1"),
        lambda: staff("nobody", email="n@example.org", password="pw-long-enough-1"),
        lambda: staff("gone", Role.MODERATOR, password="pw-long-enough-1", is_active=False),
    ],
    ids=["anonymous", "no-actor", "clerk", "no-role", "inactive-moderator"],
)
def test_only_moderators_can_decide(
    petition: Petition, make_actor: Any, django_capture_on_commit_callbacks: Any
) -> None:
    actor = make_actor()
    before = snapshot(petition)

    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(PermissionDeniedError, match=r"Only moderators can approve or reject petitions\."):
            moderation_approve(petition_id=petition.pk, actor=actor)
        with pytest.raises(PermissionDeniedError):
            moderation_reject(petition_id=petition.pk, reason="duplicate", details="", actor=actor)

    assert snapshot(petition) == before
    assert mail.outbox == []
    assert not AuditEvent.objects.filter(action__in=["petition.opened", "petition.rejected"]).exists()


def test_approving_an_open_petition_is_refused_and_changes_nothing(
    scheme: Scheme, moderator: User, django_capture_on_commit_callbacks: Any
) -> None:
    petition = open_petition(moderator=moderator)
    before = snapshot(petition)
    events = AuditEvent.objects.count()

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(InvalidState) as error:
        moderation_approve(petition_id=petition.pk, actor=moderator)

    assert error.value.message == "This petition is open, so it cannot be approved."
    assert error.value.http_status == 409
    assert snapshot(petition) == before
    assert AuditEvent.objects.count() == events
    assert mail.outbox == []


def test_a_petition_still_collecting_sponsors_cannot_be_approved(scheme: Scheme, moderator: User) -> None:
    petition = make_petition()
    petition_confirm_creator(petition_id=petition.pk, token=petition.creator_token)

    with pytest.raises(InvalidState, match="collecting sponsors, so it cannot be approved"):
        moderation_approve(petition_id=petition.pk, actor=moderator)

    assert Petition.objects.get(pk=petition.pk).state == PetitionState.SPONSORING


def test_approving_a_missing_petition_is_not_found(scheme: Scheme, moderator: User) -> None:
    with pytest.raises(NotFound):
        moderation_approve(petition_id=987_654, actor=moderator)


# --- reject ------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", list(RejectionReason), ids=lambda r: r.value)
def test_rejecting_records_the_reason_and_tells_everyone(
    petition: Petition, moderator: User, reason: RejectionReason, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        moderation_reject(
            petition_id=petition.pk, reason=reason.value, details="  Please   see the help page. ", actor=moderator
        )

    petition.refresh_from_db()
    assert petition.state == PetitionState.REJECTED
    assert petition.rejection_reason == reason.value
    assert petition.rejection_details == "Please see the help page."
    assert petition.rejected_at is not None
    assert petition.is_hidden is (reason in HIDING_REASONS)
    event = AuditEvent.objects.get(action="petition.rejected")
    assert event.actor == moderator
    assert event.data == {"reason": reason.value}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(EVERYONE)
    message = mail.outbox[0]
    assert message.subject == "Petition rejected: Reopen the public toilets on Kingsmere Road"
    assert f"Reason: {reason.label}." in message.body
    assert "Please see the help page." in message.body


def test_only_libellous_offensive_and_advert_rejections_hide_the_text() -> None:
    assert {r.value for r in HIDING_REASONS} == {"libellous", "offensive", "advert"}


def test_a_petition_still_collecting_sponsors_cannot_be_rejected(scheme: Scheme, moderator: User) -> None:
    petition = make_petition()
    petition_confirm_creator(petition_id=petition.pk, token=petition.creator_token)

    with pytest.raises(InvalidState, match="collecting sponsors, so it cannot be rejected"):
        moderation_reject(petition_id=petition.pk, reason="advert", details="", actor=moderator)

    assert Petition.objects.get(pk=petition.pk).state == PetitionState.SPONSORING


@pytest.mark.parametrize("reason", ["", "spam", "LIBELLOUS"])
def test_rejecting_without_a_known_reason_is_refused_and_changes_nothing(
    petition: Petition, moderator: User, reason: str, django_capture_on_commit_callbacks: Any
) -> None:
    before = snapshot(petition)

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(DomainError) as error:
        moderation_reject(petition_id=petition.pk, reason=reason, details="Because.", actor=moderator)

    assert error.value.message == "Choose a reason for rejecting the petition."
    assert error.value.code == "reason_invalid"
    assert snapshot(petition) == before
    assert mail.outbox == []


def test_rejecting_an_open_petition_is_refused(
    scheme: Scheme, moderator: User, django_capture_on_commit_callbacks: Any
) -> None:
    petition = open_petition(moderator=moderator)
    before = snapshot(petition)

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(InvalidState) as error:
        moderation_reject(petition_id=petition.pk, reason="duplicate", details="", actor=moderator)

    assert error.value.message == "This petition is open, so it cannot be rejected."
    assert snapshot(petition) == before
    assert mail.outbox == []


def test_a_rejected_petition_cannot_then_be_approved(petition: Petition, moderator: User) -> None:
    moderation_reject(petition_id=petition.pk, reason="duplicate", details="", actor=moderator)

    with pytest.raises(InvalidState, match="rejected, so it cannot be approved"):
        moderation_approve(petition_id=petition.pk, actor=moderator)
