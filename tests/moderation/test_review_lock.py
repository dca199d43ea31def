"""Reading a moderation page never writes: the edit lock is taken by an explicit action."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.builders import awaiting_petition
from townhall.accounts.models import User
from townhall.audit.models import AuditEvent
from townhall.moderation.models import ModerationLock

pytestmark = pytest.mark.django_db


def test_opening_the_page_takes_no_lock_and_writes_nothing(scheme: Any, moderator_client: Client) -> None:
    petition = awaiting_petition()
    audit_before = AuditEvent.objects.count()

    page = moderator_client.get(f"/moderation/{petition.pk}/")

    assert page.status_code == 200
    assert not ModerationLock.objects.exists()
    assert AuditEvent.objects.count() == audit_before
    assert f'action="/moderation/{petition.pk}/review/"' in page.content.decode()


def test_starting_a_review_takes_the_lock_and_stopping_releases_it(
    scheme: Any, moderator: User, moderator_client: Client
) -> None:
    petition = awaiting_petition()

    moderator_client.post(f"/moderation/{petition.pk}/review/")
    assert ModerationLock.objects.get(petition=petition).held_by == moderator
    page = moderator_client.get(f"/moderation/{petition.pk}/").content.decode()
    assert "You are reviewing this petition." in page

    moderator_client.post(f"/moderation/{petition.pk}/release/")
    assert not ModerationLock.objects.exists()
