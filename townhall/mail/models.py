"""Mail's tables: the outbox of letters owed (QueuedEmail: every email the site sends, each
with its outcome) and, in the embedded set-up only, the mailbox every sent email lands in
(OutboxMessage, shown at /outbox/)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """One email as it would have been delivered. Only the embedded default writes these."""

    to = models.TextField(_("to"))
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("body"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("outbox message")

    def __str__(self) -> str:
        return f"{self.to}: {self.subject}"


class LetterStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    DEFERRED = "deferred", _("deferred")  # a temporary failure: tried again later
    SENT = "sent", _("sent")
    REFUSED = "refused", _("refused")  # the mail server refused it for good (5xx)
    FAILED = "failed", _("failed")  # deferred too many times: given up


# Letters the sender still has to try.
DUE_STATUSES = (LetterStatus.QUEUED, LetterStatus.DEFERRED)


class LetterPriority(models.IntegerChoices):
    WAITING = 0, _("a person is waiting for it")  # confirmation and sign-in links
    NOTICE = 1, _("a notice")  # decisions, responses, updates, agenda notices, alerts


class QueuedEmail(models.Model):
    """One letter owed to one person: the outbox every email the site sends goes through.

    Rows are written in the same transaction as the change that owes them, each under a
    `dedupe_key` that names its purpose and recipient and is unique, so a re-run after a
    crash queues nothing twice. The task worker sends each due row in its own transaction
    and records its outcome: sent; refused for good (5xx: never retried); or deferred
    (4xx, timeout, server away) and tried again after `next_attempt_at`, until
    EMAIL_MAX_ATTEMPTS, then failed. Refused and failed letters are shown to staff.
    """

    dedupe_key = models.CharField(max_length=200, unique=True)
    to = models.EmailField()
    subject = models.CharField(max_length=300)
    body = models.TextField()
    headers = models.JSONField(default=dict, blank=True)
    priority = models.PositiveSmallIntegerField(choices=LetterPriority.choices, default=LetterPriority.NOTICE)
    status = models.CharField(max_length=10, choices=LetterStatus.choices, default=LetterStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    # When the sender may next try it (for a queued letter: when it was queued).
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # The mail server's last answer, or why the sender could not reach it.
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # When it was refused or given up (failed).
    gave_up_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["priority", "next_attempt_at", "id"],
                name="queued_email_due_idx",
                condition=models.Q(status__in=["queued", "deferred"]),
            ),
            models.Index(
                fields=["status"],
                name="queued_email_problem_idx",
                condition=models.Q(status__in=["refused", "failed"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dedupe_key} → {self.subject}"
