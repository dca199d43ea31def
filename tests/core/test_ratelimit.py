"""The one rate counter (townhall/core/ratelimit.py): an attempt is counted first and then
compared with the limit, on the database, so no more than the limit ever get through."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.db import transaction

from tests.builders import utc
from townhall.core.models import RateCounter
from townhall.core.ratelimit import give_back, purge_expired_counters, take_slot

pytestmark = pytest.mark.django_db

START = utc(2026, 3, 2, 9, 30)


def test_the_limit_lets_exactly_that_many_through_then_refuses() -> None:
    with time_machine.travel(START, tick=False):
        outcomes = [take_slot(scope="test", subject="alice", limit=3, seconds=60) for _ in range(5)]
    assert outcomes == [True, True, True, False, False]


def test_each_subject_and_each_scope_counts_on_its_own() -> None:
    with time_machine.travel(START, tick=False):
        for _ in range(2):
            assert take_slot(scope="test", subject="alice", limit=2, seconds=60)
        assert not take_slot(scope="test", subject="alice", limit=2, seconds=60)
        assert take_slot(scope="test", subject="bob", limit=2, seconds=60)
        assert take_slot(scope="other", subject="alice", limit=2, seconds=60)


def test_the_window_starts_at_the_first_attempt_and_a_new_one_follows_it() -> None:
    with time_machine.travel(START, tick=False):
        assert take_slot(scope="test", subject="alice", limit=1, seconds=60)
    with time_machine.travel(START + datetime.timedelta(seconds=59), tick=False):
        # Refused attempts do not stretch the window.
        assert not take_slot(scope="test", subject="alice", limit=1, seconds=60)
    with time_machine.travel(START + datetime.timedelta(seconds=60), tick=False):
        assert take_slot(scope="test", subject="alice", limit=1, seconds=60)
        assert not take_slot(scope="test", subject="alice", limit=1, seconds=60)


def test_a_slot_given_back_can_be_taken_again() -> None:
    with time_machine.travel(START, tick=False):
        assert take_slot(scope="test", subject="alice", limit=1, seconds=60)
        give_back(scope="test", subject="alice")
        assert take_slot(scope="test", subject="alice", limit=1, seconds=60)
        assert not take_slot(scope="test", subject="alice", limit=1, seconds=60)
        give_back(scope="test", subject="nobody")  # nothing to give back: no row appears
    assert RateCounter.objects.count() == 1


def test_an_attempt_that_rolls_back_is_not_counted() -> None:
    with time_machine.travel(START, tick=False):
        with transaction.atomic():
            assert take_slot(scope="test", subject="alice", limit=1, seconds=60)
            transaction.set_rollback(True)
        assert take_slot(scope="test", subject="alice", limit=1, seconds=60)


def test_counters_keep_no_personal_data() -> None:
    take_slot(scope="contact-sender", subject="sam.sender@example.org", limit=3, seconds=60)
    take_slot(scope="login-user", subject="alice", limit=3, seconds=60)
    keys = list(RateCounter.objects.values_list("key", flat=True))
    assert len(keys) == 2
    assert {key.split(":")[0] for key in keys} == {"contact-sender", "login-user"}
    assert not any("sam" in key or "example.org" in key or "alice" in key for key in keys)


def test_the_purge_forgets_only_finished_windows(settings: Any) -> None:
    with time_machine.travel(START, tick=False):
        take_slot(scope="test", subject="short", limit=1, seconds=60)
        take_slot(scope="test", subject="long", limit=1, seconds=3600)
    with time_machine.travel(START + datetime.timedelta(seconds=61), tick=False):
        assert purge_expired_counters() == 1
        assert not take_slot(scope="test", subject="long", limit=1, seconds=3600)
        assert take_slot(scope="test", subject="short", limit=1, seconds=60)
