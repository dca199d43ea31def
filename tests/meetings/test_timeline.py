"""The petition page shows its route through meetings: scheduled → held → outcome."""

from __future__ import annotations

import datetime
import re
from html import unescape
from typing import Any

import pytest
from django.test import Client

from tests.builders import MEETING_AT, WORLD_STARTS_AT
from tests.meetings.conftest import add_debate, schedule
from townhall.accounts.models import User
from townhall.meetings.models import AgendaItemKind, Committee
from townhall.meetings.services import ItemOutcome, agenda_item_add, meeting_cancel, meeting_record_outcome
from townhall.meetings.timeline import petition_meeting_events, petition_next_session_panel
from townhall.petitions.models import Petition

pytestmark = pytest.mark.django_db


def timeline(client: Client, petition: Petition) -> list[tuple[str, str, str, str]]:
    """(kind, date, title, detail) for each timeline entry on the petition's public page."""
    page = client.get(f"/petitions/{petition.pk}/")
    assert page.status_code == 200
    html = unescape(page.content.decode())
    entries = re.findall(
        r'<li class="timeline-event timeline-event--([a-z_]+)[^"]*">\s*'
        r'<span class="timeline-date">([^<]*)</span>\s*'
        r'<span class="timeline-title">(.*?)</span>\s*'
        r'(?:<span class="timeline-detail">(.*?)</span>)?',
        html,
        flags=re.S,
    )
    return [(kind, date, re.sub(r"<[^>]+>", "", title).strip(), detail) for kind, date, title, detail in entries]


def test_the_petition_page_shows_debate_scheduled_then_held_then_outcome(
    client: Client, clerk: User, full_council: Committee, debate_petition: Petition, frozen_time: Any
) -> None:
    frozen_time.move_to(WORLD_STARTS_AT + datetime.timedelta(days=3))
    meeting = schedule(clerk, full_council)
    item = add_debate(clerk, meeting, debate_petition)

    # Before the meeting: a planned step on the meeting's date, linked to the meeting.
    before = timeline(client, debate_petition)
    assert [entry[0] for entry in before] == ["opened", "threshold", "threshold", "threshold", "debate_scheduled"]
    assert before[-1][1:3] == ("10 March 2026", "Debate at Full Council (planned)")
    page = client.get(f"/petitions/{debate_petition.pk}/").content.decode()
    assert f'href="/meetings/{meeting.pk}/">Debate at Full Council</a>' in page
    assert "This petition will be debated" in page
    assert "At Full Council on Tuesday 10 March 2026, 19:00." in page
    etag_before = client.get(f"/petitions/{debate_petition.pk}/")["ETag"]

    # The meeting starts; the clerk publishes the outcome the next morning.
    frozen_time.move_to(MEETING_AT + datetime.timedelta(hours=14))
    meeting_record_outcome(
        meeting_id=meeting.pk,
        summary="Debated.",
        minutes_url="",
        video_url="",
        item_outcomes={item.pk: ItemOutcome(outcome="Debated.", decision="Keep the library open seven days a week.")},
        actor=clerk,
    )

    after = timeline(client, debate_petition)
    assert after[-3:] == [
        ("debate_scheduled", "5 February 2026", "Scheduled for debate at Full Council on 10 March 2026", ""),
        ("meeting_held", "10 March 2026", "Debated at Full Council", ""),
        (
            "debate_outcome",
            "11 March 2026",
            "Outcome of the debate published",
            "Keep the library open seven days a week.",
        ),
    ]
    page = client.get(f"/petitions/{debate_petition.pk}/")
    assert "(planned)" not in page.content.decode()
    assert "This petition will be debated" not in page.content.decode()
    assert page["ETag"] != etag_before


def test_an_evidence_session_and_a_cancellation_show_on_the_timeline(
    client: Client, clerk: User, scrutiny: Committee, evidence_petition: Petition, frozen_time: Any
) -> None:
    meeting = schedule(clerk, scrutiny)
    agenda_item_add(
        meeting_id=meeting.pk,
        kind=AgendaItemKind.OFFICER_EVIDENCE,
        title="",
        petition_id=evidence_petition.pk,
        actor=clerk,
    )
    assert timeline(client, evidence_petition)[-1][0::2] == (
        "evidence_scheduled",
        "Officer evidence session at Overview and Scrutiny (planned)",
    )
    assert (
        "An officer will give evidence about this petition"
        in client.get(f"/petitions/{evidence_petition.pk}/").content.decode()
    )

    frozen_time.move_to(WORLD_STARTS_AT + datetime.timedelta(days=10))
    meeting_cancel(meeting_id=meeting.pk, reason="The committee was not quorate.", actor=clerk)

    assert timeline(client, evidence_petition)[-2:] == [
        (
            "evidence_scheduled",
            "2 February 2026",
            "Officer evidence session scheduled at Overview and Scrutiny on 10 March 2026",
            "",
        ),
        (
            "meeting_cancelled",
            "12 February 2026",
            "The Overview and Scrutiny meeting on 10 March 2026 was cancelled",
            "The committee was not quorate.",
        ),
    ]


def test_a_started_meeting_without_an_outcome_says_it_will_follow(
    client: Client, clerk: User, full_council: Committee, debate_petition: Petition, frozen_time: Any
) -> None:
    add_debate(clerk, schedule(clerk, full_council), debate_petition)
    frozen_time.move_to(MEETING_AT + datetime.timedelta(hours=1))

    assert timeline(client, debate_petition)[-1][0::2] == (
        "meeting_started",
        "Debated at Full Council; the outcome will be published here",
    )


def test_each_provider_makes_one_query(
    clerk: User,
    full_council: Committee,
    scrutiny: Committee,
    debate_petition: Petition,
    frozen_time: Any,
    django_assert_num_queries: Any,
) -> None:
    add_debate(clerk, schedule(clerk, full_council), debate_petition)
    # The petition also reached the officer evidence threshold: an earlier session at scrutiny.
    agenda_item_add(
        meeting_id=schedule(clerk, scrutiny, starts_at=MEETING_AT - datetime.timedelta(days=7)).pk,
        kind=AgendaItemKind.OFFICER_EVIDENCE,
        title="",
        petition_id=debate_petition.pk,
        actor=clerk,
    )

    with django_assert_num_queries(1):
        events = list(petition_meeting_events(debate_petition))
    with django_assert_num_queries(1):
        panel = petition_next_session_panel(debate_petition)

    assert [(event.kind, event.at) for event in events] == [
        ("evidence_scheduled", MEETING_AT - datetime.timedelta(days=7)),
        ("debate_scheduled", MEETING_AT),
    ]
    assert panel is not None
    assert panel.context["item"].kind == AgendaItemKind.OFFICER_EVIDENCE
