"""The petition page: the public deadline clock, the published response, and the timeline
threshold crossed → response due → responded (or overdue), with frozen time."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
import time_machine
from django.test import Client

from tests.builders import utc
from tests.responses.conftest import owe_response, publish
from townhall.accounts.models import User
from townhall.core import panels
from townhall.responses.models import Response
from townhall.responses.panels import response_panel, response_timeline
from townhall.schemes.models import Scheme

pytestmark = pytest.mark.django_db


def _at(month: int, day: int, hour: int = 12) -> datetime.datetime:
    return utc(2026, month, day, hour)


@pytest.fixture
def owed(scheme: Scheme, moderator: User) -> Response:
    return owe_response(moderator=moderator)  # crossed 12 February 2026, due by 12 March 2026


def _page(client: Client, response: Response, *, at: datetime.datetime) -> str:
    with time_machine.travel(at, tick=False):
        page = client.get(f"/petitions/{response.petition_id}/")
    assert page.status_code == 200
    return page.content.decode()


def _timeline(html: str) -> list[str]:
    return re.findall(r'class="timeline-event timeline-event--([a-z_]+)', html)


def test_a_response_due_shows_a_public_countdown(owed: Response, client: Client) -> None:
    html = _page(client, owed, at=_at(3, 3))

    assert "Response due by 12 March 2026 (9 days left)" in html
    assert 'class="overdue"' not in html
    assert _timeline(html) == ["opened", "threshold", "response_requested", "response_due"]
    assert re.search(r"timeline-event--response_due timeline-event--future", html)
    assert "Written response due" in html


def test_the_last_day_and_the_due_day(owed: Response, client: Client) -> None:
    assert "Response due by 12 March 2026 (1 day left)" in _page(client, owed, at=_at(3, 11))
    assert "Response due by 12 March 2026 (due today)" in _page(client, owed, at=_at(3, 12, 23))


def test_a_missed_deadline_shows_the_response_overdue(owed: Response, client: Client) -> None:
    html = _page(client, owed, at=_at(3, 15))

    assert re.search(r'<p class="overdue">Response overdue by 3 days</p>', html)
    assert "It was due by 12 March 2026." in html
    assert _timeline(html) == ["opened", "threshold", "response_requested", "response_due", "overdue"]
    assert "timeline-event--future" not in html  # a missed deadline is not "planned"
    assert "Response overdue by 1 day" in _page(client, owed, at=_at(3, 13, 9))


def test_the_published_response_replaces_the_clock(owed: Response, client: Client, responder: User) -> None:
    with time_machine.travel(_at(3, 10, 15), tick=False):
        publish(owed, by=responder, text="Thank you.\n\nWe will <b>reopen</b> the toilets.")

    html = _page(client, owed, at=_at(4, 20))

    assert "Responded on 10 March 2026" in html
    assert "<p>We will &lt;b&gt;reopen&lt;/b&gt; the toilets.</p>" in html
    assert "Response due by" not in html
    assert "overdue" not in html
    # Published on time: the timeline goes straight from the threshold to the response.
    assert _timeline(html) == ["opened", "threshold", "response_requested", "responded"]
    assert "On time: it was due by 12 March 2026." in html


def test_a_late_response_stays_marked_late(owed: Response, client: Client, responder: User) -> None:
    with time_machine.travel(_at(3, 20, 15), tick=False):
        publish(owed, by=responder)

    html = _page(client, owed, at=_at(4, 20))

    assert "Responded on 20 March 2026" in html
    assert '<span class="overdue">8 days after the deadline</span>' in html
    assert _timeline(html) == ["opened", "threshold", "response_requested", "response_due", "responded"]
    assert "Published 8 days after the deadline." in html


def test_the_page_etag_changes_each_day_of_the_countdown_and_on_publication(
    owed: Response, client: Client, responder: User
) -> None:
    def etag(at: datetime.datetime) -> str:
        with time_machine.travel(at, tick=False):
            return str(client.get(f"/petitions/{owed.petition_id}/")["ETag"])

    morning, evening, next_day = etag(_at(3, 3, 9)), etag(_at(3, 3, 18)), etag(_at(3, 4, 9))
    assert morning == evening
    assert next_day != morning
    with time_machine.travel(_at(3, 4, 10), tick=False):
        publish(owed, by=responder)
    assert etag(_at(3, 4, 11)) != next_day


def test_last_modified_is_never_in_the_future(owed: Response, client: Client) -> None:
    from django.utils.http import parse_http_date

    Scheme.objects.update(updated_at=_at(1, 1))  # the fixture's scheme was saved at the real now
    for at in (_at(3, 3), _at(3, 13, 0), _at(3, 13, 9), _at(4, 1)):
        with time_machine.travel(at, tick=False):
            page = client.get(f"/petitions/{owed.petition_id}/")
        assert parse_http_date(page["Last-Modified"]) <= at.timestamp(), at


def test_no_panel_or_events_before_the_threshold(scheme: Scheme, moderator: User) -> None:
    from tests.builders import open_petition

    petition = open_petition(moderator=moderator)

    assert response_panel(petition) is None
    assert list(response_timeline(petition)) == []


def test_the_providers_are_registered_and_cost_one_query_each(owed: Response, django_assert_num_queries: Any) -> None:
    petition = owed.petition
    assert response_panel in panels._panels["petition"]
    assert response_timeline in panels._timeline["petition"]

    with django_assert_num_queries(1):
        panel = response_panel(petition)
    with django_assert_num_queries(1):
        list(response_timeline(petition))

    assert panel is not None
    assert panel.template == "responses/_panel.html"
    assert panel.order == 10
