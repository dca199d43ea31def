"""The petition page's debate and evidence steps: scheduled → held → outcome.

Registered in `MeetingsConfig.ready()` through core.panels (the petitions app may not
import meetings). Each provider makes one query.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from townhall.core.panels import Panel, TimelineEvent
from townhall.meetings.models import AgendaItem, AgendaItemKind, MeetingState
from townhall.meetings.selectors import agenda_item_list_for_petition, agenda_item_next_for_petition
from townhall.meetings.services import local_date


def _labels(item: AgendaItem) -> dict[str, str]:
    committee = item.meeting.committee.name
    date = local_date(item.meeting.starts_at)
    if item.kind == AgendaItemKind.DEBATE:
        return {
            "prefix": "debate",
            "planned": _("Debate at %(committee)s") % {"committee": committee},
            "scheduled": _("Scheduled for debate at %(committee)s on %(date)s")
            % {"committee": committee, "date": date},
            "held": _("Debated at %(committee)s") % {"committee": committee},
            "pending": _("Debated at %(committee)s; the outcome will be published here") % {"committee": committee},
            "outcome": _("Outcome of the debate published"),
        }
    return {
        "prefix": "evidence",
        "planned": _("Officer evidence session at %(committee)s") % {"committee": committee},
        "scheduled": _("Officer evidence session scheduled at %(committee)s on %(date)s")
        % {"committee": committee, "date": date},
        "held": _("Officer evidence heard at %(committee)s") % {"committee": committee},
        "pending": _("Evidence heard at %(committee)s; the outcome will be published here") % {"committee": committee},
        "outcome": _("Outcome of the evidence session published"),
    }


def petition_meeting_events(petition: Any) -> Iterator[TimelineEvent]:
    now = timezone.now()
    for item in agenda_item_list_for_petition(petition_id=petition.pk):
        meeting = item.meeting
        labels = _labels(item)
        url = reverse("meetings:detail", kwargs={"pk": meeting.pk})
        if meeting.state == MeetingState.SCHEDULED and not meeting.has_started_at(now):
            # Still to come: one planned step on the meeting's date.
            yield TimelineEvent(
                at=meeting.starts_at,
                kind=f"{labels['prefix']}_scheduled",
                title=labels["planned"],
                detail=meeting.location,
                url=url,
                is_future=True,
            )
            continue
        yield TimelineEvent(
            at=item.created_at or meeting.starts_at,
            kind=f"{labels['prefix']}_scheduled",
            title=labels["scheduled"],
            url=url,
        )
        if meeting.state == MeetingState.CANCELLED:
            yield TimelineEvent(
                at=meeting.cancelled_at or meeting.starts_at,
                kind="meeting_cancelled",
                title=_("The %(committee)s meeting on %(date)s was cancelled")
                % {"committee": meeting.committee.name, "date": local_date(meeting.starts_at)},
                detail=meeting.cancellation_reason,
                url=url,
            )
        elif meeting.state == MeetingState.HELD:
            yield TimelineEvent(at=meeting.starts_at, kind="meeting_held", title=labels["held"], url=url)
            if item.outcome_recorded_at is not None:
                yield TimelineEvent(
                    at=item.outcome_recorded_at,
                    kind=f"{labels['prefix']}_outcome",
                    title=labels["outcome"],
                    detail=item.decision or item.outcome,
                    url=url,
                )
        else:
            yield TimelineEvent(at=meeting.starts_at, kind="meeting_started", title=labels["pending"], url=url)


def petition_next_session_panel(petition: Any) -> Panel | None:
    """A box on the petition page naming its next debate or evidence session."""
    item = agenda_item_next_for_petition(petition_id=petition.pk, now=timezone.now())
    if item is None:
        return None
    meeting = item.meeting
    return Panel(
        template="meetings/_petition_panel.html",
        order=40,
        context={"item": item, "meeting": meeting},
        etag_part=f"meeting:{meeting.pk}:{meeting.starts_at.isoformat()}:{meeting.location}:{item.pk}",
    )
