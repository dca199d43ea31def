"""The sign-in throttle counts an attempt before its password is checked, so attempts
racing each other cannot all be checked (tests/core/test_ratelimit_concurrency.py races
them on PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest
from django.test import Client

from tests.builders import PASSWORD, staff
from townhall.accounts.models import Role
from townhall.core.models import RateCounter

pytestmark = pytest.mark.django_db


class RecordingBackend(ModelBackend):
    """Django's own backend, noting how many attempts were already counted when it is asked."""

    counted_when_checked: list[int] = []

    def authenticate(self, request: HttpRequest | None, username: str | None = None, **kwargs: Any) -> Any:
        RecordingBackend.counted_when_checked.append(sum(RateCounter.objects.values_list("count", flat=True)))
        return super().authenticate(request, username=username, **kwargs)


@pytest.fixture
def recording(settings: Any) -> type[RecordingBackend]:
    settings.AUTHENTICATION_BACKENDS = [f"{__name__}.RecordingBackend"]
    RecordingBackend.counted_when_checked = []
    return RecordingBackend


def _sign_in(client: Client, password: str) -> str:
    return client.post("/staff/login/", {"username": "alice", "password": password}).content.decode()


def test_the_attempt_is_counted_before_the_password_is_checked(recording: type[RecordingBackend]) -> None:
    staff("alice", Role.MODERATOR, password=PASSWORD)
    client = Client(REMOTE_ADDR="198.51.100.4")
    _sign_in(client, "wrong password")
    # One counter for the account and one for the address, both counted already.
    assert recording.counted_when_checked == [2]


def test_past_the_limit_no_password_is_checked(recording: type[RecordingBackend], settings: Any) -> None:
    settings.TOWNHALL = {**settings.TOWNHALL, "LOGIN_THROTTLE": (3, 100, 900)}
    staff("alice", Role.MODERATOR, password=PASSWORD)
    client = Client(REMOTE_ADDR="198.51.100.4")
    for _ in range(3):
        assert "Please enter a correct username and password" in _sign_in(client, "wrong password")
    assert "Too many failed sign-in attempts" in _sign_in(client, PASSWORD)
    assert len(recording.counted_when_checked) == 3


def test_signing_in_clears_the_account_counter(settings: Any) -> None:
    settings.TOWNHALL = {**settings.TOWNHALL, "LOGIN_THROTTLE": (3, 100, 900)}
    staff("alice", Role.MODERATOR, password=PASSWORD)
    client = Client(REMOTE_ADDR="198.51.100.4")
    for _ in range(2):
        _sign_in(client, "wrong password")
    assert client.post("/staff/login/", {"username": "alice", "password": PASSWORD}).status_code == 302
    client.logout()
    for _ in range(3):
        assert "Please enter a correct username and password" in _sign_in(client, "wrong password")
