"""Mail's background work, run by the task worker. Tasks import services; services start
these tasks lazily, after their transaction commits (docs/architecture.md)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.tasks import task

from townhall.mail.selectors import letters_owed
from townhall.mail.services import send_queued_letters


@task(queue_name="email")
def deliver_email(*, to: str, subject: str, body: str) -> None:
    """Deliver one already-rendered email through the configured email backend."""
    EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[to]).send()


@task(queue_name="email")
def send_queued_emails() -> int:
    """Drain the queued letters (responses, updates, agenda notices, relayed messages)."""
    return send_queued_letters()


def queued_emails_dispatch() -> bool:
    """Scheduler job: queue a drain task when letters are owed."""
    if not letters_owed():
        return False
    send_queued_emails.enqueue()
    return True
