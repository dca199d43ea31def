"""Petition services: creating a petition and every step of its state machine."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.core import mail

from tests.builders import (
    SIGNING_STARTS_AT,
    awaiting_petition,
    make_petition,
    open_petition,
    sponsor,
    sponsoring_petition,
)
from tests.conftest import links_in
from townhall.accounts.models import User
from townhall.audit.models import AuditEvent
from townhall.core.errors import DomainError, InvalidState, NotFound
from townhall.officials.models import Official
from townhall.petitions.models import (
    ACTION_MAX,
    BACKGROUND_MAX,
    DETAILS_MAX,
    Petition,
    PetitionState,
    PetitionVersion,
    RejectionReason,
)
from townhall.petitions.services import (
    add_months,
    petition_close_expired,
    petition_confirm_creator,
    petition_create,
    petition_open,
    petition_reject,
    petition_remove,
    petition_request_moderation,
)
from townhall.schemes.models import Scheme
from townhall.signatures.services import signature_confirm

UTC = datetime.UTC

pytestmark = pytest.mark.django_db

CaptureCallbacks = Callable[..., Any]


def audit_actions(petition: Petition) -> list[str]:
    return list(
        AuditEvent.objects.filter(target_type="petitions.petition", target_id=str(petition.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


def nothing_created() -> bool:
    return (
        not Petition.objects.exists()
        and not PetitionVersion.objects.exists()
        and not AuditEvent.objects.filter(action="petition.created").exists()
    )


# --- petition_create -------------------------------------------------------------------


def test_create_starts_a_private_pending_petition_with_version_one(scheme: Scheme) -> None:
    with time_machine.travel(SIGNING_STARTS_AT, tick=False):
        petition = make_petition(
            action="  Reopen   the public toilets  ",
            background="The toilets\tclosed in March.  ",
            additional_details=" More  here ",
            creator_postcode="km1  1aa",
        )

    petition.refresh_from_db()
    assert petition.state == PetitionState.PENDING
    assert petition.action == "Reopen the public toilets"
    assert petition.background == "The toilets closed in March."
    assert petition.additional_details == "More here"
    assert petition.creator_postcode == "KM1 1AA"
    assert petition.created_at == SIGNING_STARTS_AT
    assert petition.signature_count == 0
    assert petition.creator_token
    assert petition.sponsor_token
    assert petition.creator_token != petition.sponsor_token
    assert petition.opened_at is None
    assert petition.deadline_at is None

    version = petition.current_version
    assert version is not None
    assert list(petition.versions.values_list("number", flat=True)) == [1]
    assert (version.number, version.action, version.background, version.additional_details) == (
        1,
        "Reopen the public toilets",
        "The toilets closed in March.",
        "More here",
    )
    assert version.created_at == SIGNING_STARTS_AT
    assert audit_actions(petition) == ["petition.created"]


@pytest.mark.parametrize(
    ("field", "limit", "code"),
    [
        ("action", ACTION_MAX, "action_too_long"),
        ("background", BACKGROUND_MAX, "background_too_long"),
        ("additional_details", DETAILS_MAX, "details_too_long"),
    ],
)
def test_text_exactly_at_the_limit_is_accepted(scheme: Scheme, field: str, limit: int, code: str) -> None:
    assert limit in (80, 300, 800)
    petition = make_petition(**{field: "x" * limit})
    assert len(getattr(petition, field)) == limit
    assert len(getattr(petition.current_version, field)) == limit


@pytest.mark.parametrize(
    ("field", "limit", "code"),
    [
        ("action", 80, "action_too_long"),
        ("background", 300, "background_too_long"),
        ("additional_details", 800, "details_too_long"),
    ],
)
def test_text_one_over_the_limit_is_refused_and_nothing_is_created(
    scheme: Scheme, django_capture_on_commit_callbacks: CaptureCallbacks, field: str, limit: int, code: str
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(DomainError) as excinfo:
        make_petition(**{field: "x" * (limit + 1)})

    assert excinfo.value.code == code
    assert f"{limit} characters or fewer" in excinfo.value.message
    assert nothing_created()
    assert callbacks == []
    assert mail.outbox == []


def test_surrounding_whitespace_does_not_count_towards_the_limit(scheme: Scheme) -> None:
    petition = make_petition(action="  " + "x" * ACTION_MAX + "\n ")
    assert petition.action == "x" * ACTION_MAX


@pytest.mark.parametrize(
    ("overrides", "code", "message"),
    [
        ({"action": ""}, "action_blank", "Enter the action"),
        ({"action": "  \n\t "}, "action_blank", "Enter the action"),
        ({"background": ""}, "background_blank", "Enter the background"),
        ({"background": "   "}, "background_blank", "Enter the background"),
        ({"decision_maker": "   "}, "decision_maker_blank", "Say who the petition is addressed to"),
    ],
)
def test_blank_required_text_is_refused(scheme: Scheme, overrides: dict[str, str], code: str, message: str) -> None:
    with pytest.raises(DomainError) as excinfo:
        make_petition(**overrides)
    assert excinfo.value.code == code
    assert message in excinfo.value.message
    assert nothing_created()


def test_blank_additional_details_are_fine(scheme: Scheme) -> None:
    petition = make_petition(additional_details="   ")
    assert petition.additional_details == ""


@pytest.mark.parametrize("postcode", ["", "KM1", "12345", "KM1 1CA", "KM1 1AAA", "K1M 1AA 1", "SW1A-1AA"])
def test_bad_postcode_is_refused(scheme: Scheme, postcode: str) -> None:
    with pytest.raises(DomainError) as excinfo:
        make_petition(creator_postcode=postcode)
    assert excinfo.value.code == "postcode_invalid"
    assert "Enter a real postcode" in excinfo.value.message
    assert nothing_created()


def test_unknown_official_is_refused(scheme: Scheme, mayor: Official) -> None:
    with pytest.raises(DomainError) as excinfo:
        make_petition(official_id=mayor.pk + 1000)
    assert excinfo.value.code == "official_unknown"
    assert nothing_created()


def test_decision_maker_comes_from_the_chosen_official(scheme: Scheme, mayor: Official) -> None:
    petition = make_petition(official_id=mayor.pk, decision_maker="ignored when an official is chosen")
    petition.refresh_from_db()
    assert petition.decision_maker == "Cllr Helen Marsh, Mayor"
    assert petition.official == mayor


@pytest.mark.parametrize(
    ("field", "limit", "code"),
    [("creator_name", 100, "creator_name_too_long"), ("decision_maker", 200, "decision_maker_too_long")],
)
def test_over_long_names_are_refused_not_silently_cut(scheme: Scheme, field: str, limit: int, code: str) -> None:
    """Nothing a person typed may be lost: a name over the limit is refused, not truncated."""
    assert getattr(make_petition(**{field: "y" * limit}), field) == "y" * limit
    with pytest.raises(DomainError) as excinfo:
        make_petition(**{field: "y" * (limit + 1)})
    assert excinfo.value.code == code
    assert f"{limit} characters or fewer" in excinfo.value.message
    assert Petition.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("creator_name", "   ", "creator_name_blank"),
        ("creator_email", "not-an-address", "creator_email_invalid"),
        ("creator_email", "ann@", "creator_email_invalid"),
    ],
)
def test_the_service_checks_the_creator_itself(scheme: Scheme, field: str, value: str, code: str) -> None:
    """The admin or the API may call the service without the web form's checks."""
    with pytest.raises(DomainError) as excinfo:
        make_petition(**{field: value})
    assert excinfo.value.code == code
    assert Petition.objects.count() == 0


