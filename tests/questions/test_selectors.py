"""The verdict distribution and the public lists: each accepted question counted exactly once."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest

from tests.builders import MEETING_AT
from tests.meetings.conftest import schedule
from tests.questions.conftest import accepted, ask
from townhall.accounts.models import User
from townhall.core.tokens import link_token
from townhall.meetings.models import AgendaItemKind, Committee, Meeting
from townhall.meetings.services import agenda_item_add, meeting_cancel, meeting_record_outcome
from townhall.officials.models import Official
from townhall.officials.services import official_appoint
from townhall.questions.models import Question, Verdict
from townhall.questions.selectors import (
    VerdictDistribution,
    distribution_of,
    question_list_for_meeting,
    question_page_for_person,
    question_verdict_distribution,
)
from townhall.questions.services import (
    question_answer,
    question_confirm,
    question_record_verdict,
    question_reject,
)

pytestmark = pytest.mark.django_db


@dataclass
class Fixture:
    held: Meeting
    upcoming: Meeting
    cancelled: Meeting
    mayor: Official
    leader: Official
    chief_executive: Official
    questions: dict[str, Question]


@pytest.fixture
def fixture(
    meeting: Meeting,
    question_time: Committee,
    mayor: Official,
    moderator: User,
    responder: User,
    clerk: User,
    frozen_time: Any,
) -> Fixture:
    """Questions in every status, to two people (one in two roles) at three meetings."""
    leader = official_appoint(
        name="Cllr Helen Marsh", role="Leader of the Council", started_on=datetime.date(2025, 5, 1)
    )
    assert leader.person_id == mayor.person_id
    chief_executive = official_appoint(name="Priya Raman", role="Chief Executive", started_on=datetime.date(2025, 9, 1))
    upcoming = schedule(clerk, question_time, starts_at=MEETING_AT + datetime.timedelta(days=14))
    cancelled = schedule(clerk, question_time, starts_at=MEETING_AT + datetime.timedelta(days=7))
    for extra in (upcoming, cancelled):
        agenda_item_add(meeting_id=extra.pk, kind=AgendaItemKind.QUESTIONS, title="", actor=clerk)

    n = iter(range(100))
    q: dict[str, Question] = {}
    for key in ("answered", "partly", "not_answered", "no_answer_verdict", "no_answer", "awaiting_verdict"):
        q[key] = accepted(meeting, mayor, moderator, next(n))
    q["leader_answered"] = accepted(meeting, leader, moderator, next(n))
    q["chief_executive_no_answer"] = accepted(meeting, chief_executive, moderator, next(n))
    rejected = ask(meeting, mayor, next(n))
    question_confirm(question_id=rejected.pk, token=rejected.token)
    q["rejected"] = question_reject(question_id=rejected.pk, reason="Off topic.", actor=moderator)
    q["pending"] = ask(meeting, mayor, next(n))
    q["upcoming_answered"] = accepted(upcoming, mayor, moderator, next(n))
    q["upcoming_unanswered"] = accepted(upcoming, mayor, moderator, next(n))
    q["cancelled"] = accepted(cancelled, mayor, moderator, next(n))

    for key in ("answered", "partly", "not_answered", "awaiting_verdict", "leader_answered", "upcoming_answered"):
        question_answer(question_id=q[key].pk, answer=f"Answer to {key}.", actor=responder)
    meeting_cancel(meeting_id=cancelled.pk, reason="No quorum.", actor=clerk)

    frozen_time.move_to(MEETING_AT + datetime.timedelta(hours=3))
    meeting_record_outcome(
        meeting_id=meeting.pk, summary="Held.", minutes_url="", video_url="", item_outcomes={}, actor=clerk
    )
    for key, verdict in (
        ("answered", Verdict.ANSWERED),
        ("partly", Verdict.PARTLY),
        ("not_answered", Verdict.NOT_ANSWERED),
        ("no_answer_verdict", Verdict.NOT_ANSWERED),
        ("leader_answered", Verdict.ANSWERED),
    ):
        question_record_verdict(
            question_id=q[key].pk, token=link_token(q[key].token, "verdict"), verdict=verdict, reason=""
        )
    return Fixture(meeting, upcoming, cancelled, mayor, leader, chief_executive, q)


def counts(distribution: VerdictDistribution) -> dict[str, int]:
    return distribution.as_dict()


def test_the_distribution_per_person_counts_every_role_and_nothing_else(
    fixture: Fixture, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(1):
        helen = question_verdict_distribution(person_id=fixture.mayor.person_id)

    assert counts(helen) == {
        "answered": 2,  # as Mayor and as Leader
        "partly": 1,
        "not_answered": 1,
        "no_answer_given": 2,  # a verdict on a question never answered does not hide that fact
        "awaiting": 3,  # an answer without a verdict yet; two at the upcoming meeting
    }
    assert helen.total == 9  # rejected, pending and cancelled-meeting questions never count
    assert (helen.no_answer_given, helen["no_answer_given"], dict(helen)) == (2, 2, counts(helen))
    assert counts(question_verdict_distribution(person_id=fixture.chief_executive.person_id)) == {
        "answered": 0,
        "partly": 0,
        "not_answered": 0,
        "no_answer_given": 1,
        "awaiting": 0,
    }


def test_the_distribution_per_meeting_and_for_everyone(fixture: Fixture) -> None:
    assert counts(question_verdict_distribution(meeting_id=fixture.held.pk)) == {
        "answered": 2,
        "partly": 1,
        "not_answered": 1,
        "no_answer_given": 3,
        "awaiting": 1,
    }
    assert counts(question_verdict_distribution(meeting_id=fixture.upcoming.pk)) == {
        "answered": 0,
        "partly": 0,
        "not_answered": 0,
        "no_answer_given": 0,
        "awaiting": 2,
    }
    assert question_verdict_distribution(meeting_id=fixture.cancelled.pk).total == 0
    assert counts(question_verdict_distribution(person_id=fixture.mayor.person_id, meeting_id=fixture.held.pk)) == {
        "answered": 2,
        "partly": 1,
        "not_answered": 1,
        "no_answer_given": 2,
        "awaiting": 1,
    }
    assert counts(question_verdict_distribution()) == {
        "answered": 2,
        "partly": 1,
        "not_answered": 1,
        "no_answer_given": 3,
        "awaiting": 3,
    }


def test_the_lists_agree_with_the_distribution(fixture: Fixture, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(1):
        rows = question_list_for_meeting(meeting_id=fixture.held.pk)

    statuses = {row.question.pk: row.status for row in rows}
    q = fixture.questions
    assert statuses == {
        q["answered"].pk: "answered",
        q["partly"].pk: "partly",
        q["not_answered"].pk: "not_answered",
        q["no_answer_verdict"].pk: "no_answer_given",
        q["no_answer"].pk: "no_answer_given",
        q["awaiting_verdict"].pk: "awaiting",
        q["leader_answered"].pk: "answered",
        q["chief_executive_no_answer"].pk: "no_answer_given",
    }
    assert distribution_of(rows) == question_verdict_distribution(meeting_id=fixture.held.pk)
    assert all(row.has_started for row in rows)

    page, person_rows = question_page_for_person(person_id=fixture.mayor.person_id, page=1, page_size=20)
    assert page.paginator.count == 10  # nine counted, plus the one at the cancelled meeting (listed, not counted)
    assert [row.status for row in person_rows][:3] == ["awaiting", "awaiting", "meeting_cancelled"]
    assert distribution_of(person_rows) == question_verdict_distribution(person_id=fixture.mayor.person_id)


def test_a_meeting_that_has_started_without_an_answer_shows_no_answer_given(
    meeting: Meeting, mayor: Official, moderator: User, frozen_time: Any
) -> None:
    question = accepted(meeting, mayor, moderator)
    frozen_time.move_to(MEETING_AT - datetime.timedelta(seconds=1))
    [before] = question_list_for_meeting(meeting_id=meeting.pk)
    assert (before.status, before.status_label) == ("awaiting", "Awaiting answer or verdict")

    # The clerk has not recorded the outcome yet: the meeting starting is enough.
    frozen_time.move_to(MEETING_AT)
    [after] = question_list_for_meeting(meeting_id=meeting.pk)

    assert after.question.pk == question.pk
    assert (after.status, after.status_label, after.shows_no_answer) == ("no_answer_given", "No answer given", True)
