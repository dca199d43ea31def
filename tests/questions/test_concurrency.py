"""The per-person limit holds when one mailbox submits many questions at the same moment
(PostgreSQL: the meeting row is locked while a question is counted and inserted)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection

from tests.questions.conftest import ask
from townhall.core.errors import DomainError
from townhall.meetings.models import Meeting
from townhall.officials.models import Official
from townhall.questions.models import Question

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 12


def _in_thread(work: Callable[[], str]) -> Callable[[], str]:
    def run() -> str:
        try:
            return work()
        finally:
            connection.close()

    return run


def test_simultaneous_questions_from_one_mailbox_make_exactly_one(meeting: Meeting, mayor: Official) -> None:
    emails = ["ann.smith@gmail.com", "AnnSmith@gmail.com", "ann.smith+qt@googlemail.com"]

    def submit(n: int) -> str:
        try:
            ask(meeting, mayor, n, email=emails[n % len(emails)], text=f"Question number {n}?")
        except DomainError as error:
            return error.code
        return "asked"

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        results: list[Any] = list(pool.map(lambda n: _in_thread(lambda: submit(n))(), range(THREADS)))

    assert sorted(results) == ["asked"] + ["too_many_questions"] * (THREADS - 1)
    assert Question.objects.filter(asker_email_canonical="annsmith@gmail.com").count() == 1
