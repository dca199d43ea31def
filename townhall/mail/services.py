"""Sending email: one outbox for every letter the site sends.

A service that owes email calls `send_email` (a few letters rendered from one template) or
`queue_letters` (letters it rendered itself: fan-outs, confirmations) inside the
transaction of the change that owes them. Each becomes a QueuedEmail row under a unique
purpose key, so a rolled-back change sends nothing and a re-run queues nothing twice.
Once the transaction commits a drain task is queued; the scheduler's "send-queued-emails"
job queues one too while any letter is due, so nothing waits on a lost task.

`letters_send_due` sends each due letter in its own transaction, over one connection to
the mail server, and records what happened to that letter alone: sent; refused for good
(a 5xx answer or an address the server cannot take; never retried); or deferred (a 4xx,
a timeout, the server away) and tried again with backoff until EMAIL_MAX_ATTEMPTS, then
failed. No letter's outcome rolls back another's. The one repeat possible: a process
killed after the mail server accepted a letter and before its transaction committed
sends that one letter again (docs/operations.md). docs/architecture.md describes the whole.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import smtplib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from townhall.mail.models import DUE_STATUSES, LetterPriority, LetterStatus, OutboxMessage, QueuedEmail

logger = logging.getLogger(__name__)


def render_email(*, template: str, context: dict[str, Any]) -> tuple[str, str]:
    """Render `<template>_subject.txt` and `<template>_body.txt` to (subject, body)."""
    subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
    body = render_to_string(f"{template}_body.txt", context).strip() + "\n"
    return subject, body


@dataclass(frozen=True)
class Letter:
    """One email owed to one person; `dedupe_key` names it (purpose and recipient) forever."""

    dedupe_key: str
    to: str
    subject: str
    body: str
    headers: dict[str, str] = field(default_factory=dict)
    priority: LetterPriority = LetterPriority.NOTICE


def recipient_key(email: str) -> str:
    """A short, stable stand-in for an address inside a letter's key (keys outlive addresses)."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:16]


def send_email(
    *,
    key: str,
    to: Sequence[str],
    template: str,
    context: dict[str, Any],
    priority: LetterPriority = LetterPriority.NOTICE,
) -> int:
    """Queue one letter per distinct recipient from one template, in the caller's transaction.

    `key` names the purpose ("petition:12:creator-confirm"); each letter's key adds its
    recipient, so the same purpose never reaches one address twice. Returns how many were new.
    """
    subject, body = render_email(template=template, context=context)
    recipients = list(dict.fromkeys(address for address in to if address))
    return queue_letters(
        [
            Letter(
                dedupe_key=f"{key}:to:{recipient_key(address)}",
                to=address,
                subject=subject,
                body=body,
                priority=priority,
            )
            for address in recipients
        ]
    )


def _drain_soon() -> None:
    from townhall.mail.tasks import send_queued_emails  # services start tasks lazily (docs/architecture.md)

    send_queued_emails.enqueue()


def queue_letters(letters: Sequence[Letter], *, drain: bool = True) -> int:
    """Add letters to the outbox, skipping any whose key is already there.

    Call inside the transaction of the change that owes them. With `drain`, a task to send
    them is queued once that transaction commits (a caller about to send them itself passes
    False). Returns how many were new.
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
            priority=letter.priority,
            created_at=now,
            next_attempt_at=now,
        )
        for letter in letters
        if letter.dedupe_key not in existing
    ]
    # ignore_conflicts covers a concurrent run inserting the same key meanwhile.
    QueuedEmail.objects.bulk_create(rows, ignore_conflicts=True)
    if rows and drain:
        transaction.on_commit(_drain_soon)
    return len(rows)


# --- sending ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What happened to one letter: its new status, the server's words, and whether the
    server itself is unreachable (then the run stops: the rest would fail the same way)."""

    status: LetterStatus
    error: str = ""
    server_away: bool = False


SENT = Outcome(LetterStatus.SENT)


def _words(code: int, message: bytes | str) -> str:
    text = message.decode(errors="replace") if isinstance(message, bytes) else str(message)
    return f"{code} {' '.join(text.split())}"[:500]


def _by_code(code: int, message: bytes | str) -> Outcome:
    """A 5xx answer is final; anything else may be temporary."""
    return Outcome(LetterStatus.REFUSED if 500 <= code < 600 else LetterStatus.DEFERRED, _words(code, message))


