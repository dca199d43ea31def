from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone

from townhall.audit.models import AuditEvent


def audit_record(
    *,
    action: str,
    target: models.Model,
    actor: Any = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append an audit event for a change to `target`. Call inside the change's transaction."""
    return AuditEvent.objects.create(
        occurred_at=timezone.now(),
        actor=actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        data=data or {},
    )
