"""What responses add to the petition page: a panel with the deadline clock or the
published response, and timeline events. Registered in ResponsesConfig.ready().

Each provider makes one query. The countdown changes every day without any write, so
until publication the panel's `etag_part` includes today's date: a cached page showing
"9 days left" is never revalidated as current on the next day.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from townhall.core.panels import Panel, TimelineEvent
from townhall.responses.selectors import response_status

PANEL_ORDER = 10


def response_panel(petition: Any) -> Panel | None:
    today = timezone.localdate()
    status = response_status(petition=petition, today=today)
    if status is None:
        return None
    if status.published_at is not None:
        etag_part = f"response:{status.response_id}:published:{status.published_at.isoformat()}"
    else:
        etag_part = f"response:{status.response_id}:due:{status.due_on.isoformat()}:{today.isoformat()}"
    return Panel(template="responses/_panel.html", order=PANEL_ORDER, context={"status": status}, etag_part=etag_part)


def response_timeline(petition: Any) -> Iterator[TimelineEvent]:
    """Response owed (with its deadline) → due → responded, or → overdue while missed.

    A deadline still ahead is a planned step. A response published on time replaces it
    (the deadline is named in its detail), so the timeline never lists a "due" step after
    the response it was waiting for. A missed deadline stays as history, followed by the
    late response or by an "overdue" event dated the first day it was overdue.
    """
    status = response_status(petition=petition)
    if status is None:
        return
    # The moment a response became owed, with its public deadline.
    yield TimelineEvent(
        at=status.threshold_reached_at,
        kind="response_requested",
        title=_("A written response is due by %(date)s") % {"date": date_format(status.due_on, "j F Y")},
    )
    if status.published_at is None or status.late_by:
        yield TimelineEvent(
            at=status.due_on,
            kind="response_due",
            title=_("Written response due"),
            is_future=status.published_at is None and not status.is_overdue,
        )
    if status.published_at is not None:
        if status.late_by:
            detail = ngettext(
                "Published %(n)s day after the deadline.", "Published %(n)s days after the deadline.", status.late_by
            ) % {"n": status.late_by}
        else:
            detail = _("On time: it was due by %(date)s.") % {"date": date_format(status.due_on, "j F Y")}
        yield TimelineEvent(
            at=status.published_at, kind="responded", title=_("Response published"), detail=detail, url="#response"
        )
    elif status.is_overdue:
        # Midnight (local) starting the first overdue day: never later than now.
        first_overdue_day = status.due_on + datetime.timedelta(days=1)
        yield TimelineEvent(
            at=timezone.make_aware(datetime.datetime.combine(first_overdue_day, datetime.time.min)),
            kind="overdue",
            title=ngettext("Response overdue by %(n)s day", "Response overdue by %(n)s days", status.overdue_by)
            % {"n": status.overdue_by},
        )
