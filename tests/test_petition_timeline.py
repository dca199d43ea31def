"""A petition's public timeline carries the whole accountability story, in order:
threshold crossed → response due → responded → debate scheduled → held → outcome."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
import time_machine
from django.test import Client

from tests.conftest import open_petition
from townhall.accounts.models import User
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
T0 = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC)


def _kinds(html: str) -> list[str]:
    return re.findall(r"class=\"timeline-event timeline-event--([a-z_]+)", html)


def test_the_whole_story_on_the_petition_page(client: Client, scheme: Any, moderator: User) -> None:
    # Low thresholds so the sponsors alone reach them.
    Threshold.objects.filter(kind=ThresholdKind.RESPONSE).update(count=3)
    Threshold.objects.filter(kind=ThresholdKind.DEBATE).update(count=4)
    staff = User.objects.create_user("staff", "s@example.org", "correct-horse-battery", roles=["responder", "clerk"])
    with time_machine.travel(T0, tick=False) as clock:
        petition = open_petition(moderator=moderator)
        clock.move_to(T0 + datetime.timedelta(days=1))
        signature_count_new()
        response_open_due()
        response = Response.objects.get(petition=petition)

        clock.move_to(T0 + datetime.timedelta(days=5))
        response_save_draft(response_id=response.pk, text="The council will act.", actor=staff)
        response_publish(response_id=response.pk, actor=staff)

        clock.move_to(T0 + datetime.timedelta(days=6))
        council = committee_create(name="Full Council", kind=CommitteeKind.FULL_COUNCIL, actor=staff)
        meeting = meeting_schedule(
            committee_id=council.pk, starts_at=T0 + datetime.timedelta(days=20), location="Town Hall", actor=staff
        )
        item = agenda_item_add(
            meeting_id=meeting.pk,
            kind=AgendaItemKind.DEBATE,
            title="Petition debate",
            petition_id=petition.pk,
            actor=staff,
        )
        planned = _kinds(client.get(f"/petitions/{petition.pk}/").content.decode())
        assert planned[-1] == "debate_scheduled"  # a planned step while the meeting is ahead

        clock.move_to(T0 + datetime.timedelta(days=20, hours=3))
        meeting_record_outcome(
            meeting_id=meeting.pk,
            summary="The petition was debated.",
            minutes_url="",
            video_url="",
            item_outcomes={item.pk: ItemOutcome(outcome="Debated", decision="Referred to Cabinet")},
            actor=staff,
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
