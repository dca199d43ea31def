from __future__ import annotations

from django.tasks import task

from townhall.signatures.services import signature_emails_owed, signature_send_confirmations


@task(queue_name="email")
def send_confirmation_emails() -> int:
    """Drain the owed confirmation emails in batches (safe to run on several workers)."""
    return signature_send_confirmations()


def confirmation_emails_dispatch() -> bool:
    """Queue a drain task if any confirmation email is owed. Returns whether one was queued."""
    if not signature_emails_owed():
        return False
    send_confirmation_emails.enqueue()
    return True
