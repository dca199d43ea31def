"""Reads of the audit log."""

from __future__ import annotations

from django.db import models

from townhall.audit.models import AuditEvent


def audit_latest_event_id(*, target: models.Model) -> int | None:
    """The newest event recorded about `target` (a decision's own id, for keying its letters)."""
    return (
        AuditEvent.objects.filter(target_type=target._meta.label_lower, target_id=str(target.pk))
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
