"""Retention of askers' details: QUESTION_ASKER_RETENTION_DAYS after a question is finished
(its meeting started or was cancelled, or it was rejected), the anonymiser removes who
asked it. A published question stays on the record: its text, answer and verdict."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from tests.builders import MEETING_AT, WORLD_STARTS_AT
from tests.meetings.conftest import schedule
from tests.questions.conftest import QUESTION, accepted, ask
from townhall.accounts.models import User
from townhall.core import scheduler
from townhall.core.tokens import link_token
from townhall.mail.models import QueuedEmail
from townhall.meetings.models import AgendaItemKind, Committee, Meeting
from townhall.meetings.services import agenda_item_add, meeting_cancel, meeting_record_outcome
from townhall.officials.models import Official
from townhall.questions.models import Question, QuestionState, Verdict
from townhall.questions.services import question_answer, question_confirm, question_record_verdict, question_reject

pytestmark = pytest.mark.django_db

MINUTE = datetime.timedelta(minutes=1)


def period() -> datetime.timedelta:
    return datetime.timedelta(days=int(settings.TOWNHALL["QUESTION_ASKER_RETENTION_DAYS"]))


def run_anonymiser() -> None:
    job = next(job for job in scheduler.registered_jobs() if job.name == "anonymise")
    job.func()


def asker(question: Question) -> tuple[str, str, str, str, str]:
    question.refresh_from_db()
    return (
        question.asker_name,
        question.asker_email,
        question.asker_email_canonical,
        question.asker_postcode,
        question.token,
    )


NOBODY = ("", "", "", "", "")


def second_meeting(clerk: User, committee: Committee, mayor: Official, starts_at: datetime.datetime) -> Meeting:
    meeting = schedule(clerk, committee, starts_at=starts_at)
    agenda_item_add(meeting_id=meeting.pk, kind=AgendaItemKind.QUESTIONS, title="", official_id=mayor.pk, actor=clerk)
    return meeting


def test_askers_are_forgotten_the_period_after_their_meeting_and_the_public_record_stays(
    meeting: Meeting,
    question_time: Committee,
    mayor: Official,
    moderator: User,
    responder: User,
    clerk: User,
    frozen_time: Any,
) -> None:
    later = second_meeting(clerk, question_time, mayor, MEETING_AT + 2 * MINUTE)
    put = accepted(meeting, mayor, moderator, 1, name="Ann Asker", postcode="KM3 3BA")
    question_answer(question_id=put.pk, answer="In April.", actor=responder)
    waiting = ask(meeting, mayor, 2, text="Why was the library closed on Sunday?")
    question_confirm(question_id=waiting.pk, token=waiting.token)
    unconfirmed = ask(meeting, mayor, 3)
    inside = accepted(later, mayor, moderator, 4)
    frozen_time.move_to(MEETING_AT + datetime.timedelta(hours=3))
    question_record_verdict(
        question_id=put.pk,
        token=link_token(put.token, "verdict"),
        verdict=Verdict.PARTLY,
        reason="I live at 3 Mill Lane and the toilets are still shut.",
    )

    frozen_time.move_to(MEETING_AT + period() - MINUTE)
    run_anonymiser()
    assert asker(put) == ("Ann Asker", "resident1@example.org", "resident1@example.org", "KM3 3BA", put.token)
    assert Question.objects.filter(pk=unconfirmed.pk).exists()

    frozen_time.move_to(MEETING_AT + period() + MINUTE)
    run_anonymiser()

    assert asker(put) == NOBODY
    assert (put.state, put.text, put.answer, put.verdict, put.verdict_reason) == (
        QuestionState.ACCEPTED,
        QUESTION,
        "In April.",
        Verdict.PARTLY,
        "",
    )
    # Never published: nothing of what the asker wrote is kept, only that it was asked.
    assert asker(waiting) == NOBODY
    assert (waiting.state, waiting.text) == (QuestionState.AWAITING_MODERATION, "")
    # Never confirmed by its asker: deleted, as an unconfirmed signature is.
    assert not Question.objects.filter(pk=unconfirmed.pk).exists()
    # Its meeting started two minutes later: still within the period.
    assert asker(inside)[:2] == ("Resident 4", "resident4@example.org")


def test_a_rejected_question_is_forgotten_the_period_after_its_rejection(
    meeting: Meeting, mayor: Official, moderator: User, frozen_time: Any
) -> None:
    first, second = ask(meeting, mayor, 1, text="Is the councillor for Mill Ward a crook?"), ask(meeting, mayor, 2)
    for question in (first, second):
        question_confirm(question_id=question.pk, token=question.token)
    question_reject(question_id=first.pk, reason="It makes an accusation.", actor=moderator)
    frozen_time.move_to(WORLD_STARTS_AT + 2 * MINUTE)
    question_reject(question_id=second.pk, reason="A duplicate.", actor=moderator)

    # Long before the meeting plus the period: only the rejection's own clock has run out.
    frozen_time.move_to(WORLD_STARTS_AT + period() + MINUTE)
    assert WORLD_STARTS_AT + period() + MINUTE < MEETING_AT + period()
    run_anonymiser()

    assert asker(first) == NOBODY
    assert (first.state, first.text, first.rejection_reason) == (
        QuestionState.REJECTED,
        "",
        "It makes an accusation.",
    )
    assert asker(second)[1] == "resident2@example.org"


def test_questions_for_a_cancelled_meeting_are_forgotten_the_period_after_it_was_cancelled(
    meeting: Meeting, mayor: Official, moderator: User, clerk: User, frozen_time: Any
) -> None:
    question = accepted(meeting, mayor, moderator, 1)
    meeting_cancel(meeting_id=meeting.pk, reason="The chamber is flooded.", actor=clerk)

    frozen_time.move_to(WORLD_STARTS_AT + period() - MINUTE)
    run_anonymiser()
    assert asker(question)[1] == "resident1@example.org"

    frozen_time.move_to(WORLD_STARTS_AT + period() + MINUTE)
    run_anonymiser()
    assert asker(question) == NOBODY
    assert question.text == QUESTION


def test_a_forgotten_asker_gets_no_verdict_invitation_and_their_link_opens_nothing(
    client: Client, meeting: Meeting, mayor: Official, moderator: User, clerk: User, frozen_time: Any
) -> None:
    question = accepted(meeting, mayor, moderator, 1)
    verdict_link = f"/questions/{question.pk}/verdict/{link_token(question.token, 'verdict')}/"
    frozen_time.move_to(MEETING_AT + period() + MINUTE)
    run_anonymiser()

    # The clerk publishes the outcome late: there is nobody left to invite.
    meeting_record_outcome(
        meeting_id=meeting.pk, summary="Questions put.", minutes_url="", video_url="", item_outcomes={}, actor=clerk
    )
    assert not QueuedEmail.objects.filter(dedupe_key=f"question:{question.pk}:verdict").exists()
    assert client.get(verdict_link).status_code == 404


def test_the_privacy_page_states_how_long_askers_details_are_kept(client: Client, scheme: Any, settings: Any) -> None:
    settings.TOWNHALL = {**settings.TOWNHALL, "QUESTION_ASKER_RETENTION_DAYS": 83}
    page = client.get("/privacy/").content.decode()
    assert "83 days after the meeting" in page
