"""Mail's tables: the queue of letters owed (QueuedEmail, the transactional outbox for bulk
and relayed mail) and, in the embedded set-up only, the mailbox every sent email lands in
(OutboxMessage, shown at /outbox/)."""

from __future__ import annotations

from django.db import models
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


class QueuedEmail(models.Model):
    """A transactional outbox for bulk and relayed mail (responses, updates, messages).

    Rows are written in the same transaction as the change that owes them, each with a
    `dedupe_key` that is unique: a fan-out re-run after a crash inserts nothing twice.
    A drain task sends each row and marks it sent in one transaction per message.
    """

    dedupe_key = models.CharField(max_length=200, unique=True)
    to = models.EmailField()
    subject = models.CharField(max_length=300)
    body = models.TextField()
    headers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["id"], name="queued_email_unsent_idx", condition=models.Q(sent_at__isnull=True))
        ]

    def __str__(self) -> str:
        return f"{self.dedupe_key} → {self.subject}"