def test_decision_maker_typed_in_when_no_official(scheme: Scheme) -> None:
    petition = make_petition(decision_maker="  The  Chief Executive ")
    assert petition.decision_maker == "The Chief Executive"
    assert petition.official is None


def test_creator_confirmation_email_goes_out_after_commit(
    scheme: Scheme, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        petition = make_petition(settle=False)
    # Nothing is sent until the transaction commits.
    assert len(callbacks) == 1
    assert mail.outbox == []
    callbacks[0]()

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ann@example.org"]
    assert message.subject == "Confirm your petition: Reopen the public toilets on Kingsmere Road"
    assert links_in(message.body) == [f"http://testserver/petitions/{petition.pk}/creator/{petition.creator_token}/"]
    assert "Dear Ann Creator" in message.body


def test_petition_create_is_keyword_only(scheme: Scheme) -> None:
    with pytest.raises(TypeError):
        petition_create("action", "background")  # type: ignore[misc]


# --- creator confirmation and sponsors ---------------------------------------------------


def test_creator_confirms_and_gets_a_sponsor_link(
    scheme: Scheme, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    petition = make_petition()
    with time_machine.travel(SIGNING_STARTS_AT, tick=False), django_capture_on_commit_callbacks(execute=True):
        result = petition_confirm_creator(petition_id=petition.pk, token=petition.creator_token)

    petition.refresh_from_db()
    assert result.state == petition.state == PetitionState.SPONSORING
    assert petition.creator_confirmed_at == SIGNING_STARTS_AT
    assert petition.moderation_requested_at is None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ann@example.org"]
    assert message.subject.startswith("Gather sponsors for your petition")
    assert "ask 5 supporters" in message.body
    assert links_in(message.body) == [f"http://testserver/petitions/{petition.pk}/sponsor/{petition.sponsor_token}/"]
    assert audit_actions(petition) == ["petition.created", "petition.creator_confirmed"]


@pytest.mark.parametrize("token", ["", "wrong", "sponsor"])
def test_creator_confirm_with_wrong_token_is_not_found(
    scheme: Scheme, django_capture_on_commit_callbacks: CaptureCallbacks, token: str
) -> None:
    petition = make_petition()
    if token == "sponsor":
        token = petition.sponsor_token
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(NotFound) as excinfo:
        petition_confirm_creator(petition_id=petition.pk, token=token)
    assert excinfo.value.code == "bad_token"
    assert excinfo.value.http_status == 404
    petition.refresh_from_db()
    assert petition.state == PetitionState.PENDING
    assert petition.creator_confirmed_at is None
    assert mail.outbox == []


def test_creator_confirm_for_missing_petition_is_not_found(scheme: Scheme) -> None:
    with pytest.raises(NotFound):
        petition_confirm_creator(petition_id=987654, token="anything")


def test_confirming_the_creator_twice_is_harmless(
    scheme: Scheme, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    petition = make_petition()
    with time_machine.travel(SIGNING_STARTS_AT, tick=False):
        petition_confirm_creator(petition_id=petition.pk, token=petition.creator_token)
    with (
        time_machine.travel(SIGNING_STARTS_AT + datetime.timedelta(days=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        again = petition_confirm_creator(petition_id=petition.pk, token=petition.creator_token)

    assert again.state == PetitionState.SPONSORING
    petition.refresh_from_db()
    assert petition.creator_confirmed_at == SIGNING_STARTS_AT
    assert mail.outbox == []
    assert audit_actions(petition).count("petition.creator_confirmed") == 1


def test_sponsors_send_the_petition_to_moderation_only_when_enough_confirm(
    scheme: Scheme, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    assert scheme.sponsor_count == 5
    petition = sponsoring_petition()
    for n in range(4):
        sponsor(petition, n)
    # A fifth sponsor who has signed but not yet confirmed does not count.
    fifth = sponsor(petition, 4, confirm=False)
    petition.refresh_from_db()
    assert petition.state == PetitionState.SPONSORING
    assert petition.moderation_requested_at is None

    with time_machine.travel(SIGNING_STARTS_AT, tick=False), django_capture_on_commit_callbacks(execute=True):
        signature_confirm(signature_id=fifth.pk, token=fifth.token)

    petition.refresh_from_db()
    assert petition.state == PetitionState.AWAITING_MODERATION
    assert petition.moderation_requested_at == SIGNING_STARTS_AT
    assert [m.subject for m in mail.outbox] == [
        "Your petition is waiting for moderation: Reopen the public toilets on Kingsmere Road"
    ]
    assert mail.outbox[0].to == ["ann@example.org"]
    assert audit_actions(petition).count("petition.moderation_requested") == 1


def test_a_sixth_sponsor_does_not_request_moderation_again(scheme: Scheme) -> None:
    petition = awaiting_petition()
    requested_at = petition.moderation_requested_at
    sixth = sponsor(petition, 5)
    petition.refresh_from_db()
    assert sixth.is_sponsor
    assert petition.state == PetitionState.AWAITING_MODERATION
    assert petition.moderation_requested_at == requested_at
    assert audit_actions(petition).count("petition.moderation_requested") == 1


def test_scheme_without_sponsors_goes_straight_to_moderation(scheme: Scheme) -> None:
    Scheme.objects.filter(pk=scheme.pk).update(sponsor_count=0)
    petition = sponsoring_petition()
    petition.refresh_from_db()
    assert petition.state == PetitionState.AWAITING_MODERATION
    assert petition.moderation_requested_at is not None


@pytest.mark.parametrize("state", [PetitionState.PENDING, PetitionState.AWAITING_MODERATION, PetitionState.OPEN])
def test_request_moderation_only_moves_a_sponsoring_petition(
    scheme: Scheme, moderator: User, state: PetitionState
) -> None:
    if state == PetitionState.PENDING:
        petition = make_petition()
    elif state == PetitionState.AWAITING_MODERATION:
        petition = awaiting_petition()
    else:
        petition = open_petition(moderator=moderator)
    before = audit_actions(petition)
    result = petition_request_moderation(petition_id=petition.pk)
    assert result.state == state
    petition.refresh_from_db()
    assert petition.state == state
    assert audit_actions(petition) == before


# --- opening -----------------------------------------------------------------------------


def test_approving_opens_the_petition_with_a_deadline(scheme: Scheme, moderator: User) -> None:
    petition = awaiting_petition()
    with time_machine.travel(SIGNING_STARTS_AT, tick=False):
        result = petition_open(petition_id=petition.pk, actor=moderator)

    petition.refresh_from_db()
    assert result.state == petition.state == PetitionState.OPEN
    assert petition.is_open
    assert petition.opened_at == SIGNING_STARTS_AT
    assert scheme.duration_months == 6
    # 12:00 GMT in March; six months on is 12:00 BST, 11:00 UTC: the body's wall clock.
    assert petition.deadline_at == datetime.datetime(2025, 9, 10, 11, 0, tzinfo=UTC)
    event = AuditEvent.objects.get(action="petition.opened", target_id=str(petition.pk))
    assert event.actor == moderator


def test_deadline_is_in_calendar_months_from_the_31st(scheme: Scheme, moderator: User) -> None:
    Scheme.objects.filter(pk=scheme.pk).update(duration_months=1)
    petition = awaiting_petition()
    opened = datetime.datetime(2025, 1, 31, 9, 30, tzinfo=UTC)
    with time_machine.travel(opened, tick=False):
        petition_open(petition_id=petition.pk, actor=moderator)
    petition.refresh_from_db()
    assert petition.deadline_at == datetime.datetime(2025, 2, 28, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (datetime.datetime(2025, 1, 31, 10, 0, tzinfo=UTC), 1, datetime.datetime(2025, 2, 28, 10, 0, tzinfo=UTC)),
        (datetime.datetime(2024, 1, 31, 10, 0, tzinfo=UTC), 1, datetime.datetime(2024, 2, 29, 10, 0, tzinfo=UTC)),
        (datetime.datetime(2024, 1, 29, 10, 0, tzinfo=UTC), 1, datetime.datetime(2024, 2, 29, 10, 0, tzinfo=UTC)),
        (datetime.datetime(2025, 3, 31, 23, 59, tzinfo=UTC), 1, datetime.datetime(2025, 4, 30, 23, 59, tzinfo=UTC)),
        # Across the clocks going back: the wall-clock time is kept (01:00 BST → 01:00 GMT).
        (datetime.datetime(2025, 8, 31, 0, 0, tzinfo=UTC), 6, datetime.datetime(2026, 2, 28, 1, 0, tzinfo=UTC)),
        (datetime.datetime(2025, 10, 15, 8, 0, tzinfo=UTC), 3, datetime.datetime(2026, 1, 15, 9, 0, tzinfo=UTC)),
        # 00:30 BST on 1 July is still 30 June in UTC; six months on is 1 January locally.
        (datetime.datetime(2025, 6, 30, 23, 30, tzinfo=UTC), 6, datetime.datetime(2026, 1, 1, 0, 30, tzinfo=UTC)),
        # Across the clocks going forward: 10:00 GMT → 10:00 BST (09:00 UTC).
        (datetime.datetime(2025, 1, 15, 10, 0, tzinfo=UTC), 6, datetime.datetime(2025, 7, 15, 9, 0, tzinfo=UTC)),
        (datetime.datetime(2025, 12, 31, 8, 0, tzinfo=UTC), 2, datetime.datetime(2026, 2, 28, 8, 0, tzinfo=UTC)),
        (datetime.datetime(2024, 2, 29, 8, 0, tzinfo=UTC), 12, datetime.datetime(2025, 2, 28, 8, 0, tzinfo=UTC)),
        (datetime.datetime(2025, 5, 15, 8, 0, tzinfo=UTC), 24, datetime.datetime(2027, 5, 15, 8, 0, tzinfo=UTC)),
    ],
)
def test_add_months(start: datetime.datetime, months: int, expected: datetime.datetime) -> None:
    result = add_months(start, months)
    assert result == expected
    assert result.tzinfo is UTC


@pytest.mark.parametrize(
    "state",
    [
        PetitionState.PENDING,
        PetitionState.SPONSORING,
        PetitionState.OPEN,
        PetitionState.CLOSED,
        PetitionState.REJECTED,
        PetitionState.REMOVED,
    ],
)
def test_open_from_the_wrong_state_is_refused(scheme: Scheme, moderator: User, state: PetitionState) -> None:
    petition = _petition_in_state(scheme, moderator, state)
    before = Petition.objects.values().get(pk=petition.pk)
    with pytest.raises(InvalidState) as excinfo:
        petition_open(petition_id=petition.pk, actor=moderator)
    assert excinfo.value.code == "petition_state"
    assert excinfo.value.http_status == 409
    assert "cannot be approved" in excinfo.value.message
    assert Petition.objects.values().get(pk=petition.pk) == before


def test_open_missing_petition_is_not_found(scheme: Scheme, moderator: User) -> None:
    with pytest.raises(NotFound):
        petition_open(petition_id=424242, actor=moderator)


def _petition_in_state(scheme: Scheme, moderator: User, state: PetitionState) -> Petition:
    if state == PetitionState.PENDING:
        return make_petition()
    if state == PetitionState.SPONSORING:
        return sponsoring_petition()
    if state == PetitionState.AWAITING_MODERATION:
        return awaiting_petition()
    if state == PetitionState.REJECTED:
        petition = awaiting_petition()
        return petition_reject(petition_id=petition.pk, reason="duplicate", details="", actor=moderator)
    with time_machine.travel(SIGNING_STARTS_AT, tick=False):
        petition = open_petition(moderator=moderator)
    if state == PetitionState.CLOSED:
        petition_close_expired(now=petition.deadline_at)
    elif state == PetitionState.REMOVED:
        petition_remove(petition_id=petition.pk, actor=moderator)
    petition.refresh_from_db()
    assert petition.state == state
    return petition


# --- rejecting and removing ----------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "rude", "LIBELLOUS", "other"])
def test_reject_with_an_invalid_reason_is_refused(scheme: Scheme, moderator: User, reason: str) -> None:
    petition = awaiting_petition()
    with pytest.raises(DomainError) as excinfo:
        petition_reject(petition_id=petition.pk, reason=reason, details="x", actor=moderator)
    assert excinfo.value.code == "reason_invalid"
    petition.refresh_from_db()
    assert petition.state == PetitionState.AWAITING_MODERATION
    assert petition.rejection_reason == ""
    assert "petition.rejected" not in audit_actions(petition)


@pytest.mark.parametrize("reason", list(RejectionReason))
def test_reject_records_the_reason_and_hides_only_for_hiding_reasons(
    scheme: Scheme, moderator: User, reason: RejectionReason
) -> None:
    petition = awaiting_petition()
    with time_machine.travel(SIGNING_STARTS_AT, tick=False):
        petition_reject(
            petition_id=petition.pk, reason=reason.value, details="  Please  see the scheme. ", actor=moderator
        )
    petition.refresh_from_db()
    assert petition.state == PetitionState.REJECTED
    assert petition.rejected_at == SIGNING_STARTS_AT
    assert petition.rejection_reason == reason.value
    assert petition.rejection_details == "Please see the scheme."
    assert petition.is_hidden is (reason.value in {"libellous", "offensive", "advert"})
    event = AuditEvent.objects.get(action="petition.rejected", target_id=str(petition.pk))
    assert event.actor == moderator
    assert event.data == {"reason": reason.value}


@pytest.mark.parametrize(
    "state", [PetitionState.PENDING, PetitionState.SPONSORING, PetitionState.OPEN, PetitionState.REJECTED]
)
def test_reject_from_the_wrong_state_is_refused(scheme: Scheme, moderator: User, state: PetitionState) -> None:
    petition = _petition_in_state(scheme, moderator, state)
    before = Petition.objects.values().get(pk=petition.pk)
    with pytest.raises(InvalidState) as excinfo:
        petition_reject(petition_id=petition.pk, reason="advert", details="", actor=moderator)
    assert excinfo.value.code == "petition_state"
    assert "cannot be rejected" in excinfo.value.message
    assert Petition.objects.values().get(pk=petition.pk) == before


def test_only_hiding_reasons_hide_and_only_when_rejected(scheme: Scheme, moderator: User) -> None:
    petition = open_petition(moderator=moderator)
    # A reason left on a petition in another state hides nothing.
    petition.rejection_reason = RejectionReason.LIBELLOUS
    assert not petition.is_hidden


def test_remove_takes_a_petition_down_once(scheme: Scheme, moderator: User) -> None:
    petition = open_petition(moderator=moderator)
    with time_machine.travel(SIGNING_STARTS_AT, tick=False):
        petition_remove(petition_id=petition.pk, actor=moderator)
    petition.refresh_from_db()
    assert petition.state == PetitionState.REMOVED
    assert petition.removed_at == SIGNING_STARTS_AT
    event = AuditEvent.objects.get(action="petition.removed", target_id=str(petition.pk))
    assert event.data == {"previous_state": "open"}

    with pytest.raises(InvalidState) as excinfo:
        petition_remove(petition_id=petition.pk, actor=moderator)
    assert excinfo.value.code == "petition_state"
    assert excinfo.value.message == "This petition is removed, so it cannot be removed."
    petition.refresh_from_db()
    assert petition.removed_at == SIGNING_STARTS_AT
    assert AuditEvent.objects.filter(action="petition.removed").count() == 1


@pytest.mark.parametrize("state", [PetitionState.CLOSED, PetitionState.REJECTED])
def test_closed_and_rejected_petitions_can_be_removed(scheme: Scheme, moderator: User, state: PetitionState) -> None:
    petition = _petition_in_state(scheme, moderator, state)
    petition_remove(petition_id=petition.pk, actor=moderator)
    petition.refresh_from_db()
    assert petition.state == PetitionState.REMOVED
    event = AuditEvent.objects.get(action="petition.removed", target_id=str(petition.pk))
    assert event.data == {"previous_state": state.value}


# --- closing -----------------------------------------------------------------------------


def test_close_expired_closes_only_open_petitions_past_their_deadline(scheme: Scheme, moderator: User) -> None:
    with time_machine.travel(datetime.datetime(2025, 1, 10, 12, 0, tzinfo=UTC), tick=False):
        early = open_petition(moderator=moderator, action="Early petition")
    with time_machine.travel(datetime.datetime(2025, 2, 10, 12, 0, tzinfo=UTC), tick=False):
        on_time = open_petition(moderator=moderator, action="Deadline exactly now")
    with time_machine.travel(datetime.datetime(2025, 3, 10, 12, 0, tzinfo=UTC), tick=False):
        later = open_petition(moderator=moderator, action="Later petition")
    waiting = awaiting_petition(action="Waiting petition")
    rejected = awaiting_petition(action="Rejected petition")
    petition_reject(petition_id=rejected.pk, reason="duplicate", details="", actor=moderator)

    assert early.deadline_at == datetime.datetime(2025, 7, 10, 11, 0, tzinfo=UTC)  # 12:00 BST
    assert on_time.deadline_at == datetime.datetime(2025, 8, 10, 11, 0, tzinfo=UTC)
    run_at = datetime.datetime(2025, 8, 10, 12, 0, tzinfo=UTC)
    with time_machine.travel(run_at + datetime.timedelta(hours=1), tick=False):
        assert petition_close_expired(now=run_at) == 2

    for petition in (early, on_time):
        petition.refresh_from_db()
        assert petition.state == PetitionState.CLOSED
        # Closed at the deadline, not when the scheduler happened to run.
        assert petition.closed_at == petition.deadline_at
    for petition, state in ((later, PetitionState.OPEN), (waiting, PetitionState.AWAITING_MODERATION)):
        petition.refresh_from_db()
        assert petition.state == state
        assert petition.closed_at is None
    rejected.refresh_from_db()
    assert rejected.state == PetitionState.REJECTED
    assert AuditEvent.objects.filter(action="petition.closed").count() == 2

    # Running again closes nothing more.
    assert petition_close_expired(now=run_at) == 0
    assert AuditEvent.objects.filter(action="petition.closed").count() == 2


def test_close_expired_uses_the_current_time_by_default(scheme: Scheme, moderator: User) -> None:
    with time_machine.travel(SIGNING_STARTS_AT, tick=False):
        petition = open_petition(moderator=moderator)
    assert petition.deadline_at is not None
    with time_machine.travel(petition.deadline_at - datetime.timedelta(seconds=1), tick=False):
        assert petition_close_expired() == 0
    with time_machine.travel(petition.deadline_at + datetime.timedelta(minutes=3), tick=False):
        assert petition_close_expired() == 1
    petition.refresh_from_db()
    assert petition.state == PetitionState.CLOSED
    assert petition.closed_at == petition.deadline_at
