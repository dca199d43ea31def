"""Rate limits under real concurrency on PostgreSQL: threads, each with its own database
connection, race for the same limit; no more than the limit ever get through.

- the counter itself: 40 racing attempts at a limit of 7;
- staff sign-in: 20 racing wrong passwords at a limit of 5 check at most 5 passwords;
- the API: 200 racing requests at a limit of 120 give exactly 120 answers and 80 refusals.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import time_machine
from django.contrib.auth.backends import ModelBackend
from django.core.management import call_command
from django.db import connection
from django.http import HttpRequest
from django.test import Client

from config.settings.base import SHARED_DATABASE_CACHES
from tests.builders import PASSWORD, staff, utc
from townhall.accounts.models import Role
from townhall.core.ratelimit import take_slot

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _production_cache(settings: Any) -> None:
    """The cache production uses (the database's), in case anything still counts in it."""
    settings.CACHES = SHARED_DATABASE_CACHES
    call_command("createcachetable", verbosity=0)


# Mid-window for every window length the tests use, so no window ends while they run.
FROZEN = utc(2026, 3, 2, 9, 30, 7)
WAIT_SECONDS = 60


def _race[T](count: int, attempt: Callable[[int], T], *, threads: int = 20) -> list[T]:
    """Make `count` attempts from `threads` threads released together (each with its own
    database connection, closed at the end); the results in no particular order."""
    threads = min(threads, count)
    barrier = threading.Barrier(threads, timeout=WAIT_SECONDS)
    numbers = iter(range(count))
    lock = threading.Lock()

    def worker() -> list[T]:
        done: list[T] = []
        try:
            barrier.wait()
            while True:
                with lock:
                    n = next(numbers, None)
                if n is None:
                    return done
                done.append(attempt(n))
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=threads) as pool:
        futures = [pool.submit(worker) for _ in range(threads)]
        return [result for future in futures for result in future.result(timeout=WAIT_SECONDS)]


def test_racing_attempts_never_pass_the_limit() -> None:
    with time_machine.travel(FROZEN, tick=False):
        outcomes = _race(40, lambda n: take_slot(scope="test", subject="one", limit=7, seconds=60))
    assert outcomes.count(True) == 7


class CountingBackend(ModelBackend):
    """Django's own backend, counting how many passwords it was asked to check."""

    checks = 0
    lock = threading.Lock()

    def authenticate(self, request: HttpRequest | None, username: str | None = None, **kwargs: Any) -> Any:
        with CountingBackend.lock:
            CountingBackend.checks += 1
        return super().authenticate(request, username=username, **kwargs)


def test_racing_wrong_passwords_check_no_more_passwords_than_the_limit(settings: Any) -> None:
    settings.AUTHENTICATION_BACKENDS = [f"{__name__}.CountingBackend"]
    settings.TOWNHALL = {**settings.TOWNHALL, "LOGIN_THROTTLE": (5, 1000, 900)}
    staff("alice", Role.MODERATOR, password=PASSWORD)
    CountingBackend.checks = 0

    def attempt(n: int) -> str:
        # Each from its own address, so only the per-account limit is in play.
        client = Client(REMOTE_ADDR=f"198.51.100.{n + 1}")
        response = client.post("/staff/login/", {"username": "alice", "password": f"guess {n}"})
        assert response.status_code == 200
        return "throttled" if "Too many failed sign-in attempts" in response.content.decode() else "checked"

    with time_machine.travel(FROZEN, tick=False):
        outcomes = _race(20, attempt)

    assert CountingBackend.checks == 5
    assert outcomes.count("checked") == CountingBackend.checks
    assert outcomes.count("throttled") == 20 - CountingBackend.checks


def test_racing_api_requests_get_exactly_the_limit(settings: Any, scheme: Any) -> None:
    settings.TOWNHALL = {**settings.TOWNHALL, "API_RATE_LIMIT": (120, 60)}

    def attempt(n: int) -> int:
        return Client(REMOTE_ADDR="203.0.113.50").get("/api/v1/scheme").status_code

    with time_machine.travel(FROZEN, tick=False):
        statuses = _race(200, attempt, threads=16)

    assert statuses.count(200) == 120
    assert statuses.count(429) == 80
