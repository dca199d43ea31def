"""Reads of committees, meetings and agendas for pages, the petition timeline and emails."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

from townhall.core.errors import NotFound
from townhall.meetings.models import AgendaItem, AgendaItemKind, Committee, Meeting, MeetingState


def committee_list() -> list[Committee]:
    return list(Committee.objects.all())


def meeting_get(*, meeting_id: int) -> Meeting:
    """A meeting with its committee (every meeting is public, including cancelled ones)."""
    meeting = Meeting.objects.select_related("committee").filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound("There is no meeting with that number.")
    return meeting


def agenda_item_list(*, meeting_id: int) -> list[AgendaItem]:
    """A meeting's agenda in order, with linked petitions and officials (one query)."""
    return list(
        AgendaItem.objects.filter(meeting_id=meeting_id)
        .select_related("petition", "official__person")
        .order_by("position", "id")
    )


def meeting_list_upcoming(*, now: datetime.datetime) -> list[Meeting]:
    """Meetings starting from now on, soonest first (cancelled ones say so)."""
    return list(Meeting.objects.select_related("committee").filter(starts_at__gte=now).order_by("starts_at", "id"))


def meeting_list_past(*, now: datetime.datetime, page: int, page_size: int) -> Page[Meeting]:
    """Meetings that have started, latest first."""
    meetings: QuerySet[Meeting] = (
        Meeting.objects.select_related("committee").filter(starts_at__lt=now).order_by("-starts_at", "-id")
    )
    return Paginator(meetings, page_size).get_page(page)


def meeting_list_for_clerk() -> list[Meeting]:
    """Meetings still needing a clerk: scheduled ones, including those awaiting an outcome."""
    return list(
        Meeting.objects.select_related("committee").filter(state=MeetingState.SCHEDULED).order_by("starts_at", "id")
    )


def agenda_item_list_for_petition(*, petition_id: int) -> list[AgendaItem]:
    """Every debate and evidence session for a petition, oldest first (one query)."""
    return list(
        AgendaItem.objects.filter(
            petition_id=petition_id, kind__in=[AgendaItemKind.DEBATE, AgendaItemKind.OFFICER_EVIDENCE]
        )
        .select_related("meeting__committee")
        .order_by("scheduled_at", "id")
    )


def agenda_item_next_for_petition(*, petition_id: int, now: datetime.datetime) -> AgendaItem | None:
    """The petition's next scheduled debate or evidence session, if any (one query)."""
    return (
        AgendaItem.objects.filter(
            petition_id=petition_id,
            kind__in=[AgendaItemKind.DEBATE, AgendaItemKind.OFFICER_EVIDENCE],
            meeting__state=MeetingState.SCHEDULED,
            meeting__starts_at__gte=now,
        )
        .select_related("meeting__committee", "official__person")
        .order_by("meeting__starts_at", "id")
        .first()
    )


class MeetingFilter:
    ALL = "all"
    UPCOMING = "upcoming"
    PAST = "past"


def meeting_page_public(
    *, when: str, committee: str | None, now: datetime.datetime, page: int, page_size: int
) -> Page[Meeting]:
    """Every meeting is public (cancelled ones say so): upcoming soonest first, otherwise
    latest first, optionally of one committee (by slug)."""
    meetings: QuerySet[Meeting] = Meeting.objects.select_related("committee")
    if committee:
        meetings = meetings.filter(committee__slug=committee)
    if when == MeetingFilter.UPCOMING:
        meetings = meetings.filter(starts_at__gte=now).order_by("starts_at", "id")
    elif when == MeetingFilter.PAST:
        meetings = meetings.filter(starts_at__lt=now).order_by("-starts_at", "-id")
    else:
        meetings = meetings.order_by("-starts_at", "-id")
    return Paginator(meetings, page_size).get_page(page)


def agenda_item_map_latest_debate(*, petition_ids: Iterable[int]) -> dict[int, AgendaItem]:
    """Each petition's latest debate not cancelled, by petition id (a debate may be
    rescheduled to a later meeting; the latest wins). One query."""
    debates: dict[int, AgendaItem] = {}
    items = (
        AgendaItem.objects.filter(petition_id__in=list(petition_ids), kind=AgendaItemKind.DEBATE)
        .exclude(meeting__state=MeetingState.CANCELLED)
        .select_related("meeting")
        .order_by("scheduled_at", "id")
    )
    for item in items:
        if item.petition_id is not None:
            debates[item.petition_id] = item
    return debates
