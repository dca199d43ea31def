"""Rows of the responses, meetings and questions tables, written directly: the record
figures read those tables, and their own services belong to other apps."""

from __future__ import annotations

import datetime
import itertools
from typing import Any

from tests.builders import make_petition
from townhall.meetings.models import Committee, CommitteeKind, Meeting, MeetingState
from townhall.officials.models import Official
from townhall.petitions.models import Petition
from townhall.questions.models import Question, QuestionState
from townhall.responses.models import Response

_n = itertools.count(1)


def response(
    *,
    official: Official | None,
    reached: datetime.datetime,
    due_on: datetime.date,
    published: datetime.datetime | None = None,
    petition: Petition | None = None,
) -> Response:
    n = next(_n)
    petition = petition or make_petition(action=f"Fixture petition number {n}", creator_email=f"creator{n}@example.org")
    return Response.objects.create(
        petition=petition,
        threshold_reached_at=reached,
        due_on=due_on,
        official=official,
        body="Our answer." if published else "",
        published_at=published,
    )


def meeting(*, starts_at: datetime.datetime, state: str = MeetingState.HELD) -> Meeting:
    n = next(_n)
    committee = Committee.objects.create(
        name=f"Mayor's Question Time {n}", slug=f"question-time-{n}", kind=CommitteeKind.QUESTION_TIME
    )
    return Meeting.objects.create(committee=committee, starts_at=starts_at, state=state)


def question(
    *,
    official: Official,
    at: Meeting,
    verdict: str = "",
    answered: bool = True,
    state: str = QuestionState.ACCEPTED,
    supplementary_answer: str = "",
    **extra: Any,
) -> Question:
    n = next(_n)
    return Question.objects.create(
        meeting=at,
        official=official,
        text=extra.pop("text", f"Question number {n}?"),
        asker_name=extra.pop("asker_name", f"Asker Number{n}"),
        asker_email=f"asker{n}@example.org",
        asker_email_canonical=f"asker{n}@example.org",
        asker_postcode="KM1 1AA",
        token=f"token{n}",
        state=state,
        created_at=at.starts_at - datetime.timedelta(days=10),
        answer="The written answer." if answered else "",
        answered_at=at.starts_at - datetime.timedelta(days=1) if answered else None,
        supplementary_answer=supplementary_answer,
        verdict=verdict,
        **extra,
    )
