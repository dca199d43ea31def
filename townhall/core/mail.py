"""Sending email: rendered here, delivered through the task queue, never in a request.

`send_email` renders the subject and body from templates and enqueues delivery after the
surrounding transaction commits, so a rolled-back state change never sends mail.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.template.loader import render_to_string

from townhall.core.models import OutboxMessage


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
        from townhall.core.tasks import deliver_email

        for recipient in recipients:
            deliver_email.enqueue(to=recipient, subject=subject, body=body)

    transaction.on_commit(enqueue)


class OutboxBackend(BaseEmailBackend):
    """Stores each message in the outbox table instead of delivering it."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        rows = [
            OutboxMessage(to=", ".join(message.to), subject=str(message.subject), body=str(message.body))
            for message in email_messages
        ]
        OutboxMessage.objects.bulk_create(rows)
        return len(rows)
