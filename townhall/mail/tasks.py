"""Mail's background work, run by the task worker. Tasks import services; services start
these tasks lazily, after their transaction commits (docs/architecture.md)."""

from __future__ import annotations

from django.tasks import task

from townhall.mail.selectors import letters_owed
from townhall.mail.services import send_queued_letters


@task(queue_name="email")
def send_queued_emails() -> int:
    """Send every letter the outbox has due (any worker; several at once share the work)."""
    return send_queued_letters()


def queued_emails_dispatch() -> bool:
    """Scheduler job: queue a sending task while any letter is due (the backstop for a
    drain task lost with a crashed worker, and for deferred letters whose time has come)."""
    if not letters_owed():
        return False
    send_queued_emails.enqueue()
    return True
