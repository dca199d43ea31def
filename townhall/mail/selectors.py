"""Reads of the mail tables."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.utils import timezone

from townhall.core.errors import NotFound
from townhall.mail.models import DUE_STATUSES, LetterStatus, OutboxMessage, QueuedEmail

OUTBOX_PAGE = 200


def _due() -> QuerySet[QueuedEmail]:
    return QueuedEmail.objects.filter(status__in=DUE_STATUSES, next_attempt_at__lte=timezone.now())


def letters_owed() -> bool:
    """Whether any letter is due to be tried now (the scheduler's dispatch asks)."""
    return _due().exists()


@dataclass(frozen=True)
class LettersProgress:
    queued: int
    sent: int


def letters_progress(*, key_prefix: str) -> LettersProgress:
    """How many letters whose dedupe key starts with `key_prefix` are queued, and sent."""
    letters = QueuedEmail.objects.filter(dedupe_key__startswith=key_prefix)
    queued = letters.count()
    sent = letters.filter(status=LetterStatus.SENT).count() if queued else 0
    return LettersProgress(queued=queued, sent=sent)


def outbox_message_list() -> QuerySet[OutboxMessage]:
    """The embedded mailbox, newest first (the most recent OUTBOX_PAGE)."""
    return OutboxMessage.objects.all()[:OUTBOX_PAGE]


def outbox_message_get(*, message_id: int) -> OutboxMessage:
    message = OutboxMessage.objects.filter(pk=message_id).first()
    if message is None:
        raise NotFound("There is no message with that number in the outbox.")
    return message


@dataclass(frozen=True)
class OutboxHealth:
    """The outbox at a glance (the staff home, `/healthz?deep`)."""

    queued: int  # waiting for their first try
    deferred: int  # a try failed for a reason that may pass; tried again later
    refused: int  # refused for good by the mail server
    failed: int  # deferred too many times: given up
    oldest_waiting_seconds: float | None  # the longest any queued or deferred letter has waited

    @property
    def longest_wait_seconds(self) -> int | None:
        return None if self.oldest_waiting_seconds is None else round(self.oldest_waiting_seconds)

    @property
    def needs_attention(self) -> bool:
        return bool(self.refused or self.failed)


def outbox_health() -> OutboxHealth:
    counts = dict(
        QueuedEmail.objects.exclude(status=LetterStatus.SENT)
        .order_by()
        .values("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return OutboxHealth(
        queued=counts.get(LetterStatus.QUEUED, 0),
        deferred=counts.get(LetterStatus.DEFERRED, 0),
        refused=counts.get(LetterStatus.REFUSED, 0),
        failed=counts.get(LetterStatus.FAILED, 0),
        oldest_waiting_seconds=oldest_unsent_email_age_seconds(),
    )


def letters_needing_attention() -> QuerySet[QueuedEmail]:
    """Letters refused or given up (newest first), then those deferred: the staff outbox page."""
    return QueuedEmail.objects.filter(
        status__in=[LetterStatus.REFUSED, LetterStatus.FAILED, LetterStatus.DEFERRED]
    ).order_by("-gave_up_at", "-next_attempt_at", "-id")


def oldest_unsent_email_age_seconds() -> float | None:
    """How long the oldest letter not yet sent, refused or given up has waited, or None."""
    oldest = (
        QueuedEmail.objects.filter(status__in=DUE_STATUSES)
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return (timezone.now() - oldest).total_seconds() if oldest else None
