"""The demo meetings and questions load after the demo borough, through the services, once."""

from __future__ import annotations

from html import unescape

import pytest
from django.test import Client
from django.utils import timezone

from townhall.accounts.models import User
from townhall.accounts.policies import can_clerk
from townhall.demo.loader import demo_load
from townhall.meetings import demo as meetings_demo
from townhall.meetings.models import AgendaItem, AgendaItemKind, Committee, CommitteeKind, Meeting, MeetingState
from townhall.petitions.models import Petition
from townhall.questions import demo as questions_demo
from townhall.questions.models import Question, QuestionState
from townhall.questions.selectors import question_verdict_distribution

pytestmark = pytest.mark.django_db


def test_the_demo_tells_the_accountability_story(client: Client) -> None:
    demo_load()
    now = timezone.now()
    meetings_demo.load(now=now)
    questions_demo.load(now=now)

    assert sorted(Committee.objects.values_list("name", flat=True)) == [
        "Full Council",
        "Mayor's Question Time",
        "Overview and Scrutiny",
    ]
    clerk = User.objects.get(username="clerk")
    assert clerk.check_password("demo-clerk")
    assert can_clerk(clerk)

    # A past Full Council debated the library petition; the outcome is on its page.
    library = Petition.objects.get(action=meetings_demo.LIBRARY)
    debate = AgendaItem.objects.select_related("meeting").get(petition=library, kind=AgendaItemKind.DEBATE)
    assert debate.meeting.state == MeetingState.HELD
    assert debate.meeting.starts_at < now
    assert debate.decision.startswith("Riverside Library stays open")
    assert library.debate_outcome_at is not None
    petition_page = unescape(client.get(f"/petitions/{library.pk}/").content.decode())
    assert "Scheduled for debate at Full Council" in petition_page
    assert "Debated at Full Council" in petition_page
    assert "Outcome of the debate published" in petition_page

    # Overview and Scrutiny will hear from the Chief Executive.
    evidence = AgendaItem.objects.select_related("meeting", "official").get(kind=AgendaItemKind.OFFICER_EVIDENCE)
    assert evidence.petition is not None
    assert evidence.petition.action == meetings_demo.CHIEF_EXECUTIVE
    assert evidence.official is not None
    assert evidence.official.role == "Chief Executive"
    assert (evidence.meeting.state, evidence.meeting.starts_at > now) == (MeetingState.SCHEDULED, True)

    # The past question time: answered, partly, not answered, no answer given, awaiting a verdict.
    past = Meeting.objects.get(committee__kind=CommitteeKind.QUESTION_TIME, state=MeetingState.HELD)
    assert question_verdict_distribution(meeting_id=past.pk).as_dict() == {
        "answered": 1,
        "partly": 1,
        "not_answered": 1,
        "no_answer_given": 1,
        "awaiting": 1,
    }
    past_page = unescape(client.get(f"/meetings/{past.pk}/").content.decode())
    assert "No answer given" in past_page
    assert "The asker's verdict:</strong> Partly answered" in past_page

    # The next question time is open, with questions at every stage.
    upcoming = Meeting.objects.get(committee__kind=CommitteeKind.QUESTION_TIME, state=MeetingState.SCHEDULED)
    assert "Send my question" in client.get(f"/meetings/{upcoming.pk}/questions/ask/").content.decode()
    assert sorted(Question.objects.filter(meeting=upcoming).values_list("state", flat=True)) == sorted(
        [QuestionState.ACCEPTED, QuestionState.ACCEPTED, QuestionState.AWAITING_MODERATION]
    )
    assert "Questions to the Mayor from residents" in client.get(f"/meetings/{upcoming.pk}/").content.decode()

    # Loading again changes nothing.
    before = (Committee.objects.count(), Meeting.objects.count(), AgendaItem.objects.count(), Question.objects.count())
    meetings_demo.load(now=now)
    questions_demo.load(now=now)
    assert (
        Committee.objects.count(),
        Meeting.objects.count(),
        AgendaItem.objects.count(),
        Question.objects.count(),
    ) == before
