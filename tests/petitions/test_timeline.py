"""A petition's public timeline carries the whole accountability story, in order:
threshold crossed → response due → responded → debate scheduled → held → outcome."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
import time_machine
from django.test import Client

from tests.builders import TIMELINE_STARTS_AT, open_petition, staff
from townhall.accounts.models import Role, User
from townhall.meetings.models import AgendaItemKind, CommitteeKind
from townhall.meetings.services import (
    ItemOutcome,
    agenda_item_add,
    committee_create,
    meeting_record_outcome,
    meeting_schedule,
)
from townhall.responses.models import Response
from townhall.responses.services import response_open_due, response_publish, response_save_draft
from townhall.schemes.models import Threshold, ThresholdKind
from townhall.signatures.services import signature_count_new

pytestmark = pytest.mark.django_db


def _kinds(html: str) -> list[str]:
    return re.findall(r"class=\"timeline-event timeline-event--([a-z_]+)", html)


def test_the_whole_story_on_the_petition_page(client: Client, scheme: Any, moderator: User) -> None:
    # Low thresholds so the sponsors alone reach them.
    Threshold.objects.filter(kind=ThresholdKind.RESPONSE).update(count=3)
    Threshold.objects.filter(kind=ThresholdKind.DEBATE).update(count=4)
    staff_member = staff("staff", Role.RESPONDER, Role.CLERK, email="s@example.org")
    with time_machine.travel(TIMELINE_STARTS_AT, tick=False) as clock:
        petition = open_petition(moderator=moderator)
        clock.move_to(TIMELINE_STARTS_AT + datetime.timedelta(days=1))
        signature_count_new()
        response_open_due()
        response = Response.objects.get(petition=petition)

        clock.move_to(TIMELINE_STARTS_AT + datetime.timedelta(days=5))
        response_save_draft(response_id=response.pk, text="The council will act.", actor=staff_member)
        response_publish(response_id=response.pk, actor=staff_member)

        clock.move_to(TIMELINE_STARTS_AT + datetime.timedelta(days=6))
        council = committee_create(name="Full Council", kind=CommitteeKind.FULL_COUNCIL, actor=staff_member)
        meeting = meeting_schedule(
            committee_id=council.pk,
            starts_at=TIMELINE_STARTS_AT + datetime.timedelta(days=20),
            location="Town Hall",
            actor=staff_member,
        )
        item = agenda_item_add(
            meeting_id=meeting.pk,
            kind=AgendaItemKind.DEBATE,
            title="Petition debate",
            petition_id=petition.pk,
            actor=staff_member,
        )
        planned = _kinds(client.get(f"/petitions/{petition.pk}/").content.decode())
        assert planned[-1] == "debate_scheduled"  # a planned step while the meeting is ahead

        clock.move_to(TIMELINE_STARTS_AT + datetime.timedelta(days=20, hours=3))
        meeting_record_outcome(
            meeting_id=meeting.pk,
            summary="The petition was debated.",
            minutes_url="",
            video_url="",
            item_outcomes={item.pk: ItemOutcome(outcome="Debated", decision="Referred to Cabinet")},
            actor=staff_member,
        )
        html = client.get(f"/petitions/{petition.pk}/").content.decode()

    kinds = _kinds(html)
    story = ["threshold", "response_requested", "responded", "debate_scheduled", "meeting_held", "debate_outcome"]
    positions = [kinds.index(kind) for kind in story]
    assert positions == sorted(positions), kinds
    assert kinds[0] == "opened"
    assert "Referred to Cabinet" in html
    assert "A written response is due by" in html
    # Nothing is left marked as planned once it has happened.
    assert "timeline-event--future" not in html
