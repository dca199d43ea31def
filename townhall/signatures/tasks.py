from __future__ import annotations

from django.db import transaction
from django.tasks import task

from townhall.lists.selectors import forget_lists
from townhall.signatures.holds import holds_review
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


@task()
def review_holds() -> int:
    """Release the held signatures the evidence or the allow lists now clear (the lists
    read afresh: this process's copy may predate the entry that asked for this)."""
    forget_lists()
    result = holds_review()
    return result.released_on_evidence + result.released_by_allow_list


def holds_review_soon(**_: object) -> None:
    """Review the held signatures once this transaction commits (an allow-list entry saved)."""
    transaction.on_commit(review_holds.enqueue)
