"""Reads of the mail tables."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from townhall.core.errors import NotFound
from townhall.mail.models import OutboxMessage, QueuedEmail

OUTBOX_PAGE = 200


def letters_owed() -> bool:
    """Whether any queued letter is still unsent (the scheduler's dispatch asks)."""
    return QueuedEmail.objects.filter(sent_at__isnull=True).exists()


@dataclass(frozen=True)
class LettersProgress:
    queued: int
    sent: int


def letters_progress(*, key_prefix: str) -> LettersProgress:
    """How many letters whose dedupe key starts with `key_prefix` are queued, and sent."""
    letters = QueuedEmail.objects.filter(dedupe_key__startswith=key_prefix)
    queued = letters.count()
    sent = letters.filter(sent_at__isnull=False).count() if queued else 0
    return LettersProgress(queued=queued, sent=sent)


def outbox_message_list() -> QuerySet[OutboxMessage]:
    """The embedded mailbox, newest first (the most recent OUTBOX_PAGE)."""
    return OutboxMessage.objects.all()[:OUTBOX_PAGE]


def outbox_message_get(*, message_id: int) -> OutboxMessage:
    message = OutboxMessage.objects.filter(pk=message_id).first()
    if message is None:
        raise NotFound("There is no message with that number in the outbox.")
    return message


def oldest_unsent_email_age_seconds() -> float | None:
    """How long the oldest unsent queued letter has waited (`/healthz?deep`), or None."""
    oldest = (
        QueuedEmail.objects.filter(sent_at__isnull=True)
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return (timezone.now() - oldest).total_seconds() if oldest else None
