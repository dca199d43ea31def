"""The response clock with frozen time: countdown, due today, overdue, published (late or
not), on the body's local calendar; and the responders' queue."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine

from tests.builders import RESPONSE_DUE_ON, utc
from tests.responses.conftest import owe_response, publish
from townhall.accounts.models import User
from townhall.petitions.services import petition_remove
from townhall.responses.selectors import response_list_for_responders, response_status
from townhall.schemes.models import Scheme

pytestmark = pytest.mark.django_db


def _at(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime.datetime:
    return utc(year, month, day, hour, minute)


def test_no_status_before_the_threshold_is_crossed(scheme: Scheme, moderator: User) -> None:
    from tests.builders import open_petition

    assert response_status(petition=open_petition(moderator=moderator)) is None


@pytest.mark.parametrize(
    ("now", "days_left", "overdue_by"),
    [
        (_at(2026, 2, 12, 10, 1), 28, 0),
        (_at(2026, 3, 3), 9, 0),
        (_at(2026, 3, 11, 23, 59), 1, 0),
        (_at(2026, 3, 12, 0, 0), 0, 0),  # due today
        (_at(2026, 3, 12, 23, 59), 0, 0),  # still on time, to the last minute of the day
        (_at(2026, 3, 13, 0, 0), 0, 1),
        (_at(2026, 4, 20), 0, 39),
    ],
)
def test_the_clock_counts_down_then_counts_the_days_overdue(
    scheme: Scheme, moderator: User, now: datetime.datetime, days_left: int, overdue_by: int
) -> None:
    response = owe_response(moderator=moderator)

    with time_machine.travel(now, tick=False):
        status = response_status(petition=response.petition)

    assert status is not None
    assert status.due_on == RESPONSE_DUE_ON
    assert (status.days_left, status.overdue_by) == (days_left, overdue_by)
    assert status.is_overdue is (overdue_by > 0)
    assert not status.is_published


def test_the_clock_runs_on_the_bodys_local_date(scheme: Scheme, moderator: User) -> None:
    response = owe_response(moderator=moderator, crossed_at=_at(2026, 3, 2, 9))
    due = response.due_on
    assert due == datetime.date(2026, 3, 30)

    # 23:30 UTC on 30 March is already 31 March in British Summer Time.
    with time_machine.travel(_at(2026, 3, 30, 23, 30), tick=False):
        status = response_status(petition=response.petition)

    assert status is not None
    assert status.overdue_by == 1


def test_publication_stops_the_clock_and_records_how_late_it_was(
    scheme: Scheme, moderator: User, responder: User
) -> None:
    response = owe_response(moderator=moderator)
    with time_machine.travel(_at(2026, 3, 16, 9), tick=False):
        publish(response, by=responder)

    with time_machine.travel(_at(2026, 6, 1), tick=False):
        status = response_status(petition=response.petition)

    assert status is not None
    assert status.is_published
    assert (status.days_left, status.overdue_by, status.late_by) == (0, 0, 4)
    assert status.published_at == _at(2026, 3, 16, 9)
    assert "reopen the toilets" in status.body


def test_a_response_published_on_time_is_not_late(scheme: Scheme, moderator: User, responder: User) -> None:
    response = owe_response(moderator=moderator)
    with time_machine.travel(_at(2026, 3, 12, 22), tick=False):  # 22:00 GMT on the due date
        publish(response, by=responder)

    status = response_status(petition=response.petition)

    assert status is not None
    assert status.late_by == 0


def test_the_status_costs_one_query(scheme: Scheme, moderator: User, django_assert_num_queries: Any) -> None:
    response = owe_response(moderator=moderator)
    petition = response.petition

    with django_assert_num_queries(1):
        response_status(petition=petition)


def test_the_queue_puts_the_overdue_first_then_the_soonest_due_then_the_published(
    scheme: Scheme, moderator: User, responder: User, django_assert_num_queries: Any
) -> None:
    later = owe_response(moderator=moderator, crossed_at=_at(2026, 3, 2, 9), action="Later petition")
    overdue = owe_response(moderator=moderator, crossed_at=_at(2026, 1, 5, 9), action="Overdue petition")
    soon = owe_response(moderator=moderator, crossed_at=_at(2026, 2, 12, 9), action="Soon petition")
    published = owe_response(moderator=moderator, crossed_at=_at(2026, 1, 2, 9), action="Published petition")
    removed = owe_response(moderator=moderator, crossed_at=_at(2026, 1, 1, 9), action="Removed petition")
    with time_machine.travel(_at(2026, 2, 20), tick=False):
        publish(published, by=responder)
        petition_remove(petition_id=removed.petition_id, actor=moderator)

    with time_machine.travel(_at(2026, 3, 3), tick=False), django_assert_num_queries(2):
        items = response_list_for_responders()

    assert [item.response_id for item in items] == [overdue.pk, soon.pk, later.pk, published.pk]
    flagged = {item.petition_action: (item.status.is_overdue, item.status.overdue_by) for item in items}
    assert flagged["Overdue petition"] == (True, 29)  # due Monday 2 February 2026
    assert flagged["Soon petition"] == (False, 0)
    assert flagged["Published petition"] == (False, 0)
    assert items[1].status.days_left == 9
    assert items[3].status.is_published
    assert items[0].has_draft is False
