"""Sections the questions app adds to meeting pages (meetings may not import questions)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from townhall.core.errors import InvalidState
from townhall.core.http import make_etag
from townhall.core.panels import Panel
from townhall.questions.selectors import distribution_of, question_list_for_meeting
from townhall.questions.services import meeting_takes_questions, question_check_meeting, question_rules


def meeting_questions_panel(meeting: Any) -> Panel | None:
    """The meeting's public questions with answers, supplementaries and verdicts."""
    rows = question_list_for_meeting(meeting_id=meeting.pk)
    if not rows and not meeting_takes_questions(meeting):
        return None
    try:
        rules = question_check_meeting(meeting=meeting)
        is_open = True
    except InvalidState:
        rules = question_rules(meeting=meeting)
        is_open = False
    return Panel(
        template="questions/_meeting_panel.html",
        order=20,
        context={
            "meeting": meeting,
            "rows": rows,
            "distribution": distribution_of(rows),
            "rules": rules,
            "is_open": is_open,
            "now": timezone.now(),
        },
        etag_part=make_etag(
            "questions",
            is_open,
            rules.closes_at,
            [(r.question.pk, r.status, r.question.answered_at, r.question.supplementary_recorded_at) for r in rows],
        ),
    )


def meeting_clerk_panel(meeting: Any) -> Panel | None:
    """On the clerk's meeting page: the accepted questions, to record supplementaries."""
    rows = question_list_for_meeting(meeting_id=meeting.pk)
    if not rows:
        return None
    return Panel(
        template="questions/_clerk_panel.html",
        order=20,
        context={"meeting": meeting, "rows": rows, "has_started": meeting.has_started},
    )
