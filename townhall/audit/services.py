from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils import timezone

from townhall.audit.models import AuditEvent

if TYPE_CHECKING:  # audit sits below accounts: it names the staff type only in annotations
    from townhall.accounts.models import Actor


def audit_record(
    *,
    action: str,
    target: models.Model,
    actor: Actor | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append an audit event for a change to `target`. Call inside the change's transaction."""
    return AuditEvent.objects.create(
        occurred_at=timezone.now(),
        # Only a signed-in member of staff is recorded; residents act anonymously (by token).
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        data=data or {},
    )
