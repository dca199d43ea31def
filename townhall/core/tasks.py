from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.tasks import task


@task(queue_name="email")
def deliver_email(*, to: str, subject: str, body: str) -> None:
    """Deliver one already-rendered email through the configured email backend."""
    EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[to]).send()
