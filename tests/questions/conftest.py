"""Fixtures for public questions: a question time open for questions to the Mayor."""

from __future__ import annotations

from typing import Any

import pytest

from tests.builders import settle_mail
from tests.meetings.conftest import frozen_time, schedule  # noqa: F401  (frozen_time is a fixture)
from townhall.accounts.models import User
from townhall.meetings.models import AgendaItemKind, Committee, CommitteeKind, Meeting
from townhall.meetings.services import agenda_item_add, committee_create
from townhall.officials.models import Official
from townhall.questions.models import Question
from townhall.questions.services import question_accept, question_ask, question_confirm
from townhall.schemes.models import Scheme


@pytest.fixture
def question_time(clerk: User) -> Committee:
    return committee_create(name="Mayor's Question Time", kind=CommitteeKind.QUESTION_TIME, actor=clerk)


@pytest.fixture
def meeting(
    scheme: Scheme,
    clerk: User,
    question_time: Committee,
    mayor: Official,
    frozen_time: Any,  # noqa: F811
) -> Meeting:
    """Mayor's Question Time on 10 March 2026 at 19:00, taking questions to the Mayor."""
    meeting = schedule(clerk, question_time)
    agenda_item_add(meeting_id=meeting.pk, kind=AgendaItemKind.QUESTIONS, title="", official_id=mayor.pk, actor=clerk)
    return meeting


QUESTION = "When will the public toilets on Kingsmere Road reopen?"


def ask(meeting: Meeting, official: Official, n: int = 0, *, settle: bool = True, **overrides: Any) -> Question:
    fields: dict[str, Any] = {
        "meeting_id": meeting.pk,
        "official_id": official.pk,
        "name": f"Resident {n}",
        "email": f"resident{n}@example.org",
        "postcode": "KM3 3BA",
        "text": QUESTION,
    }
    fields.update(overrides)
    question = question_ask(**fields)
    if settle:  # its confirmation email is history, unless the test is about it
        settle_mail()
    return question


def accepted(meeting: Meeting, official: Official, moderator: User, n: int = 0, **overrides: Any) -> Question:
    question = ask(meeting, official, n, **overrides)
    question_confirm(question_id=question.pk, token=question.token)
    question = question_accept(question_id=question.pk, actor=moderator)
    settle_mail()
    return question
