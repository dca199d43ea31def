"""Opening, drafting and publishing responses: rules, permissions and refusals."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.core import mail

from tests.builders import CROSSED_AT, RESPONSE_DUE_ON, letters_keyed, open_petition, sign, staff
from tests.responses.conftest import RESPONSE_TEXT, cross_threshold, owe_response, publish
from townhall.accounts.models import Role, User
from townhall.audit.models import AuditEvent
from townhall.core.errors import DomainError, InvalidState, NotFound, PermissionDeniedError
from townhall.officials.models import Official
from townhall.petitions.models import Petition, PetitionState
from townhall.petitions.services import petition_remove
from townhall.responses.models import Response
from townhall.responses.services import (
    RESPONSE_MAX,
    draft_digest,
    response_open_due,
    response_publish,
    response_save_draft,
)
from townhall.schemes.models import BankHoliday, PeriodKind, Scheme, Threshold, ThresholdKind
from townhall.signatures.services import signature_count_new

pytestmark = pytest.mark.django_db


UTC = datetime.UTC


# --- becoming owed -------------------------------------------------------------------------


def test_crossing_the_response_threshold_opens_a_response_due_by_the_schemes_period(
    scheme: Scheme, moderator: User, mayor: Official
) -> None:
    petition = cross_threshold(moderator=moderator, official_id=mayor.pk)
    assert not Response.objects.exists()

    with time_machine.travel(CROSSED_AT + datetime.timedelta(seconds=5), tick=False):
        assert response_open_due() == 1

    response = Response.objects.get()
    assert response.petition == petition
    assert response.threshold_reached_at == CROSSED_AT
    # English council preset: 20 working days from Thursday 12 February 2026.
    assert (scheme.response_period_days, scheme.response_period_kind) == (20, PeriodKind.WORKING)
    assert response.due_on == RESPONSE_DUE_ON
    assert response.official == mayor
    assert not response.is_published
    event = AuditEvent.objects.get(action="response.opened")
    assert event.data["due_on"] == "2026-03-12"


def test_opening_responses_is_idempotent(scheme: Scheme, moderator: User) -> None:
    owe_response(moderator=moderator)

    assert response_open_due() == 0
    assert response_open_due() == 0

    assert Response.objects.count() == 1
    assert AuditEvent.objects.filter(action="response.opened").count() == 1


def test_the_clock_starts_on_the_bodys_local_date_of_the_crossing(scheme: Scheme, moderator: User) -> None:
    # 23:30 UTC on Tuesday 31 March 2026 is 00:30 BST on Wednesday 1 April in Kingsmere.
    Scheme.objects.filter(pk=scheme.pk).update(response_period_days=30, response_period_kind=PeriodKind.CALENDAR)
    response = owe_response(moderator=moderator, crossed_at=datetime.datetime(2026, 3, 31, 23, 30, tzinfo=UTC))

    assert response.due_on == datetime.date(2026, 5, 1)  # not 30 April, as a UTC date would give


def test_working_day_deadlines_skip_the_bodys_bank_holidays(scheme: Scheme, moderator: User) -> None:
    BankHoliday.objects.create(date=datetime.date(2026, 4, 3), name="Good Friday")
    BankHoliday.objects.create(date=datetime.date(2026, 4, 6), name="Easter Monday")
    Scheme.objects.filter(pk=scheme.pk).update(response_period_days=5, response_period_kind=PeriodKind.WORKING)
    # Monday 30 March 2026: Tue 31, Wed 1, Thu 2, (Good Friday, weekend, Easter Monday), Tue 7, Wed 8.
    response = owe_response(moderator=moderator, crossed_at=datetime.datetime(2026, 3, 30, 9, 0, tzinfo=UTC))

    assert response.due_on == datetime.date(2026, 4, 8)


def test_a_due_date_once_set_does_not_move_when_the_scheme_changes(scheme: Scheme, moderator: User) -> None:
    response = owe_response(moderator=moderator)
    Scheme.objects.filter(pk=scheme.pk).update(response_period_days=90, response_period_kind=PeriodKind.CALENDAR)

    response_open_due()

    response.refresh_from_db()
    assert response.due_on == RESPONSE_DUE_ON


def test_no_response_is_owed_below_the_threshold_or_for_other_thresholds(scheme: Scheme, moderator: User) -> None:
    Threshold.objects.filter(kind=ThresholdKind.RESPONSE).update(count=1000)
    Threshold.objects.filter(kind=ThresholdKind.DEBATE).update(count=6)
    petition = open_petition(moderator=moderator)
    sign(petition, 1, wants_updates=True)
    signature_count_new()
    assert petition.threshold_crossings.get().threshold.kind == ThresholdKind.DEBATE

    assert response_open_due() == 0
    assert not Response.objects.exists()


def test_a_petition_removed_after_crossing_is_owed_no_response(scheme: Scheme, moderator: User) -> None:
    petition = cross_threshold(moderator=moderator)
    petition_remove(petition_id=petition.pk, actor=moderator)

    assert response_open_due() == 0


def test_a_closed_petition_that_crossed_is_still_owed_its_response(scheme: Scheme, moderator: User) -> None:
    petition = cross_threshold(moderator=moderator)
    Petition.objects.filter(pk=petition.pk).update(state=PetitionState.CLOSED, closed_at=CROSSED_AT)

    assert response_open_due() == 1


def test_the_scheduler_opens_responses_after_counting(scheme: Scheme, moderator: User) -> None:
    from django.core.management import call_command

    petition = cross_threshold(moderator=moderator, subscribers=4)
    assert not petition.threshold_crossings.exists()

    with time_machine.travel(CROSSED_AT, tick=False):
        sign(petition, 99, wants_updates=True)
        call_command("scheduler", "--once")

    response = Response.objects.get(petition=petition)
    assert response.threshold_reached_at == CROSSED_AT
    assert response.due_on == RESPONSE_DUE_ON


# --- drafting ------------------------------------------------------------------------------


def test_a_responder_saves_a_draft(scheme: Scheme, moderator: User, responder: User) -> None:
    response = owe_response(moderator=moderator)

    saved = response_save_draft(response_id=response.pk, text="  Thank you.  \r\n\r\nWe  will act.  ", actor=responder)

    assert saved.draft == "Thank you.\n\nWe will act."
    assert saved.drafted_by == responder
    assert saved.drafted_at is not None
    assert not saved.is_published
    assert saved.body == ""
    assert AuditEvent.objects.filter(action="response.draft_saved", actor=responder).count() == 1


@pytest.mark.parametrize("who", ["moderator", "anonymous", "clerk", "inactive responder"])
def test_only_responders_may_draft_or_publish(scheme: Scheme, moderator: User, responder: User, who: str) -> None:
    from django.contrib.auth.models import AnonymousUser

    response = owe_response(moderator=moderator)
    response_save_draft(response_id=response.pk, text="Draft", actor=responder)
    actors: dict[str, Any] = {
        "moderator": moderator,
        "anonymous": AnonymousUser(),
        "clerk": staff("clerk", Role.CLERK, email="c@example.org", password="x" * 12),
        "inactive responder": staff("gone", Role.RESPONDER, email="g@example.org", password="x" * 12, is_active=False),
    }

    with pytest.raises(PermissionDeniedError) as drafting:
        response_save_draft(response_id=response.pk, text="Mine now", actor=actors[who])
    with pytest.raises(PermissionDeniedError):
        response_publish(response_id=response.pk, actor=actors[who])

    assert drafting.value.http_status == 403
    response.refresh_from_db()
    assert response.draft == "Draft"
    assert not response.is_published


def test_an_over_long_draft_is_refused_and_the_saved_one_kept(scheme: Scheme, moderator: User, responder: User) -> None:
    response = owe_response(moderator=moderator)
    response_save_draft(response_id=response.pk, text="Short", actor=responder)

    with pytest.raises(DomainError) as error:
        response_save_draft(response_id=response.pk, text="x" * (RESPONSE_MAX + 1), actor=responder)

    assert error.value.code == "response_too_long"
    response.refresh_from_db()
    assert response.draft == "Short"


def test_an_unknown_response_is_not_found(scheme: Scheme, responder: User) -> None:
    with pytest.raises(NotFound):
        response_save_draft(response_id=987, text="x", actor=responder)
    with pytest.raises(NotFound):
        response_publish(response_id=987, actor=responder)


# --- publishing ----------------------------------------------------------------------------


def test_publishing_freezes_the_draft_and_marks_the_petition_responded(
    scheme: Scheme, moderator: User, responder: User
) -> None:
    response = owe_response(moderator=moderator)
    published_at = datetime.datetime(2026, 3, 10, 15, 0, tzinfo=UTC)

    with time_machine.travel(published_at, tick=False):
        published = publish(response, by=responder)

    assert published.body == RESPONSE_TEXT
    assert published.published_at == published_at
    assert published.published_by == responder
    petition = Petition.objects.get(pk=response.petition_id)
    assert petition.response_published_at == published_at
    event = AuditEvent.objects.get(action="response.published")
    assert event.actor == responder
    assert event.data == {"due_on": "2026-03-12", "late_by": 0}


def test_a_late_publication_is_recorded_as_late(scheme: Scheme, moderator: User, responder: User) -> None:
    response = owe_response(moderator=moderator)

    with time_machine.travel(datetime.datetime(2026, 3, 16, 9, 0, tzinfo=UTC), tick=False):
        publish(response, by=responder)

    assert AuditEvent.objects.get(action="response.published").data["late_by"] == 4


def test_an_administrator_may_publish(scheme: Scheme, moderator: User, administrator: User) -> None:
    response = owe_response(moderator=moderator)

    assert publish(response, by=administrator).is_published


def test_an_empty_draft_cannot_be_published(scheme: Scheme, moderator: User, responder: User) -> None:
    response = owe_response(moderator=moderator)
    response_save_draft(response_id=response.pk, text=" \n\n ", actor=responder)

    with pytest.raises(DomainError) as error:
        response_publish(response_id=response.pk, actor=responder)

    assert error.value.code == "response_empty"
    response.refresh_from_db()
    assert not response.is_published
    assert Petition.objects.get(pk=response.petition_id).response_published_at is None


def test_a_published_response_cannot_be_published_again_or_changed(
    scheme: Scheme, moderator: User, responder: User
) -> None:
    response = owe_response(moderator=moderator)
    first = publish(response, by=responder)

    with pytest.raises(InvalidState) as again:
        response_publish(response_id=response.pk, actor=responder)
    with pytest.raises(InvalidState) as edit:
        response_save_draft(response_id=response.pk, text="Second thoughts", actor=responder)

    assert again.value.code == edit.value.code == "response_published"
    response.refresh_from_db()
    assert (response.body, response.draft, response.published_at) == (RESPONSE_TEXT, RESPONSE_TEXT, first.published_at)


def test_publishing_what_was_previewed_only(scheme: Scheme, moderator: User, responder: User) -> None:
    response = owe_response(moderator=moderator)
    response_save_draft(response_id=response.pk, text="The text I previewed", actor=responder)
    previewed = draft_digest(text="The text I previewed")
    response_save_draft(response_id=response.pk, text="A colleague's late edit", actor=responder)

    with pytest.raises(InvalidState) as error:
        response_publish(response_id=response.pk, actor=responder, expected_digest=previewed)

    assert error.value.code == "draft_changed"
    assert not Response.objects.get(pk=response.pk).is_published
    published = response_publish(
        response_id=response.pk, actor=responder, expected_digest=draft_digest(text="A colleague's late edit")
    )
    assert published.body == "A colleague's late edit"


def test_a_refused_publication_changes_nothing_and_emails_nobody(
    scheme: Scheme, moderator: User, responder: User, django_capture_on_commit_callbacks: Any
) -> None:
    response = owe_response(moderator=moderator)
    response_save_draft(response_id=response.pk, text="Draft", actor=responder)
    petition_remove(petition_id=response.petition_id, actor=moderator)

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(InvalidState):
        response_publish(response_id=response.pk, actor=responder)

    assert callbacks == []
    assert not Response.objects.get(pk=response.pk).is_published
    assert not letters_keyed("response:").exists()
    assert mail.outbox == []


def test_publishing_queues_the_fan_out_only_after_commit(
    scheme: Scheme, moderator: User, responder: User, django_capture_on_commit_callbacks: Any
) -> None:
    response = owe_response(moderator=moderator, subscribers=7)
    response_save_draft(response_id=response.pk, text=RESPONSE_TEXT, actor=responder)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response_publish(response_id=response.pk, actor=responder)
    assert not letters_keyed("response:").exists()  # nothing before the commit

    for callback in callbacks:
        callback()  # the commit: the fan-out task runs (inline in tests)

    assert letters_keyed("response:").count() == 7
    assert Response.objects.get(pk=response.pk).fanout_finished_at is not None
