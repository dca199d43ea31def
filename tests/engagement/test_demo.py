"""The demo's updates and relayed message, loaded through the real services."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from townhall.demo.loader import demo_load
from townhall.engagement import demo
from townhall.engagement.models import ContactMessage, MessageState, PetitionUpdate, UpdateState
from townhall.mail.models import QueuedEmail
from townhall.petitions.models import Petition
from townhall.signatures.models import Signature, SignatureState

pytestmark = pytest.mark.django_db


def test_one_published_update_one_waiting_and_one_relayed_message(client: Client) -> None:
    demo_load()
    now = timezone.now()
    demo.load(now=now)

    published = PetitionUpdate.objects.get(state=UpdateState.PUBLISHED)
    waiting = PetitionUpdate.objects.get(state=UpdateState.AWAITING_MODERATION)
    assert published.petition.action == demo.CROSSING
    assert waiting.petition.action == demo.LIBRARY
    assert published.published_at is not None
    assert published.published_at < now
    subscribers = Signature.objects.filter(
        petition=published.petition, state=SignatureState.VERIFIED, wants_updates=True
    ).count()
    assert subscribers > 0
    assert QueuedEmail.objects.filter(dedupe_key__startswith=f"update:{published.pk}:signature:").count() == subscribers
    assert published.title in client.get(f"/petitions/{published.petition_id}/").content.decode()

    message = ContactMessage.objects.get()
    toilets = Petition.objects.get(action=demo.TOILETS)
    assert (message.petition, message.state) == (toilets, MessageState.DELIVERED)
    assert QueuedEmail.objects.get(dedupe_key=f"contact:{message.pk}").to == toilets.creator_email

    demo.load(now=now)
    assert (PetitionUpdate.objects.count(), ContactMessage.objects.count()) == (2, 1)
