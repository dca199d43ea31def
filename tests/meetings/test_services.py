"""Meetings services: committees, scheduling, agendas (threshold routes), cancelling and
recording outcomes. Every refusal says why and changes nothing."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest

from tests.builders import MEETING_AT, WORLD_STARTS_AT, awaiting_petition, staff
from tests.meetings.conftest import add_debate, petition_with, schedule
from townhall.accounts.models import Role, User
from townhall.audit.models import AuditEvent
from townhall.core.errors import DomainError, InvalidState, PermissionDeniedError
from townhall.meetings.models import AgendaItem, AgendaItemKind, Committee, CommitteeKind, Meeting, MeetingState
from townhall.meetings.services import (
    ItemOutcome,
    agenda_item_add,
    committee_create,
    meeting_cancel,
    meeting_record_outcome,
    meeting_schedule,
)
from townhall.officials.models import Official
from townhall.petitions.models import Petition, RejectionReason
from townhall.petitions.services import petition_reject
from townhall.schemes.models import Scheme

pytestmark = pytest.mark.django_db


def snapshot() -> tuple[Any, ...]:
    return (
        list(Committee.objects.values_list("pk", "name")),
        list(Meeting.objects.values_list("pk", "state", "summary", "outcome_published_at", "cancelled_at")),
        list(AgendaItem.objects.values_list("pk", "outcome", "decision", "outcome_recorded_at")),
        list(Petition.objects.values_list("pk", "debate_outcome_at")),
    )


# --- committees -------------------------------------------------------------------------------


def test_a_clerk_creates_a_committee_with_a_unique_slug(clerk: User) -> None:
    first = committee_create(name="Full Council", kind=CommitteeKind.FULL_COUNCIL, actor=clerk)
    second = committee_create(name="Full  Council!", kind=CommitteeKind.OTHER, actor=clerk)

    assert (first.slug, second.slug) == ("full-council", "full-council-2")
    assert AuditEvent.objects.filter(action="committee.created", actor=clerk).count() == 2


@pytest.mark.parametrize(
    ("name", "kind", "message"),
    [
        ("  ", CommitteeKind.SCRUTINY, "Enter the committee's name."),
        ("Planning", "parish", "Choose what kind of committee this is."),
        ("full council", CommitteeKind.FULL_COUNCIL, "A committee called “full council” already exists."),
    ],
)
def test_committee_refusals(clerk: User, full_council: Committee, name: str, kind: str, message: str) -> None:
    before = snapshot()

    with pytest.raises(DomainError) as refused:
        committee_create(name=name, kind=kind, actor=clerk)

    assert refused.value.message == message
    assert snapshot() == before


@pytest.mark.parametrize("roles", [[], [Role.MODERATOR], [Role.RESPONDER]], ids=["none", "moderator", "responder"])
def test_only_clerks_and_administrators_change_meetings(
    clerk: User, full_council: Committee, roles: list[Role], frozen_time: Any
) -> None:
    other = staff("other", *roles)
    meeting = schedule(clerk, full_council)
    before = snapshot()

    for attempt in (
        lambda: committee_create(name="Cabinet", kind=CommitteeKind.OTHER, actor=other),
        lambda: meeting_schedule(committee_id=full_council.pk, starts_at=MEETING_AT, location="", actor=other),
        lambda: agenda_item_add(meeting_id=meeting.pk, kind=AgendaItemKind.OTHER, title="Minutes", actor=other),
        lambda: meeting_cancel(meeting_id=meeting.pk, reason="No quorum", actor=other),
        lambda: meeting_record_outcome(
            meeting_id=meeting.pk, summary="x", minutes_url="", video_url="", item_outcomes={}, actor=other
        ),
    ):
        with pytest.raises(PermissionDeniedError) as refused:
            attempt()
        assert refused.value.http_status == 403
    assert snapshot() == before

    admin = staff("admin", Role.ADMINISTRATOR)
    assert committee_create(name="Cabinet", kind=CommitteeKind.OTHER, actor=admin).name == "Cabinet"


# --- scheduling ---------------------------------------------------------------------------------


def test_a_meeting_is_scheduled_in_the_future(clerk: User, full_council: Committee, frozen_time: Any) -> None:
    meeting = meeting_schedule(
        committee_id=full_council.pk, starts_at=MEETING_AT, location="  Council   Chamber ", actor=clerk
    )

    assert meeting.state == MeetingState.SCHEDULED
    assert meeting.starts_at == MEETING_AT
    assert meeting.location == "Council Chamber"
    assert AuditEvent.objects.filter(action="meeting.scheduled", target_id=str(meeting.pk)).exists()


def test_a_meeting_in_the_past_is_refused(clerk: User, full_council: Committee, frozen_time: Any) -> None:
    with pytest.raises(DomainError) as refused:
        meeting_schedule(
            committee_id=full_council.pk,
            starts_at=WORLD_STARTS_AT - datetime.timedelta(days=1),
            location="",
            actor=clerk,
        )

    assert refused.value.code == "starts_at_past"
    assert refused.value.message == "The meeting must start in the future; it was given as 1 February 2026 10:00."
    assert not Meeting.objects.exists()


def test_an_unknown_committee_is_refused(clerk: User, frozen_time: Any) -> None:
    with pytest.raises(DomainError, match=re.escape("Choose the committee that is meeting.")):
        meeting_schedule(committee_id=999, starts_at=MEETING_AT, location="", actor=clerk)
    assert not Meeting.objects.exists()


# --- agenda: the threshold routes ----------------------------------------------------------------


def test_a_petition_that_reached_the_debate_threshold_is_scheduled_for_debate(
    clerk: User, full_council: Committee, debate_petition: Petition
) -> None:
    meeting = schedule(clerk, full_council)

    item = add_debate(clerk, meeting, debate_petition)
    other = agenda_item_add(meeting_id=meeting.pk, kind=AgendaItemKind.OTHER, title="Budget", actor=clerk)

    assert item.title == "Debate: Keep Riverside Library open seven days a week"
    assert (item.position, other.position) == (1, 2)
    assert item.scheduled_at == MEETING_AT
    assert item.created_at == WORLD_STARTS_AT
    assert AuditEvent.objects.filter(action="agenda_item.added", target_id=str(item.pk)).exists()


def test_a_debate_needs_the_debate_threshold(clerk: User, full_council: Committee, evidence_petition: Petition) -> None:
    meeting = schedule(clerk, full_council)
    before = snapshot()

    with pytest.raises(DomainError) as refused:
        add_debate(clerk, meeting, evidence_petition)

    assert refused.value.code == "threshold_not_reached"
    assert refused.value.message == (
        "“Publish the full reasons for the Chief Executive's departure” has not reached the Full Council debate "
        "threshold (3,006 signatures; it has 1,500), so it cannot be scheduled for a debate."
    )
    assert snapshot() == before


def test_officer_evidence_needs_the_officer_evidence_threshold(
    clerk: User, scrutiny: Committee, scheme: Scheme, moderator: User, mayor: Official, frozen_time: Any
) -> None:
    meeting = schedule(clerk, scrutiny)
    short = petition_with(moderator, signatures=1_499)
    reached = petition_with(moderator, signatures=1_500, action="Publish the reasons")

    with pytest.raises(DomainError) as refused:
        agenda_item_add(
            meeting_id=meeting.pk, kind=AgendaItemKind.OFFICER_EVIDENCE, title="", petition_id=short.pk, actor=clerk
        )
    assert "has not reached the Officer evidence at scrutiny threshold (1,500 signatures; it has 1,499)" in (
        refused.value.message
    )
    assert "cannot be scheduled for an officer evidence session" in refused.value.message
    assert not AgendaItem.objects.exists()

    item = agenda_item_add(
        meeting_id=meeting.pk,
        kind=AgendaItemKind.OFFICER_EVIDENCE,
        title="",
        petition_id=reached.pk,
        official_id=mayor.pk,
        actor=clerk,
    )
    assert item.title == "Officer evidence: Publish the reasons"
    assert item.official == mayor


@pytest.mark.parametrize(
    ("kind", "petition", "code", "message"),
    [
        (AgendaItemKind.DEBATE, None, "petition_missing", "Give the number of the petition to be considered."),
        (AgendaItemKind.DEBATE, 9999, "petition_unknown", "There is no petition number 9999."),
        (
            AgendaItemKind.QUESTIONS,
            "debate",
            "petition_not_allowed",
            "Only petition debates and officer evidence sessions are linked to a petition.",
        ),
        ("motion", None, "kind_invalid", "Choose what kind of agenda item this is."),
        (AgendaItemKind.OTHER, None, "title_blank", "Enter a title for the agenda item."),
    ],
)
def test_agenda_refusals(
    clerk: User,
    full_council: Committee,
    debate_petition: Petition,
    kind: str,
    petition: Any,
    code: str,
    message: str,
) -> None:
    meeting = schedule(clerk, full_council)
    petition_id = debate_petition.pk if petition == "debate" else petition

    with pytest.raises(DomainError) as refused:
        agenda_item_add(meeting_id=meeting.pk, kind=kind, title=" ", petition_id=petition_id, actor=clerk)

    assert (refused.value.code, refused.value.message) == (code, message)
    assert not AgendaItem.objects.exists()


def test_a_petition_is_not_scheduled_twice_for_the_same_route(
    clerk: User, full_council: Committee, debate_petition: Petition
) -> None:
    add_debate(clerk, schedule(clerk, full_council), debate_petition)
    later = schedule(clerk, full_council, starts_at=MEETING_AT + datetime.timedelta(days=28))

    with pytest.raises(DomainError) as refused:
        add_debate(clerk, later, debate_petition)

    assert refused.value.message == (
        "This petition is already scheduled for a debate at Full Council on 10 March 2026."
    )
    assert AgendaItem.objects.count() == 1


def test_a_rejected_petition_is_never_scheduled(
    clerk: User, full_council: Committee, scheme: Scheme, moderator: User, frozen_time: Any
) -> None:
    petition = awaiting_petition()
    petition_reject(petition_id=petition.pk, reason=RejectionReason.DUPLICATE, details="", actor=moderator)
    meeting = schedule(clerk, full_council)

    with pytest.raises(
        DomainError, match=re.escape("Only open or closed petitions can be put on an agenda; this one is rejected.")
    ):
        add_debate(clerk, meeting, petition)
    assert not AgendaItem.objects.exists()


def test_a_cancelled_or_held_meeting_takes_no_new_items(
    clerk: User, full_council: Committee, debate_petition: Petition, frozen_time: Any
) -> None:
    cancelled = schedule(clerk, full_council)
    meeting_cancel(meeting_id=cancelled.pk, reason="No quorum.", actor=clerk)
    held = schedule(clerk, full_council, starts_at=MEETING_AT + datetime.timedelta(days=1))
    frozen_time.move_to(MEETING_AT + datetime.timedelta(days=2))
    meeting_record_outcome(
        meeting_id=held.pk, summary="Done.", minutes_url="", video_url="", item_outcomes={}, actor=clerk
    )

    for meeting, message in (
        (cancelled, "This meeting was cancelled, so nothing can be added to its agenda."),
        (held, "This meeting has been held and its outcome published, so nothing can be added to its agenda."),
    ):
        with pytest.raises(InvalidState) as refused:
            agenda_item_add(meeting_id=meeting.pk, kind=AgendaItemKind.OTHER, title="Late item", actor=clerk)
        assert refused.value.message == message
    assert not AgendaItem.objects.exists()


# --- cancelling ---------------------------------------------------------------------------------


def test_cancelling_needs_a_reason_and_records_it(clerk: User, full_council: Committee, frozen_time: Any) -> None:
    meeting = schedule(clerk, full_council)

    with pytest.raises(DomainError, match=re.escape("Say why the meeting is cancelled")):
        meeting_cancel(meeting_id=meeting.pk, reason="  ", actor=clerk)
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.SCHEDULED

    meeting_cancel(meeting_id=meeting.pk, reason="The chamber is flooded.", actor=clerk)
    meeting.refresh_from_db()
    assert (meeting.state, meeting.cancelled_at, meeting.cancellation_reason) == (
        MeetingState.CANCELLED,
        WORLD_STARTS_AT,
        "The chamber is flooded.",
    )
    with pytest.raises(InvalidState, match=re.escape("This meeting was cancelled, so it cannot be cancelled.")):
        meeting_cancel(meeting_id=meeting.pk, reason="Again", actor=clerk)


# --- recording the outcome ------------------------------------------------------------------------


def test_the_outcome_is_recorded_after_the_meeting_starts_and_marks_the_petition_debated(
    clerk: User, full_council: Committee, debate_petition: Petition, frozen_time: Any
) -> None:
    meeting = schedule(clerk, full_council)
    item = add_debate(clerk, meeting, debate_petition)
    other = agenda_item_add(meeting_id=meeting.pk, kind=AgendaItemKind.OTHER, title="Budget", actor=clerk)

    with pytest.raises(InvalidState) as early:
        meeting_record_outcome(
            meeting_id=meeting.pk, summary="x", minutes_url="", video_url="", item_outcomes={}, actor=clerk
        )
    assert (
        early.value.message == "This meeting starts on 10 March 2026 at 19:00; record its outcome after it has started."
    )

    published = MEETING_AT + datetime.timedelta(hours=14)
    frozen_time.move_to(published)
    meeting_record_outcome(
        meeting_id=meeting.pk,
        summary="The petition was debated.",
        minutes_url="https://example.org/minutes.pdf",
        video_url="https://example.org/video",
        item_outcomes={item.pk: ItemOutcome(outcome="Debated for 30 minutes.", decision="Keep the library open.")},
        actor=clerk,
    )

    meeting.refresh_from_db()
    item.refresh_from_db()
    other.refresh_from_db()
    debate_petition.refresh_from_db()
    assert meeting.state == MeetingState.HELD
    assert meeting.outcome_published_at == published
    assert (meeting.minutes_url, meeting.video_url) == ("https://example.org/minutes.pdf", "https://example.org/video")
    assert (item.outcome, item.decision, item.outcome_recorded_at) == (
        "Debated for 30 minutes.",
        "Keep the library open.",
        published,
    )
    assert other.outcome_recorded_at is None
    assert debate_petition.debate_outcome_at == published
    assert AuditEvent.objects.filter(action="meeting.outcome_published", actor=clerk).count() == 1

    with pytest.raises(InvalidState, match=re.escape("its outcome cannot be recorded again")):
        meeting_record_outcome(
            meeting_id=meeting.pk, summary="Again", minutes_url="", video_url="", item_outcomes={}, actor=clerk
        )


def test_officer_evidence_outcomes_do_not_mark_the_petition_debated(
    clerk: User, scrutiny: Committee, evidence_petition: Petition, frozen_time: Any
) -> None:
    meeting = schedule(clerk, scrutiny)
    item = agenda_item_add(
        meeting_id=meeting.pk,
        kind=AgendaItemKind.OFFICER_EVIDENCE,
        title="",
        petition_id=evidence_petition.pk,
        actor=clerk,
    )
    frozen_time.move_to(MEETING_AT + datetime.timedelta(hours=3))

    meeting_record_outcome(
        meeting_id=meeting.pk,
        summary="Evidence heard.",
        minutes_url="",
        video_url="",
        item_outcomes={item.pk: ItemOutcome(outcome="The Chief Executive answered members' questions.")},
        actor=clerk,
    )

    evidence_petition.refresh_from_db()
    assert evidence_petition.debate_outcome_at is None


@pytest.mark.parametrize(
    ("summary", "minutes", "outcome", "message"),
    [
        ("  ", "", "Debated.", "Summarise what happened at the meeting."),
        ("Held.", "minutes.pdf", "Debated.", "Enter the minutes' address as a full web address, starting https://."),
        ("Held.", "", " ", "Record what happened for “Debate: Keep Riverside Library open seven days a week”."),
    ],
)
def test_outcome_refusals_change_nothing(
    clerk: User,
    full_council: Committee,
    debate_petition: Petition,
    frozen_time: Any,
    summary: str,
    minutes: str,
    outcome: str,
    message: str,
) -> None:
    meeting = schedule(clerk, full_council)
    item = add_debate(clerk, meeting, debate_petition)
    frozen_time.move_to(MEETING_AT + datetime.timedelta(hours=3))
    before = snapshot()

    with pytest.raises(DomainError) as refused:
        meeting_record_outcome(
            meeting_id=meeting.pk,
            summary=summary,
            minutes_url=minutes,
            video_url="",
            item_outcomes={item.pk: ItemOutcome(outcome=outcome)},
            actor=clerk,
        )

    assert refused.value.message == message
    assert snapshot() == before


def test_an_item_from_another_meeting_is_refused(
    clerk: User, full_council: Committee, debate_petition: Petition, frozen_time: Any
) -> None:
    meeting = schedule(clerk, full_council)
    elsewhere = add_debate(
        clerk, schedule(clerk, full_council, starts_at=MEETING_AT + datetime.timedelta(days=7)), debate_petition
    )
    frozen_time.move_to(MEETING_AT + datetime.timedelta(hours=3))

    with pytest.raises(DomainError, match=re.escape(f"Agenda item {elsewhere.pk} is not on this meeting's agenda.")):
        meeting_record_outcome(
            meeting_id=meeting.pk,
            summary="Held.",
            minutes_url="",
            video_url="",
            item_outcomes={elsewhere.pk: ItemOutcome(outcome="x")},
            actor=clerk,
        )
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.SCHEDULED
