"""Response due dates: calendar and working days, weekends and bank holidays; the countdown."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from townhall.responses.deadlines import days_left, is_working_day, overdue_by, response_due_on
from townhall.schemes.models import PeriodKind

D = datetime.date
# England and Wales, spring 2026 and Christmas 2026.
HOLIDAYS = {D(2026, 4, 3), D(2026, 4, 6), D(2026, 5, 4), D(2026, 5, 25), D(2026, 12, 25), D(2026, 12, 28)}


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        (D(2026, 3, 2), 30, D(2026, 4, 1)),
        (D(2026, 1, 31), 30, D(2026, 3, 2)),  # across a short February
        (D(2026, 3, 6), 1, D(2026, 3, 7)),  # a Saturday: calendar days do not skip weekends
        (D(2026, 4, 2), 1, D(2026, 4, 3)),  # nor bank holidays (Good Friday)
        (D(2026, 3, 2), 0, D(2026, 3, 2)),
    ],
)
def test_calendar_days_are_counted_straight_on(start: D, days: int, due: D) -> None:
    assert response_due_on(start=start, days=days, kind=PeriodKind.CALENDAR, bank_holidays=HOLIDAYS) == due


@pytest.mark.parametrize(
    ("start", "days", "due", "why"),
    [
        (D(2026, 3, 2), 20, D(2026, 3, 30), "Monday + 20 working days is four weeks on"),
        (D(2026, 3, 5), 1, D(2026, 3, 6), "Thursday + 1 is Friday"),
        (D(2026, 3, 6), 1, D(2026, 3, 9), "Friday + 1 skips the weekend"),
        (D(2026, 3, 5), 2, D(2026, 3, 9), "Thursday + 2 skips the weekend"),
        (D(2026, 3, 7), 1, D(2026, 3, 9), "crossing on a Saturday: counting starts on Monday"),
        (D(2026, 3, 8), 5, D(2026, 3, 13), "crossing on a Sunday: Monday is day 1"),
        (D(2026, 5, 22), 1, D(2026, 5, 26), "Friday + 1 skips the weekend and the Spring bank holiday"),
        (D(2026, 3, 30), 5, D(2026, 4, 8), "Easter: Good Friday, the weekend and Easter Monday skipped"),
        (D(2026, 12, 24), 3, D(2026, 12, 31), "Christmas: 25th, weekend and the substitute 28th skipped"),
        (D(2026, 4, 3), 1, D(2026, 4, 7), "crossing on a bank holiday: it is still day 0"),
        (D(2026, 3, 7), 0, D(2026, 3, 7), "no period: due the day of crossing"),
    ],
)
def test_working_days_skip_weekends_and_bank_holidays(start: D, days: int, due: D, why: str) -> None:
    assert response_due_on(start=start, days=days, kind=PeriodKind.WORKING, bank_holidays=HOLIDAYS) == due, why


def test_without_the_bank_holiday_list_a_bank_holiday_counts_as_a_working_day() -> None:
    assert response_due_on(start=D(2026, 5, 22), days=1, kind=PeriodKind.WORKING, bank_holidays=set()) == D(2026, 5, 25)


def test_the_kind_may_be_given_as_stored_in_the_scheme() -> None:
    assert response_due_on(start=D(2026, 3, 6), days=1, kind="working", bank_holidays=()) == D(2026, 3, 9)
    assert response_due_on(start=D(2026, 3, 6), days=1, kind="calendar", bank_holidays=()) == D(2026, 3, 7)


def test_a_negative_period_or_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        response_due_on(start=D(2026, 3, 2), days=-1, kind=PeriodKind.WORKING, bank_holidays=())
    with pytest.raises(ValueError, match="Unknown"):
        response_due_on(start=D(2026, 3, 2), days=5, kind="fortnights", bank_holidays=())


@given(
    start=st.dates(min_value=D(2020, 1, 1), max_value=D(2030, 12, 31)),
    days=st.integers(min_value=1, max_value=60),
    holidays=st.sets(st.dates(min_value=D(2020, 1, 1), max_value=D(2031, 6, 30)), max_size=40),
)
def test_a_working_day_deadline_is_a_working_day_with_exactly_the_period_before_it(
    start: D, days: int, holidays: set[D]
) -> None:
    due = response_due_on(start=start, days=days, kind=PeriodKind.WORKING, bank_holidays=holidays)
    assert is_working_day(due, bank_holidays=holidays)
    between = [start + datetime.timedelta(days=n) for n in range(1, (due - start).days + 1)]
    assert sum(is_working_day(day, bank_holidays=holidays) for day in between) == days


@pytest.mark.parametrize(
    ("today", "left", "late"),
    [
        (D(2026, 3, 3), 9, 0),
        (D(2026, 3, 11), 1, 0),
        (D(2026, 3, 12), 0, 0),  # the due date itself is on time
        (D(2026, 3, 13), 0, 1),
        (D(2026, 4, 12), 0, 31),
    ],
)
def test_countdown_and_overdue(today: D, left: int, late: int) -> None:
    assert days_left(due_on=D(2026, 3, 12), today=today) == left
    assert overdue_by(due_on=D(2026, 3, 12), today=today) == late
