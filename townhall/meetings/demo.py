"""Demo meetings for the demo borough: committees, a debate already held with its outcome,
an officer evidence session coming up, and a question time open for questions.

Runs after the main demo loader (`townhall.demo.loader.demo_load`), through the same
services clerks use. Meetings can only be scheduled in the future, so past meetings are
scheduled ahead, given their agenda, then moved into the past before their outcome is
recorded, as the main loader does with petitions' dates.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from townhall.accounts.models import Role, User
from townhall.meetings.models import AgendaItem, AgendaItemKind, Committee, CommitteeKind, Meeting
from townhall.meetings.services import (
    ItemOutcome,
    agenda_item_add,
    committee_create,
    meeting_record_outcome,
    meeting_schedule,
)
from townhall.officials.models import Official
from townhall.officials.selectors import official_list_current
from townhall.petitions.models import Petition, ThresholdCrossing
from townhall.schemes.models import ThresholdKind

LIBRARY = "Keep Riverside Library open seven days a week"
CHIEF_EXECUTIVE = "Publish the full reasons for the Chief Executive's departure"
CHAMBER = "Council Chamber, Kingsmere Town Hall"
COMMITTEES = [
    ("Full Council", CommitteeKind.FULL_COUNCIL),
    ("Overview and Scrutiny", CommitteeKind.SCRUTINY),
    ("Mayor's Question Time", CommitteeKind.QUESTION_TIME),
]


def demo_clerk() -> User:
    """The demo's clerk: clerk / demo-clerk."""
    clerk = User.objects.filter(username="clerk").first()
    if clerk is None:
        clerk = User.objects.create_user("clerk", "clerk@kingsmere.invalid", "demo-clerk", roles=[Role.CLERK.value])
    return clerk


def demo_committee(kind: CommitteeKind) -> Committee:
    return Committee.objects.get(kind=kind)


def demo_official(role: str) -> Official:
    return official_list_current().get(role=role)


def evening(day: datetime.date, *, hour: int = 19, minute: int = 0, later: bool = True) -> datetime.datetime:
    """`hour:minute` on `day` on the body's clock, as an aware datetime.

    Councils meet on weekdays: a Saturday or Sunday moves to the next Monday (`later`)
    or back to the Friday before.
    """
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1 if later else -1)
    naive = datetime.datetime.combine(day, datetime.time(hour, minute))
    return timezone.make_aware(naive, timezone.get_current_timezone())


def move_meeting(meeting: Meeting, *, starts_at: datetime.datetime, scheduled_at: datetime.datetime) -> None:
    """Move a demo meeting (and when its items were scheduled) to the dates the story needs."""
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=starts_at)
    AgendaItem.objects.filter(meeting=meeting).update(scheduled_at=starts_at, created_at=scheduled_at)
    meeting.refresh_from_db()


def load(*, now: datetime.datetime) -> None:
    """Load the demo meetings once (does nothing if the committees already exist)."""
    if Committee.objects.filter(kind=CommitteeKind.FULL_COUNCIL).exists():
        return
    with transaction.atomic():
        clerk = demo_clerk()
        for name, kind in COMMITTEES:
            committee_create(name=name, kind=kind, actor=clerk)
        _library_debate(now=now, clerk=clerk)
        _evidence_session(now=now, clerk=clerk)
        _question_time(now=now, clerk=clerk)


