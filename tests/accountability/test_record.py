"""An official's record, computed exactly on a fixture.

The fixture is frozen at 23:30 UTC on Sunday 29 March 2026, which is already 00:30 on
Monday 30 March in the body's time zone (British Summer Time began that morning): "today"
is the 30th on the body's calendar but still the 29th in UTC.
"""

from __future__ import annotations

import datetime
from fractions import Fraction
from typing import Any

import pytest
import time_machine

from tests.accountability.factories import meeting, question, response
from tests.builders import RECORD_NOW, utc
from townhall.accountability.selectors import OfficialRecord, days_to_respond, official_record
from townhall.meetings.models import MeetingState
from townhall.officials.models import Official, RoleKind
from townhall.officials.services import official_appoint
from townhall.questions.models import QuestionState, Verdict

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def tenures(scheme: Any) -> tuple[Official, Official]:
    """Daniel Okafor was Director of Place, then Chief Executive: one person, two tenures."""
    director = official_appoint(
        name="Daniel Okafor",
        role="Director of Place",
        kind=RoleKind.OFFICER,
        started_on=D(2024, 1, 1),
        ended_on=D(2025, 12, 31),
    )
    chief = official_appoint(
        name="Daniel Okafor", role="Chief Executive", kind=RoleKind.OFFICER, started_on=D(2026, 1, 1)
    )
    assert director.person_id == chief.person_id
    return director, chief


@pytest.fixture
def someone_else(scheme: Any) -> Official:
    return official_appoint(name="Cllr Helen Marsh", role="Mayor", started_on=D(2024, 5, 1))


@pytest.mark.parametrize(
    ("reached", "published", "days"),
    [
        # Same day on the body's calendar: 0 days, however many hours passed.
        (utc(2026, 1, 5, 9, 0), utc(2026, 1, 5, 17, 0), 0),
        # 40 minutes across local midnight is a day; 23 hours within one local day is none.
        (utc(2026, 2, 1, 23, 30), utc(2026, 2, 2, 0, 10), 1),
        (utc(2026, 2, 1, 0, 30), utc(2026, 2, 1, 23, 30), 0),
        # In summer, 23:30 UTC is already the next local day.
        (utc(2026, 6, 1, 22, 0), utc(2026, 6, 1, 23, 30), 1),
        # Across the clocks going forward: 24 hours of elapsed time, two calendar days.
        (utc(2026, 3, 28, 23, 30), utc(2026, 3, 29, 23, 30), 2),
    ],
)
def test_days_to_respond_counts_calendar_days_in_the_bodys_time_zone(
    reached: datetime.datetime, published: datetime.datetime, days: int
) -> None:
    assert days_to_respond(threshold_reached_at=reached, published_at=published) == days


