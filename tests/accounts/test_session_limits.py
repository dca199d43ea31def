"""Staff sessions end after a spell of inactivity and a fixed time after sign-in."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.test import Client

from tests.builders import staff
from townhall.accounts.models import Role, User

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def signed_in(client: Client, settings: Any) -> Client:
    settings.TOWNHALL = {**settings.TOWNHALL, "STAFF_SESSION_IDLE_SECONDS": 1800, "STAFF_SESSION_MAX_SECONDS": 43200}
    client.force_login(staff("mod", Role.MODERATOR))
    return client


def _at(client: Client, moment: datetime.datetime, path: str = "/moderation/") -> Any:
    with time_machine.travel(moment, tick=False):
        return client.get(path)


def test_a_session_used_every_29_minutes_lasts_until_its_absolute_limit(signed_in: Client) -> None:
    for minutes in range(0, 12 * 60, 29):
        response = _at(signed_in, START + datetime.timedelta(minutes=minutes))
        assert response.status_code == 200, minutes
    ended = _at(signed_in, START + datetime.timedelta(hours=12))
    assert ended["Location"] == "/staff/login/?next=/moderation/"
    page = signed_in.get(ended["Location"]).content.decode()
    assert "your session reached its time limit" in page


def test_thirty_idle_minutes_end_a_session(signed_in: Client) -> None:
    assert _at(signed_in, START).status_code == 200
    assert _at(signed_in, START + datetime.timedelta(minutes=29)).status_code == 200
    ended = _at(signed_in, START + datetime.timedelta(minutes=59), "/moderation/updates/")
    assert ended["Location"] == "/staff/login/?next=/moderation/updates/"
    assert "without activity" in signed_in.get(ended["Location"]).content.decode()
    # Signed out for good: going back does not revive the session.
    assert _at(signed_in, START + datetime.timedelta(minutes=60))["Location"].startswith("/staff/login/")


def test_the_idle_limit_is_a_setting(signed_in: Client, settings: Any) -> None:
    settings.TOWNHALL = {**settings.TOWNHALL, "STAFF_SESSION_IDLE_SECONDS": 300}
    assert _at(signed_in, START).status_code == 200
    assert _at(signed_in, START + datetime.timedelta(minutes=6)).status_code == 302


def test_residents_pages_are_not_affected(client: Client, scheme: Any) -> None:
    assert _at(client, START, "/").status_code == 200
    assert _at(client, START + datetime.timedelta(days=1), "/").status_code == 200
    assert not User.objects.exists()
