"""A small, deterministic world for the API, export and feed tests (the `world` fixture in
tests/api/conftest.py builds it at WORLD_STARTS_AT).

Every person in it has a distinctive name, email and postcode, so tests can assert that
none of them ever appears in public output (only the creator's name, where the petition
page shows it).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from tests.builders import WORLD_STARTS_AT, awaiting_petition, make_petition, open_petition, sign, staff
from townhall.accounts.models import Role, User
from townhall.meetings.models import AgendaItem, AgendaItemKind, Committee, CommitteeKind, Meeting, MeetingState
from townhall.officials.models import Official
from townhall.officials.services import official_appoint
from townhall.petitions.models import Petition
from townhall.petitions.services import (
    petition_reject,
    petition_remove,
    petition_tally_add,
)
from townhall.questions.models import Question, QuestionState, Verdict
from townhall.responses.models import Response

# Personal data that must never appear in public output.
SIGNER = {"name": "Zebedee Quinlan-Signer", "email": "zebedee.signer@example.org", "postcode": "KM9 9ZZ"}
CREATOR = {"name": "Ann Creator", "email": "ann.creator-secret@example.org", "postcode": "KM4 4DX"}
ASKER = {"name": "Quentin Asker-Person", "email": "quentin.asker@example.org", "postcode": "KM7 7QQ"}
SECRETS = [
    SIGNER["name"],
    SIGNER["email"],
    SIGNER["postcode"],
    CREATOR["email"],
    CREATOR["postcode"],
    ASKER["name"],
    ASKER["email"],
    ASKER["postcode"],
    "sponsor0@example.org",
    "KM2 2BB",
]


@dataclass
class World:
    mayor: Official
    responded: Petition
    other_open: Petition
    hidden: Petition
    removed: Petition
    pending: Petition
    response: Response
    meeting: Meeting
    agenda_item: AgendaItem
    question: Question
    committee: Committee


def build_world(*, moderator: User) -> World:
    """Call inside a frozen clock at WORLD_STARTS_AT (after the `scheme` fixture)."""
    mayor = official_appoint(name="Cllr Helen Marsh", role="Mayor", started_on=datetime.date(2024, 5, 1))
    responded = open_petition(
        moderator=moderator,
        action="Reopen the public toilets on Kingsmere Road",
        creator_name=CREATOR["name"],
        creator_email=CREATOR["email"],
        creator_postcode=CREATOR["postcode"],
        official_id=mayor.pk,
        decision_maker="Cllr Helen Marsh, Mayor",
    )
    sign(responded, name=SIGNER["name"], email=SIGNER["email"], postcode=SIGNER["postcode"], wants_updates=True)
    petition_tally_add(increments={responded.pk: 1_200}, at=timezone.now())
    responded.refresh_from_db()
    response = Response.objects.create(
        petition=responded,
        threshold_reached_at=WORLD_STARTS_AT,
        due_on=datetime.date(2026, 3, 2),
        official=mayor,
        body="We will reopen the toilets in April.",
        published_at=WORLD_STARTS_AT + datetime.timedelta(days=3),
        draft="An unpublished draft: never public.",
    )
    Petition.objects.filter(pk=responded.pk).update(response_published_at=response.published_at)
    responded.refresh_from_db()
    other_open = open_petition(
        moderator=moderator,
        action="Plant more trees in Riverside Park",
        creator_email="trees-secret@example.org",
    )
    hidden = awaiting_petition(action="Defamatory claims about a named officer", creator_email="libel@example.org")
    hidden = petition_reject(petition_id=hidden.pk, reason="libellous", details="It named a person.", actor=moderator)
    removed = open_petition(moderator=moderator, action="A petition later taken down", creator_email="gone@example.org")
    removed = petition_remove(
        petition_id=removed.pk, actor=staff("world-admin", Role.ADMINISTRATOR, email="admin@example.org")
    )
    pending = make_petition(action="Still waiting for its creator", creator_email="pending@example.org")

    committee = Committee.objects.create(
        name="Mayor's Question Time", slug="mayors-question-time", kind=CommitteeKind.QUESTION_TIME
    )
    meeting = Meeting.objects.create(
        committee=committee,
        starts_at=WORLD_STARTS_AT - datetime.timedelta(days=5),
        state=MeetingState.HELD,
        location="Town Hall",
    )
    agenda_item = AgendaItem.objects.create(
        meeting=meeting,
        position=1,
        kind=AgendaItemKind.DEBATE,
        title="Debate: public toilets",
        petition=responded,
        scheduled_at=meeting.starts_at,
        outcome="Agreed to reopen.",
        outcome_recorded_at=meeting.starts_at,
    )
    question = Question.objects.create(
        meeting=meeting,
        official=mayor,
        text="Why did the Chief Executive leave?",
        asker_name=ASKER["name"],
        asker_email=ASKER["email"],
        asker_email_canonical=ASKER["email"],
        asker_postcode=ASKER["postcode"],
        token="question-token",
        state=QuestionState.ACCEPTED,
        created_at=meeting.starts_at - datetime.timedelta(days=10),
        answer="The Chief Executive resigned.",
        answered_at=meeting.starts_at - datetime.timedelta(days=1),
        verdict=Verdict.PARTLY,
        verdict_reason="My address is 1 Secret Lane.",
        verdict_at=meeting.starts_at + datetime.timedelta(days=1),
    )
    return World(
        mayor=mayor,
        responded=responded,
        other_open=other_open,
        hidden=hidden,
        removed=removed,
        pending=pending,
        response=response,
        meeting=meeting,
        agenda_item=agenda_item,
        question=question,
        committee=committee,
    )
