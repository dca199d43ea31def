"""Demo public questions: a past Mayor's Question Time whose questions were answered,
partly answered, not answered and not answered at all ("No answer given"), with the
askers' verdicts; and questions for the next question time at every stage.

Runs after the meetings demo (`townhall.meetings.demo.load`), through the services the
site uses: residents ask and confirm, a moderator accepts, a responder publishes written
answers before the meeting, the clerk records the outcome and supplementaries, and askers
record their verdicts. Dates are then moved into the past so the story reads naturally.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from townhall.accounts.models import User
from townhall.accounts.policies import can_moderate, can_respond
from townhall.core.tokens import link_token
from townhall.meetings.demo import demo_clerk, demo_committee, demo_official, evening, move_meeting, question_time
from townhall.meetings.models import CommitteeKind, Meeting, MeetingState
from townhall.meetings.services import meeting_record_outcome
from townhall.questions.models import Question
from townhall.questions.services import (
    question_accept,
    question_answer,
    question_ask,
    question_confirm,
    question_record_supplementary,
    question_record_verdict,
)


@dataclass(frozen=True)
class DemoQuestion:
    asker: str
    postcode: str
    text: str
    answer: str = ""
    supplementary: tuple[str, str] | None = None
    verdict: str = ""
    reason: str = ""


PAST = [
    DemoQuestion(
        "Grace Okafor",
        "KM3 4DT",
        "How much has the council spent on agency staff to cover the Chief Executive's duties since "
        "the departure, and when will a permanent appointment be made?",
        answer=(
            "Interim cover has cost £48,200 to date, met from the vacancy budget. The Appointments Panel "
            "will interview in the spring and Full Council will be asked to confirm an appointment in June."
        ),
        verdict="answered",
    ),
    DemoQuestion(
        "Tomasz Nowak",
        "KM5 2BH",
        "Will the Mayor publish the settlement agreement reached with the former Chief Executive, and if not, why not?",
        answer=(
            "The council does not comment on individual staff matters. All payments are reported in the "
            "statement of accounts in the usual way."
        ),
        supplementary=(
            "Will the Mayor at least say whether a confidentiality clause was signed?",
            "I have nothing to add to my written answer.",
        ),
        verdict="not_answered",
        reason="The answer does not say whether the agreement will be published, or why not.",
    ),
    DemoQuestion(
        "Priya Shah",
        "KM1 7QA",
        "When will the public toilets on Kingsmere Road reopen, and what will the repairs cost?",
        answer="The contract for repairs has been let and the toilets will reopen this year.",
        supplementary=(
            "Can the Mayor give a month and the cost of the contract?",
            "I will ask officers to write to you with the details.",
        ),
        verdict="partly",
        reason="No date and no cost were given.",
    ),
    DemoQuestion(
        "Ewan Campbell",
        "KM8 1LR",
        "Who on the Appointments Panel recommended the former Chief Executive, and did the panel see "
        "references from their previous employer?",
        supplementary=(
            "Why has no written answer been given to my question?",
            "The Mayor said she would respond in writing after the meeting.",
        ),
    ),
    DemoQuestion(
        "Chloe Evans",
        "KM2 6NP",
        "How many residents used the Mill Lane crossing survey, and will the results be published?",
        answer="312 residents responded. The results will be published with the Cabinet report next month.",
    ),
]

UPCOMING = [
    DemoQuestion(
        "Rhys Walker",
        "KM4 3GE",
        "Will the Mayor commit to answering every petition-linked question at this meeting in writing?",
        answer="Yes. Every question accepted for Mayor's Question Time receives a written answer before the meeting.",
    ),
    DemoQuestion(
        "Aisha Begum",
        "KM6 9HS",
        "What is the timetable for the consultation on library opening hours agreed by Full Council?",
    ),
    DemoQuestion(
        "Oscar Hughes",
        "KM7 5JW",
        "How will residents be involved in choosing the next Chief Executive?",
    ),
]


def _staff(policy: Callable[[Any], bool]) -> User:
    for user in User.objects.filter(is_active=True).order_by("id"):
        if policy(user):
            return user
    raise LookupError("The demo needs a staff member for this role; run the main demo loader first.")


def _ask(meeting: Meeting, official_id: int, item: DemoQuestion, n: int) -> Question:
    first = item.asker.split()[0].lower()
    question = question_ask(
        meeting_id=meeting.pk,
        official_id=official_id,
        name=item.asker,
        email=f"{first}.questions.{n}@example.org",
        postcode=item.postcode,
        text=item.text,
    )
    if question is None:
        raise LookupError(f"The demo asker {item.asker} is on a block list.")
    return question_confirm(question_id=question.pk, token=question.token)


def load(*, now: datetime.datetime) -> None:
    """Load the demo questions once (does nothing if any question exists)."""
    if Question.objects.exists():
        return
    with transaction.atomic():
        clerk = demo_clerk()
        moderator = _staff(can_moderate)
        responder = _staff(can_respond)
        mayor = demo_official("Mayor")
        _past_question_time(now=now, clerk=clerk, moderator=moderator, responder=responder, mayor_id=mayor.pk)
        _upcoming_questions(moderator=moderator, responder=responder, mayor_id=mayor.pk)


def _past_question_time(
    *, now: datetime.datetime, clerk: User, moderator: User, responder: User, mayor_id: int
) -> None:
    # Scheduled ahead, so that its questions can be asked and answered; then moved back.
    meeting = question_time(starts_at=timezone.now() + datetime.timedelta(days=30), clerk=clerk)
    questions = []
    for n, item in enumerate(PAST):
        question = _ask(meeting, mayor_id, item, n)
        question_accept(question_id=question.pk, actor=moderator)
        if item.answer:
            question_answer(question_id=question.pk, answer=item.answer, actor=responder)
        questions.append((question, item))
    held_at = evening((now - datetime.timedelta(days=9)).date(), later=False)
    move_meeting(meeting, starts_at=held_at, scheduled_at=held_at - datetime.timedelta(days=35))
    for n, (question, _item) in enumerate(questions):
        asked_at = held_at - datetime.timedelta(days=20 - n, hours=3)
        Question.objects.filter(pk=question.pk).update(
            created_at=asked_at,
            confirmed_at=asked_at + datetime.timedelta(minutes=12),
            moderated_at=asked_at + datetime.timedelta(days=1),
        )
        Question.objects.filter(pk=question.pk, answered_at__isnull=False).update(
            answered_at=held_at - datetime.timedelta(days=2, hours=n)
        )
    meeting_record_outcome(
        meeting_id=meeting.pk,
        summary=(
            "The Mayor took five questions from residents. Written answers to four were published before the "
            "meeting; three askers put a supplementary question."
        ),
        minutes_url="https://democracy.kingsmere.invalid/meetings/mayors-question-time/minutes.pdf",
        video_url="https://video.kingsmere.invalid/mayors-question-time",
        item_outcomes={},
        actor=clerk,
    )
    for question, item in questions:
        if item.supplementary:
            question_record_supplementary(
                question_id=question.pk,
                supplementary_question=item.supplementary[0],
                supplementary_answer=item.supplementary[1],
                actor=clerk,
            )
        if item.verdict:
            question_record_verdict(
                question_id=question.pk,
                token=link_token(question.token, "verdict"),
                verdict=item.verdict,
                reason=item.reason,
            )
    Meeting.objects.filter(pk=meeting.pk).update(outcome_published_at=held_at + datetime.timedelta(hours=16))
    Question.objects.filter(meeting=meeting, supplementary_recorded_at__isnull=False).update(
        supplementary_recorded_at=held_at + datetime.timedelta(hours=16)
    )
    Question.objects.filter(meeting=meeting).exclude(verdict="").update(verdict_at=held_at + datetime.timedelta(days=2))


def _upcoming_questions(*, moderator: User, responder: User, mayor_id: int) -> None:
    """The next question time: one answered, one awaiting its answer, one awaiting moderation."""
    meeting = (
        Meeting.objects.filter(
            committee=demo_committee(CommitteeKind.QUESTION_TIME),
            state=MeetingState.SCHEDULED,
            starts_at__gt=timezone.now(),
        )
        .order_by("starts_at")
        .first()
    )
    if meeting is None:
        return
    asked = [_ask(meeting, mayor_id, item, 100 + n) for n, item in enumerate(UPCOMING)]
    answered, awaiting_answer = asked[0], asked[1]  # the third stays in the moderators' queue
    for question in (answered, awaiting_answer):
        question_accept(question_id=question.pk, actor=moderator)
    question_answer(question_id=answered.pk, answer=UPCOMING[0].answer, actor=responder)