def test_the_record_is_exact_across_every_tenure_and_no_one_elses(
    tenures: tuple[Official, Official], someone_else: Official
) -> None:
    director, chief = tenures
    # Published responses: 10, 3, 2 (across the change to BST) and 30 calendar days.
    response(official=chief, reached=utc(2026, 1, 5, 10), published=utc(2026, 1, 15, 9), due_on=D(2026, 2, 4))
    response(official=chief, reached=utc(2026, 2, 1, 23, 30), published=utc(2026, 2, 4, 0, 10), due_on=D(2026, 3, 3))
    response(
        official=chief, reached=utc(2026, 3, 28, 23, 30), published=utc(2026, 3, 29, 23, 30), due_on=D(2026, 4, 27)
    )
    response(official=director, reached=utc(2025, 1, 10, 12), published=utc(2025, 2, 9, 12), due_on=D(2025, 2, 9))
    # Unpublished: due yesterday on the body's calendar (overdue), due today (not yet),
    # due a month ago under the earlier tenure (overdue).
    response(official=chief, reached=utc(2026, 2, 27, 12), due_on=D(2026, 3, 29))
    response(official=chief, reached=utc(2026, 2, 28, 12), due_on=D(2026, 3, 30))
    response(official=director, reached=utc(2025, 12, 1, 12), due_on=D(2026, 3, 1))
    # Someone else's responses, published slowly and overdue, count for them only.
    response(official=someone_else, reached=utc(2025, 1, 1, 12), published=utc(2025, 4, 11, 12), due_on=D(2025, 2, 1))
    response(official=someone_else, reached=utc(2025, 6, 1, 12), due_on=D(2025, 7, 1))
    # A response with no official answers for no one.
    response(official=None, reached=utc(2025, 6, 1, 12), due_on=D(2025, 7, 1))

    held = meeting(starts_at=utc(2026, 3, 10, 18))
    upcoming = meeting(starts_at=utc(2026, 4, 14, 18), state=MeetingState.SCHEDULED)
    cancelled = meeting(starts_at=utc(2026, 3, 3, 18), state=MeetingState.CANCELLED)
    for verdict in [Verdict.ANSWERED, Verdict.ANSWERED, Verdict.PARTLY, Verdict.PARTLY, Verdict.NOT_ANSWERED]:
        question(official=chief, at=held, verdict=verdict)
    question(official=director, at=held, verdict=Verdict.ANSWERED)
    # Answered, but the asker has not judged it yet: not a recorded verdict.
    question(official=chief, at=held)
    # No answer given: accepted, the meeting has been held, no written answer by then —
    # even if something was said aloud at the meeting (the written answer was owed).
    question(official=chief, at=held, answered=False)
    question(official=chief, at=held, answered=False, supplementary_answer="Answered aloud.")
    # Not "no answer given": meeting still to come; meeting cancelled; never accepted.
    question(official=chief, at=upcoming, answered=False)
    question(official=chief, at=cancelled, answered=False)
    question(official=chief, at=held, answered=False, state=QuestionState.REJECTED)
    question(official=someone_else, at=held, verdict=Verdict.NOT_ANSWERED)
    question(official=someone_else, at=held, answered=False)

    with time_machine.travel(RECORD_NOW, tick=False):
        record = official_record(person=chief.person)

    assert record == OfficialRecord(
        responses_published=4,
        # Days 2, 3, 10, 30: the mean of the middle two.
        median_days_to_respond=6.5,
        overdue_now=2,
        verdicts_answered=3,
        verdicts_partly=2,
        verdicts_not_answered=1,
        no_answer_given=2,
    )
    assert record.verdicts_recorded == 6
    assert record.share_answered == Fraction(1, 2)
    assert record.percent_answered == 50

    with time_machine.travel(RECORD_NOW, tick=False):
        theirs = official_record(person=someone_else.person)
    assert (theirs.responses_published, theirs.median_days_to_respond, theirs.overdue_now) == (1, 100.0, 1)
    assert (theirs.verdicts_not_answered, theirs.share_answered, theirs.no_answer_given) == (1, Fraction(0), 1)


def test_an_odd_number_of_responses_has_a_whole_median(tenures: tuple[Official, Official]) -> None:
    _, chief = tenures
    for days in (7, 1, 40):
        reached = utc(2026, 1, 10, 12)
        response(
            official=chief, reached=reached, published=reached + datetime.timedelta(days=days), due_on=D(2026, 2, 9)
        )
    record = official_record(person=chief.person, today=D(2026, 3, 1))
    assert record.median_days_to_respond == 7.0


def test_a_new_official_has_no_figures_rather_than_zeroes(tenures: tuple[Official, Official]) -> None:
    _, chief = tenures
    record = official_record(person=chief.person)
    assert record.median_days_to_respond is None
    assert record.share_answered is None
    assert record.percent_answered is None
    assert (record.overdue_now, record.verdicts_recorded, record.no_answer_given) == (0, 0, 0)


def test_the_percentage_shown_rounds_half_up(tenures: tuple[Official, Official]) -> None:
    record = OfficialRecord(
        responses_published=0,
        median_days_to_respond=None,
        overdue_now=0,
        verdicts_answered=1,
        verdicts_partly=7,
        verdicts_not_answered=0,
        no_answer_given=0,
    )
    assert record.share_answered == Fraction(1, 8)
    assert record.percent_answered == 13  # 12.5% → 13%
    assert OfficialRecord(0, None, 0, 2, 1, 0, 0).percent_answered == 67


def test_the_record_takes_a_fixed_number_of_queries(
    tenures: tuple[Official, Official], django_assert_num_queries: Any
) -> None:
    _, chief = tenures
    held = meeting(starts_at=utc(2026, 3, 10, 18))
    for n in range(5):
        reached = utc(2026, 1, 10 + n, 12)
        response(official=chief, reached=reached, published=reached + datetime.timedelta(days=n), due_on=D(2026, 2, 9))
        question(official=chief, at=held, verdict=Verdict.ANSWERED)
    with django_assert_num_queries(3):
        official_record(person=chief.person)
