"""Response deadlines: pure date arithmetic, on the body's local calendar.

The rule, as a petitions officer would state it:

- The day the petition crosses the response threshold is **day 0**. Nothing is counted
  for it, however early in the day the threshold was reached.
- **Calendar days**: the response is due `days` days later (30 days from 1 March is
  31 March), whatever day of the week that is.
- **Working days**: count forward `days` working days after day 0, where a working day
  is Monday to Friday and not one of the body's bank holidays. A petition crossing on a
  Friday with a 1-working-day period is due the next Monday (or Tuesday, if that Monday
  is a bank holiday). Crossing on a weekend or bank holiday changes nothing: day 0 is
  still the day of crossing, and counting starts on the next working day.
- The response is on time for the whole of its due date. It is overdue from the next day:
  one day overdue on the day after the due date.

Every date here is the body's local date (`timezone.localdate()`, settings.TIME_ZONE),
never a UTC date, so a threshold crossed at 00:30 BST counts from that local day.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection

from townhall.schemes.models import PeriodKind

SATURDAY = 5


def is_working_day(day: datetime.date, *, bank_holidays: Collection[datetime.date]) -> bool:
    """Monday to Friday, and not a bank holiday."""
    return day.weekday() < SATURDAY and day not in bank_holidays


def response_due_on(
    *, start: datetime.date, days: int, kind: PeriodKind | str, bank_holidays: Collection[datetime.date]
) -> datetime.date:
    """The last day on which the response is on time; `start` (the crossing day) is day 0."""
    if days < 0:
        raise ValueError("A response period cannot be negative.")
    if kind == PeriodKind.CALENDAR:
        return start + datetime.timedelta(days=days)
    if kind != PeriodKind.WORKING:
        raise ValueError(f"Unknown response period kind {kind!r}.")
    holidays = frozenset(bank_holidays)
    day, counted = start, 0
    while counted < days:
        day += datetime.timedelta(days=1)
        if is_working_day(day, bank_holidays=holidays):
            counted += 1
    return day


def days_left(*, due_on: datetime.date, today: datetime.date) -> int:
    """Calendar days from today until the due date: 0 on the due date itself and after it.

    The public countdown is in calendar days even when the period is counted in working
    days, because that is how a reader understands "9 days left".
    """
    return max(0, (due_on - today).days)


def overdue_by(*, due_on: datetime.date, today: datetime.date) -> int:
    """Calendar days since the due date; 0 when not overdue (the due date is not overdue)."""
    return max(0, (today - due_on).days)
