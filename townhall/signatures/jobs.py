"""Periodic signature work run by the scheduler."""

from __future__ import annotations

from townhall.signatures.services import signature_count_new, signature_reconcile_counts
from townhall.signatures.tasks import confirmation_emails_dispatch


def count() -> int:
    return signature_count_new().counted


def dispatch_confirmations() -> bool:
    return confirmation_emails_dispatch()


def reconcile() -> int:
    return len(signature_reconcile_counts())
