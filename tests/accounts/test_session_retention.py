"""Retention of sessions: the anonymiser deletes every session past its expiry, as Django's
`clearsessions` would. Only staff have sessions; each lasts at most SESSION_COOKIE_AGE,
which is the staff session's absolute limit, STAFF_SESSION_MAX_SECONDS."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client

from tests.builders import frozen_at, staff, utc
from townhall.accounts.models import Role
from townhall.core import scheduler

pytestmark = pytest.mark.django_db

NOW = utc(2026, 11, 2, 9)
MINUTE = datetime.timedelta(minutes=1)


def run_anonymiser() -> None:
    job = next(job for job in scheduler.registered_jobs() if job.name == "anonymise")
    job.func()


def session(key: str, expires: datetime.datetime) -> None:
    Session.objects.create(session_key=key, session_data="staff session", expire_date=expires)


def test_sessions_past_their_expiry_are_deleted(client: Client) -> None:
    with frozen_at(NOW):
        client.force_login(staff("mod", Role.MODERATOR))
        session("expired-a-minute-ago", NOW - MINUTE)
        session("expires-in-a-minute", NOW + MINUTE)

        run_anonymiser()

        left = set(Session.objects.values_list("session_key", flat=True))
        assert "expired-a-minute-ago" not in left
        assert "expires-in-a-minute" in left
        assert client.session.session_key in left
        assert client.get("/moderation/").status_code == 200  # still signed in


def test_a_session_expires_at_the_staff_session_limit() -> None:
    # The rule's period is STAFF_SESSION_MAX_SECONDS because Django dates each session's
    # expiry SESSION_COOKIE_AGE after it is saved: the two must stay the same number.
    assert settings.TOWNHALL["STAFF_SESSION_MAX_SECONDS"] == settings.SESSION_COOKIE_AGE


def test_the_privacy_page_states_how_long_a_staff_session_lasts(client: Client, scheme: Any, settings: Any) -> None:
    settings.TOWNHALL = {**settings.TOWNHALL, "STAFF_SESSION_MAX_SECONDS": 7 * 3600}
    page = client.get("/privacy/").content.decode()
    assert "at most 7 hours after signing in" in page
