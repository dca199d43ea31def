"""Sending email: rendered here, delivered by the task worker, never in a request.

Two ways out, both only after the surrounding transaction commits, so a rolled-back state
change never sends mail:

- `send_email`: a few letters rendered now and delivered by one task per recipient
  (creators' links, moderation decisions, staff notices).
- `queue_letters`: letters owed to many people (response, update and agenda fan-outs,
  relayed messages) inserted into the QueuedEmail table in the transaction that owes them,
  each under a unique `dedupe_key`, then drained by `send_queued_letters` (the scheduler's
  "send-queued-emails" job queues a drain task while any is unsent).

Confirmation emails are the one exception: the signature row is its own outbox (the hot
path; townhall.signatures.services). docs/architecture.md describes the whole.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from townhall.mail.models import OutboxMessage, QueuedEmail


def render_email(*, template: str, context: dict[str, Any]) -> tuple[str, str]:
    """Render `<template>_subject.txt` and `<template>_body.txt` to (subject, body)."""
    subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
    body = render_to_string(f"{template}_body.txt", context).strip() + "\n"
    return subject, body


def send_email(*, to: Sequence[str], template: str, context: dict[str, Any]) -> None:
    """Queue one email per recipient, after the current transaction commits."""
    subject, body = render_email(template=template, context=context)
    recipients = list(to)

    def enqueue() -> None:
        from townhall.mail.tasks import deliver_email  # services start tasks lazily (docs/architecture.md)

        for recipient in recipients:
            deliver_email.enqueue(to=recipient, subject=subject, body=body)

    transaction.on_commit(enqueue)


@dataclass(frozen=True)
class Letter:
    """One email owed to one person; `dedupe_key` names it uniquely forever."""

    dedupe_key: str
    to: str
    subject: str
    body: str
    headers: dict[str, str] = field(default_factory=dict)


def queue_letters(letters: Sequence[Letter]) -> int:
    """Add letters to the outbox table, skipping any whose key is already there.

    Call inside the transaction of the change that owes them. Returns how many were new.
    """
    if not letters:
        return 0
    keys = [letter.dedupe_key for letter in letters]
    existing = set(QueuedEmail.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True))
    now = timezone.now()
    rows = [
        QueuedEmail(
            dedupe_key=letter.dedupe_key,
            to=letter.to,
            subject=letter.subject,
            body=letter.body,
            headers=letter.headers,
            created_at=now,
        )
        for letter in letters
        if letter.dedupe_key not in existing
    ]
    # ignore_conflicts covers a concurrent run inserting the same key meanwhile.
    QueuedEmail.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def send_queued_letters(*, batch_size: int = 100) -> int:
    """Send unsent queued letters until none remain. Returns how many were sent.

    Each letter is claimed (SKIP LOCKED), sent and marked sent in its own transaction, so
    a worker killed mid-run loses nothing and repeats at most the one letter it was
    handing to the mail server; with a transactional backend (the embedded outbox) it
    repeats none. Several workers can drain at once.
    """
    sent = 0
    while True:
        with transaction.atomic():
            letter = (
                QueuedEmail.objects.select_for_update(skip_locked=True)
                .filter(sent_at__isnull=True)
                .order_by("id")
                .first()
            )
            if letter is None:
                return sent
            EmailMessage(
                subject=letter.subject,
                body=letter.body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[letter.to],
                headers=letter.headers or None,
            ).send()
            QueuedEmail.objects.filter(pk=letter.pk).update(sent_at=timezone.now())
            sent += 1


def letters_forget_sent(now: datetime.datetime) -> int:
    """Past SENT_LETTER_RETENTION_DAYS, a sent letter keeps only its key, subject and dates
    (so it is never queued again) and the embedded outbox forgets the message."""
    cutoff = now - datetime.timedelta(days=int(settings.TOWNHALL["SENT_LETTER_RETENTION_DAYS"]))
    forgotten = (
        QueuedEmail.objects.filter(sent_at__lte=cutoff).exclude(to="", body="").update(to="", body="", headers={})
    )
    deleted, _ = OutboxMessage.objects.filter(created_at__lte=cutoff).delete()
    return forgotten + int(deleted)
