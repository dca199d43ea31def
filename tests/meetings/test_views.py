"""Public meeting pages, and the clerks' pages (staff only, never cached)."""

from __future__ import annotations

import datetime
from html import unescape
from typing import Any

import pytest
from django.test import Client

from tests.builders import MEETING_AT, WORLD_STARTS_AT, staff
from tests.meetings.conftest import add_debate, schedule
from townhall.accounts.models import Role, User
from townhall.meetings.models import AgendaItem, AgendaItemKind, Committee, Meeting, MeetingState
from townhall.meetings.services import ItemOutcome, agenda_item_add, meeting_cancel, meeting_record_outcome
from townhall.officials.models import Official
from townhall.petitions.models import Petition

pytestmark = pytest.mark.django_db


def text(response: Any) -> str:
    return unescape(response.content.decode())


# --- public pages -------------------------------------------------------------------------------


def test_the_meetings_page_lists_upcoming_and_past_meetings(
    client: Client, clerk: User, full_council: Committee, scrutiny: Committee, frozen_time: Any
) -> None:
    past = schedule(clerk, full_council, starts_at=WORLD_STARTS_AT + datetime.timedelta(days=1))
    upcoming = schedule(clerk, scrutiny)
    cancelled = schedule(clerk, scrutiny, starts_at=MEETING_AT + datetime.timedelta(days=7))
    meeting_cancel(meeting_id=cancelled.pk, reason="Not needed.", actor=clerk)
    frozen_time.move_to(WORLD_STARTS_AT + datetime.timedelta(days=2))

    response = client.get("/meetings/")

    assert response.status_code == 200
    assert response["Cache-Control"].startswith("public, max-age=")
    page = text(response)
    coming_up, past_section = page.split("Past meetings")
    assert f'href="/meetings/{upcoming.pk}/"' in coming_up
    assert f'href="/meetings/{cancelled.pk}/"' in coming_up
    assert "Cancelled" in coming_up
    assert f'href="/meetings/{past.pk}/"' in past_section
    assert "Outcome to follow" in past_section
    assert client.get("/meetings/", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


def test_a_meeting_page_shows_its_agenda_and_outcome(
    client: Client,
    clerk: User,
    full_council: Committee,
    debate_petition: Petition,
    mayor: Official,
    frozen_time: Any,
) -> None:
    meeting = schedule(clerk, full_council)
    item = add_debate(clerk, meeting, debate_petition)
    agenda_item_add(meeting_id=meeting.pk, kind=AgendaItemKind.QUESTIONS, title="", official_id=mayor.pk, actor=clerk)

    before = text(client.get(f"/meetings/{meeting.pk}/"))
    assert "Full Council, 10 March 2026" in before
    assert "Tuesday 10 March 2026, 19:00" in before
    assert f'<a href="/petitions/{debate_petition.pk}/">Keep Riverside Library open seven days a week</a>' in before
    assert "(3,006 signatures)" in before
    assert "Public questions to Cllr Helen Marsh, Mayor" in before
    assert f'<a href="/officials/{mayor.person.slug}/">Cllr Helen Marsh</a>' in before
    assert "What happened" not in before

    frozen_time.move_to(MEETING_AT + datetime.timedelta(hours=2))
    meeting_record_outcome(
        meeting_id=meeting.pk,
        summary="Members debated the petition.",
        minutes_url="https://example.org/minutes.pdf",
        video_url="https://example.org/video",
        item_outcomes={item.pk: ItemOutcome(outcome="A 30-minute debate.", decision="The library stays open.")},
        actor=clerk,
    )

    after = text(client.get(f"/meetings/{meeting.pk}/"))
    assert "Held; outcome published" in after
    assert "Members debated the petition." in after
    assert '<a href="https://example.org/minutes.pdf" rel="external">Minutes of the meeting</a>' in after
    assert '<a href="https://example.org/video" rel="external">Video of the meeting</a>' in after
    assert "The library stays open." in after


def test_a_cancelled_meeting_says_why(client: Client, clerk: User, full_council: Committee, frozen_time: Any) -> None:
    meeting = schedule(clerk, full_council)
    meeting_cancel(meeting_id=meeting.pk, reason="The chamber is flooded.", actor=clerk)

    page = text(client.get(f"/meetings/{meeting.pk}/"))

    assert "This meeting was cancelled" in page
    assert "The chamber is flooded." in page


def test_an_unknown_meeting_is_not_found(client: Client, db: Any) -> None:
    response = client.get("/meetings/999/")

    assert response.status_code == 404
    assert "There is no meeting with that number." in text(response)


def test_the_main_navigation_links_to_meetings(client: Client, scheme: Any) -> None:
    assert '<a href="/meetings/">Meetings</a>' in client.get("/").content.decode()


# --- clerks' pages: who may see them ----------------------------------------------------------


def clerk_urls(meeting: Meeting) -> dict[str, str]:
    return {
        "home": "/meetings/clerk/",
        "committee": "/meetings/clerk/committees/new/",
        "new": "/meetings/clerk/new/",
        "manage": f"/meetings/{meeting.pk}/clerk/",
        "agenda": f"/meetings/{meeting.pk}/clerk/agenda/",
        "cancel": f"/meetings/{meeting.pk}/clerk/cancel/",
        "outcome": f"/meetings/{meeting.pk}/clerk/outcome/",
    }


@pytest.mark.parametrize("page", ["home", "committee", "new", "manage", "agenda", "cancel", "outcome"])
def test_anonymous_visitors_are_sent_to_the_staff_login(
    client: Client, clerk: User, full_council: Committee, frozen_time: Any, page: str
) -> None:
    meeting = schedule(clerk, full_council)
    url = clerk_urls(meeting)[page]

    response = client.post(url, {"reason": "x"}) if page in ("agenda", "cancel") else client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"/staff/login/?next={url}"
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.SCHEDULED


@pytest.mark.parametrize("roles", [[], [Role.MODERATOR], [Role.RESPONDER]], ids=["none", "moderator", "responder"])
@pytest.mark.parametrize("page", ["home", "committee", "new", "manage", "agenda", "cancel", "outcome"])
def test_staff_without_the_clerk_role_are_refused(
    client: Client, clerk: User, full_council: Committee, frozen_time: Any, roles: list[Role], page: str
) -> None:
    meeting = schedule(clerk, full_council)
    client.force_login(staff("other", *roles))
    url = clerk_urls(meeting)[page]

    is_post = page in ("agenda", "cancel")
    response = client.post(url, {"kind": "other", "title": "x", "reason": "x"}) if is_post else client.get(url)

    assert response.status_code == 403
    assert "You need the clerk role to see this page." in text(response)
    assert response["Cache-Control"] == "no-store"
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.SCHEDULED
    assert not AgendaItem.objects.exists()


# --- clerks' pages: doing the work -----------------------------------------------------------


@pytest.fixture
def clerk_client(client: Client, clerk: User) -> Client:
    client.force_login(clerk)
    return client


def test_a_clerk_adds_a_committee_and_schedules_a_meeting(clerk_client: Client, frozen_time: Any) -> None:
    assert (
        clerk_client.post("/meetings/clerk/committees/new/", {"name": "Full Council", "kind": "full_council"})[
            "Location"
        ]
        == "/meetings/clerk/"
    )
    committee = Committee.objects.get()

    form = clerk_client.get("/meetings/clerk/new/")
    assert form["Cache-Control"] == "no-store"
    assert 'type="datetime-local"' in form.content.decode()
    response = clerk_client.post(
        "/meetings/clerk/new/",
        {"committee": str(committee.pk), "starts_at": "2026-03-10T19:00", "location": "Council Chamber"},
    )

    meeting = Meeting.objects.get()
    assert response["Location"] == f"/meetings/{meeting.pk}/clerk/"
    # Entered on the body's clock (Europe/London; GMT in March).
    assert meeting.starts_at == MEETING_AT
    page = text(clerk_client.get(f"/meetings/{meeting.pk}/clerk/"))
    assert "Add an agenda item" in page
    assert 'href="/staff/"' in page  # the staff navigation


def test_scheduling_in_the_past_shows_the_reason_on_the_form(
    clerk_client: Client, full_council: Committee, frozen_time: Any
) -> None:
    response = clerk_client.post(
        "/meetings/clerk/new/", {"committee": str(full_council.pk), "starts_at": "2026-01-10T19:00", "location": ""}
    )

    assert response.status_code == 400
    assert "The meeting must start in the future; it was given as 10 January 2026 19:00." in text(response)
    assert not Meeting.objects.exists()


def test_the_agenda_form_refuses_a_petition_below_the_threshold_with_the_reason(
    clerk_client: Client, clerk: User, full_council: Committee, evidence_petition: Petition
) -> None:
    meeting = schedule(clerk, full_council)

    response = clerk_client.post(
        f"/meetings/{meeting.pk}/clerk/agenda/", {"kind": "debate", "petition": str(evidence_petition.pk)}
    )

    assert response.status_code == 400
    assert "has not reached the Full Council debate threshold (3,006 signatures; it has 1,500)" in text(response)
    assert not AgendaItem.objects.exists()


def test_a_clerk_adds_a_debate_and_records_the_outcome(
    clerk_client: Client, clerk: User, full_council: Committee, debate_petition: Petition, frozen_time: Any
) -> None:
    meeting = schedule(clerk, full_council)
    added = clerk_client.post(
        f"/meetings/{meeting.pk}/clerk/agenda/", {"kind": "debate", "petition": str(debate_petition.pk)}
    )
    assert added["Location"] == f"/meetings/{meeting.pk}/clerk/"
    item = AgendaItem.objects.get()

    early = clerk_client.get(f"/meetings/{meeting.pk}/clerk/outcome/")
    assert "record its outcome after it has started" in text(early)

    frozen_time.move_to(MEETING_AT + datetime.timedelta(hours=2))
    blank = clerk_client.post(
        f"/meetings/{meeting.pk}/clerk/outcome/",
        {"summary": "Debated.", "minutes_url": "", "video_url": "", f"item_{item.pk}_outcome": ""},
    )
    assert blank.status_code == 400
    assert f'href="#id_item_{item.pk}_outcome"' in blank.content.decode()
    assert "Record what happened for “Debate: Keep Riverside Library open seven days a week”." in text(blank)

    done = clerk_client.post(
        f"/meetings/{meeting.pk}/clerk/outcome/",
        {
            "summary": "Debated.",
            "minutes_url": "https://example.org/minutes",
            "video_url": "",
            f"item_{item.pk}_outcome": "A 30-minute debate.",
            f"item_{item.pk}_decision": "Keep it open.",
        },
    )
    assert done["Location"] == f"/meetings/{meeting.pk}/"
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.HELD
    assert "already been published" in text(clerk_client.get(f"/meetings/{meeting.pk}/clerk/outcome/"))


def test_a_clerk_cancels_a_meeting_with_a_reason(
    clerk_client: Client, clerk: User, full_council: Committee, frozen_time: Any
) -> None:
    meeting = schedule(clerk, full_council)

    refused = clerk_client.post(f"/meetings/{meeting.pk}/clerk/cancel/", {"reason": ""})
    assert refused.status_code == 400
    assert "Say why the meeting is cancelled" in text(refused)

    done = clerk_client.post(f"/meetings/{meeting.pk}/clerk/cancel/", {"reason": "No quorum."})
    assert done["Location"] == f"/meetings/{meeting.pk}/"
    meeting.refresh_from_db()
    assert (meeting.state, meeting.cancellation_reason) == (MeetingState.CANCELLED, "No quorum.")
