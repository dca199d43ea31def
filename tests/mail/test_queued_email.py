"""The transactional outbox for bulk and relayed mail: exactly one letter per key."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from townhall.mail.models import QueuedEmail
from townhall.mail.selectors import letters_owed
from townhall.mail.services import Letter, queue_letters, send_queued_letters
from townhall.mail.tasks import queued_emails_dispatch

pytestmark = pytest.mark.django_db


def _letters(n: int, *, prefix: str = "test") -> list[Letter]:
    return [
        Letter(
            dedupe_key=f"{prefix}:{i}",
            to=f"person{i}@example.org",
            subject=f"Subject {i}",
            body=f"Body {i}",
            headers={"List-Unsubscribe": f"<http://testserver/u/{i}/>"},
        )
        for i in range(n)
    ]


def test_queueing_twice_inserts_each_key_once() -> None:
    assert queue_letters(_letters(5)) == 5
    assert queue_letters(_letters(7)) == 2
    assert QueuedEmail.objects.count() == 7


def test_sending_delivers_each_letter_once_with_its_headers() -> None:
    queue_letters(_letters(3))
    assert letters_owed() is True
    assert send_queued_letters() == 3
    assert send_queued_letters() == 0
    assert letters_owed() is False
    assert sorted(m.to[0] for m in mail.outbox) == [f"person{i}@example.org" for i in range(3)]
    first = next(m for m in mail.outbox if m.to == ["person0@example.org"])
    assert first.extra_headers["List-Unsubscribe"] == "<http://testserver/u/0/>"
    assert set(QueuedEmail.objects.values_list("status", flat=True)) == {"sent"}


def test_a_failed_delivery_leaves_the_letter_owed(monkeypatch: Any, settings: Any) -> None:
    settings.TOWNHALL = {**settings.TOWNHALL, "EMAIL_RETRY_BASE_SECONDS": 0}
    queue_letters(_letters(1))

    def refuse(self: Any, *args: Any, **kwargs: Any) -> int:
        raise ConnectionError("mail server down")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    assert send_queued_letters() == 0
    letter = QueuedEmail.objects.get()
    assert (letter.status, letter.sent_at, letter.attempts) == ("deferred", None, 1)
    assert letter.last_error == "ConnectionError: mail server down"
    monkeypatch.undo()
    assert send_queued_letters() == 1


def test_the_scheduler_job_queues_a_drain_only_when_letters_are_owed() -> None:
    assert queued_emails_dispatch() is False
    queue_letters(_letters(2))
    # Tasks run inline in tests: dispatching drains the queue.
    assert queued_emails_dispatch() is True
    assert len(mail.outbox) == 2
    assert queued_emails_dispatch() is False