def _library_debate(*, now: datetime.datetime, clerk: User) -> None:
    """Full Council debated the library petition a few days ago; the outcome is published."""
    petition = Petition.objects.get(action=LIBRARY)
    crossing = ThresholdCrossing.objects.get(petition=petition, threshold__kind=ThresholdKind.DEBATE)
    held_at = evening((now - datetime.timedelta(days=3)).date(), later=False)
    if held_at <= crossing.reached_at + datetime.timedelta(hours=12):
        # The petition crossed the threshold only just now: debate it at the first chance.
        held_at = crossing.reached_at + (now - crossing.reached_at) / 2
    scheduled_at = max(crossing.reached_at + (held_at - crossing.reached_at) / 4, held_at - datetime.timedelta(days=14))
    meeting = meeting_schedule(
        committee_id=demo_committee(CommitteeKind.FULL_COUNCIL).pk,
        starts_at=timezone.now() + datetime.timedelta(days=1),
        location=CHAMBER,
        actor=clerk,
    )
    item = agenda_item_add(
        meeting_id=meeting.pk, kind=AgendaItemKind.DEBATE, title="", petition_id=petition.pk, actor=clerk
    )
    agenda_item_add(
        meeting_id=meeting.pk,
        kind=AgendaItemKind.OTHER,
        title="Budget 2026/27: libraries and leisure savings",
        actor=clerk,
    )
    move_meeting(meeting, starts_at=held_at, scheduled_at=scheduled_at)
    meeting_record_outcome(
        meeting_id=meeting.pk,
        summary=(
            "The petition's lead creator presented it for five minutes, followed by a 30-minute debate. "
            "Members from all groups spoke. The Cabinet Member for Culture and Leisure responded."
        ),
        minutes_url="https://democracy.kingsmere.invalid/meetings/full-council/minutes.pdf",
        video_url="https://video.kingsmere.invalid/full-council",
        item_outcomes={
            item.pk: ItemOutcome(
                outcome=(
                    "Council debated the petition and heard that the proposed cut would save £86,000 a year. "
                    "An amendment to keep seven-day opening until a consultation ends was carried by 31 votes to 17."
                ),
                decision=(
                    "Riverside Library stays open seven days a week until a public consultation on library "
                    "opening hours reports to Cabinet."
                ),
            )
        },
        actor=clerk,
    )
    published_at = min(held_at + datetime.timedelta(hours=15), now - datetime.timedelta(minutes=5))
    Meeting.objects.filter(pk=meeting.pk).update(outcome_published_at=published_at)
    AgendaItem.objects.filter(pk=item.pk).update(outcome_recorded_at=published_at)
    Petition.objects.filter(pk=petition.pk).update(debate_outcome_at=published_at)


def _evidence_session(*, now: datetime.datetime, clerk: User) -> None:
    """Overview and Scrutiny will hear from the Chief Executive about the departure."""
    petition = Petition.objects.get(action=CHIEF_EXECUTIVE)
    meeting = meeting_schedule(
        committee_id=demo_committee(CommitteeKind.SCRUTINY).pk,
        starts_at=evening((now + datetime.timedelta(days=12)).date(), hour=18, minute=30),
        location="Committee Room 1, Kingsmere Town Hall",
        actor=clerk,
    )
    agenda_item_add(
        meeting_id=meeting.pk,
        kind=AgendaItemKind.OFFICER_EVIDENCE,
        title="",
        petition_id=petition.pk,
        official_id=demo_official("Chief Executive").pk,
        actor=clerk,
    )


def question_time(*, starts_at: datetime.datetime, clerk: User) -> Meeting:
    """A Mayor's Question Time in the chamber, its one item residents' questions to the Mayor."""
    meeting = meeting_schedule(
        committee_id=demo_committee(CommitteeKind.QUESTION_TIME).pk,
        starts_at=starts_at,
        location=CHAMBER,
        actor=clerk,
    )
    agenda_item_add(
        meeting_id=meeting.pk,
        kind=AgendaItemKind.QUESTIONS,
        title="Questions to the Mayor from residents",
        official_id=demo_official("Mayor").pk,
        actor=clerk,
    )
    return meeting


def _question_time(*, now: datetime.datetime, clerk: User) -> None:
    """The next Mayor's Question Time, three weeks away, open for residents' questions."""
    question_time(starts_at=evening((now + datetime.timedelta(days=21)).date()), clerk=clerk)