def _classify(error: Exception) -> Outcome:
    """Sort a failure to send one letter into refused (for good) or deferred."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, message = next(iter(error.recipients.values()), (451, b"recipient refused"))
        return _by_code(code, message)
    if isinstance(error, smtplib.SMTPDataError):
        return _by_code(error.smtp_code, error.smtp_error)
    if isinstance(error, smtplib.SMTPSenderRefused):
        # Refusing our own sender address is the server's (or our) configuration, not the
        # recipient's: keep the letter and try again.
        return Outcome(LetterStatus.DEFERRED, _words(error.smtp_code, error.smtp_error), server_away=True)
    if isinstance(error, smtplib.SMTPResponseException):
        return Outcome(LetterStatus.DEFERRED, _words(error.smtp_code, error.smtp_error), server_away=True)
    if isinstance(error, ValueError):
        # Django cannot put the address in an envelope (e.g. a non-ASCII local part).
        return Outcome(LetterStatus.REFUSED, f"The address cannot be used: {error}"[:500])
    reason = " ".join(str(error).split()) or type(error).__name__
    return Outcome(LetterStatus.DEFERRED, f"{type(error).__name__}: {reason}"[:500], server_away=True)


def _deliver(mailer: BaseEmailBackend, letter: QueuedEmail) -> Outcome:
    message = EmailMessage(
        subject=letter.subject,
        body=letter.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[letter.to],
        headers=letter.headers or None,
    )
    try:
        # Opened once and kept for the run (send_messages alone would connect, greet and
        # quit for every letter); a no-op while the connection is open.
        mailer.open()
        mailer.send_messages([message])
    except (smtplib.SMTPException, OSError, ValueError) as error:
        return _classify(error)
    return SENT


def retry_delay(attempts: int) -> datetime.timedelta:
    """How long a letter waits after its `attempts`-th failed try: doubling, capped."""
    base = float(settings.TOWNHALL["EMAIL_RETRY_BASE_SECONDS"])
    cap = float(settings.TOWNHALL["EMAIL_RETRY_MAX_SECONDS"])
    return datetime.timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


def _record(letter: QueuedEmail, outcome: Outcome, now: datetime.datetime) -> LetterStatus:
    attempts = letter.attempts + 1
    status = outcome.status
    if status == LetterStatus.DEFERRED and attempts >= int(settings.TOWNHALL["EMAIL_MAX_ATTEMPTS"]):
        status = LetterStatus.FAILED
    changes: dict[str, Any] = {"status": status, "attempts": attempts, "last_error": outcome.error}
    if status == LetterStatus.SENT:
        changes["sent_at"] = now
    elif status == LetterStatus.DEFERRED:
        changes["next_attempt_at"] = now + retry_delay(attempts)
    else:
        changes["gave_up_at"] = now
    QueuedEmail.objects.filter(pk=letter.pk).update(**changes)
    if status in (LetterStatus.REFUSED, LetterStatus.FAILED):
        logger.warning("Letter %s %s: %s", letter.dedupe_key, status, outcome.error)
    return status


def _close_quietly(mailer: BaseEmailBackend) -> None:
    try:
        mailer.close()
    except Exception:
        logger.debug("Closing the mail connection failed", exc_info=True)


@dataclass(frozen=True)
class SendRun:
    """What one run of the sender did, by outcome."""

    outcomes: dict[str, int]

    @property
    def sent(self) -> int:
        return self.outcomes.get(LetterStatus.SENT, 0)

    @property
    def tried(self) -> int:
        return sum(self.outcomes.values())


def letters_send_due(*, limit: int | None = None) -> SendRun:
    """Send due letters, most urgent first, until none is due, `limit` were tried, or the
    mail server is unreachable. Returns the run's outcomes.

    Each letter is claimed (SKIP LOCKED: several workers share the work), sent and its
    outcome recorded in one transaction, so a worker killed mid-run repeats at most the one
    letter it was handing over; with a transactional backend (the embedded outbox) none.
    """
    outcomes: Counter[str] = Counter()
    deferred_now: list[int] = []  # one try per letter per run, however short its wait
    mailer = mailers.default
    try:
        while limit is None or sum(outcomes.values()) < limit:
            with transaction.atomic():
                now = timezone.now()
                letter = (
                    QueuedEmail.objects.select_for_update(skip_locked=True)
                    .filter(status__in=DUE_STATUSES, next_attempt_at__lte=now)
                    .exclude(pk__in=deferred_now)
                    .order_by("priority", "next_attempt_at", "id")
                    .first()
                )
                if letter is None:
                    break
                outcome = _deliver(mailer, letter)
                status = _record(letter, outcome, timezone.now())
            outcomes[status] += 1
            if status == LetterStatus.DEFERRED:
                deferred_now.append(letter.pk)
            if outcome.server_away:  # the connection is closed below, and opened afresh next run
                logger.warning(
                    "The mail server could not be reached (%s); letters wait for the next run", outcome.error
                )
                break
    finally:
        _close_quietly(mailer)
    return SendRun(outcomes=dict(outcomes))


def send_queued_letters(*, limit: int | None = None) -> int:
    """Send the due letters; returns how many were sent (the drain task's and tests' view)."""
    return letters_send_due(limit=limit).sent


RETRYABLE = (LetterStatus.REFUSED, LetterStatus.FAILED)


def letters_requeue(*, letter_ids: Iterable[int] | None = None) -> list[QueuedEmail]:
    """Queue refused or failed letters again, as they were before their outcome (with
    `None`: every failed letter). Returns them as they were. Only
    `accounts.services.letters_retry` calls it: it checks the actor and audits."""
    letters = QueuedEmail.objects.select_for_update().filter(status__in=RETRYABLE).exclude(to="")
    if letter_ids is None:
        letters = letters.filter(status=LetterStatus.FAILED)
    else:
        letters = letters.filter(pk__in=list(letter_ids))
    requeued = list(letters)
    if requeued:
        QueuedEmail.objects.filter(pk__in=[letter.pk for letter in requeued]).update(
            status=LetterStatus.QUEUED, attempts=0, next_attempt_at=timezone.now(), gave_up_at=None
        )
        transaction.on_commit(_drain_soon)
    return requeued


def letters_forget_sent(now: datetime.datetime) -> int:
    """Past SENT_LETTER_RETENTION_DAYS, a letter sent, refused or given up keeps only its
    key, subject, outcome and dates (so it is never queued again) and the embedded outbox
    forgets the message."""
    cutoff = now - datetime.timedelta(days=int(settings.TOWNHALL["SENT_LETTER_RETENTION_DAYS"]))
    finished = QueuedEmail.objects.filter(sent_at__lte=cutoff) | QueuedEmail.objects.filter(gave_up_at__lte=cutoff)
    forgotten = finished.exclude(to="", body="").update(to="", body="", headers={}, last_error="")
    deleted, _ = OutboxMessage.objects.filter(created_at__lte=cutoff).delete()
    return forgotten + int(deleted)
