"""The embedded set-up's email backend: every message lands in the outbox table."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend

from townhall.mail.models import OutboxMessage


class OutboxBackend(BaseEmailBackend):
    """Stores each message in the outbox table instead of delivering it."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        rows = [
            OutboxMessage(to=", ".join(message.to), subject=str(message.subject), body=str(message.body))
            for message in email_messages
        ]
        OutboxMessage.objects.bulk_create(rows)
        return len(rows)
