"""Invalidating a large batch on PostgreSQL: runs as a background task with progress,
leaves counts exact, and writes an audit entry.

CI runs 10,000; for the figure at 100,000:

    TOWNHALL_INVALIDATION_SCALE=10 TOWNHALL_DATABASE_URL=postgres://postgres@127.0.0.1:5432/townhall \\
        .venv/bin/python -m pytest tests/integrity/test_invalidation_scale.py -s -o addopts=""
"""

from __future__ import annotations

import datetime
import os
import time
from typing import Any

import pytest
from django.utils import timezone

from tests.builders import open_petition, staff
from townhall.accounts.models import Role
from townhall.audit.models import AuditEvent
from townhall.integrity.models import Invalidation, InvalidationState
from townhall.integrity.services import Criteria, invalidation_request
from townhall.petitions.models import Petition
from townhall.signatures.models import Signature, SignatureState
from townhall.signatures.services import signature_count_new

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
SCALE = int(os.environ.get("TOWNHALL_INVALIDATION_SCALE", "1"))


def test_a_large_invalidation_completes_in_the_background_with_exact_counts(scheme: Any, moderator: Any) -> None:
    petition = open_petition(moderator=moderator)
    bots, people = 10_000 * SCALE, 2_000
    now = timezone.now()
    rows = [
        Signature(
            petition=petition,
            petition_version_id=petition.current_version_id,
            name="x",
            email=f"s{n}@{'bots.example' if n < bots else 'example.org'}",
            email_canonical=f"s{n}@{'bots.example' if n < bots else 'example.org'}",
            postcode="KM1 1AA",
            token="t",
            state=SignatureState.VERIFIED,
            created_at=now - datetime.timedelta(minutes=5),
            verified_at=now - datetime.timedelta(minutes=4),
            link_expires_at=now,
            email_pending=False,
        )
        for n in range(bots + people)
    ]
    Signature.objects.bulk_create(rows, batch_size=5000)
    signature_count_new()
    petition.refresh_from_db()
    before = petition.signature_count
    assert before == bots + people + scheme.sponsor_count

    admin = staff("root", Role.ADMINISTRATOR)
    began = time.perf_counter()
    # Tasks run inline in tests, after the request's transaction commits, as a worker would.
    invalidation = invalidation_request(
        criteria=Criteria(petition_id=petition.pk, domain="bots.example"), reason="fraud", note="", actor=admin
    )
    elapsed = time.perf_counter() - began
    invalidation = Invalidation.objects.get(pk=invalidation.pk)
    print(f"\ninvalidation: {bots:,} of {bots + people:,} signatures removed in {elapsed:.1f}s")

    assert invalidation.state == InvalidationState.FINISHED
    assert (invalidation.matched, invalidation.processed, invalidation.invalidated) == (bots, bots, bots)
    assert invalidation.percent_done == 100
    petition = Petition.objects.get(pk=petition.pk)
    assert petition.signature_count == before - bots
    assert (
        petition.signature_count == Signature.objects.filter(petition=petition, state=SignatureState.VERIFIED).count()
    )
    assert AuditEvent.objects.filter(action="signatures.invalidated", target_id=str(invalidation.pk)).exists()
