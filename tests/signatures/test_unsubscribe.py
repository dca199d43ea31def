"""One-click unsubscribe from a petition's update emails."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.builders import open_petition
from townhall.core.tokens import link_token
from townhall.signatures.models import Signature, SignatureState
from townhall.signatures.selectors import signature_iter_subscribers

pytestmark = pytest.mark.django_db


@pytest.fixture
def subscriber(scheme: Any, moderator: Any) -> Signature:
    petition = open_petition(moderator=moderator)
    return Signature.objects.create(
        petition=petition,
        petition_version_id=petition.current_version_id,
        name="Rosa Resident",
        email="rosa@example.org",
        email_canonical="rosa@example.org",
        postcode="KM4 4DD",
        wants_updates=True,
        state=SignatureState.VERIFIED,
        token="t" * 32,
        created_at=petition.opened_at,
        link_expires_at=petition.opened_at,
        email_pending=False,
    )


def _subscriber_ids(petition_id: int) -> list[int]:
    return [s.signature_id for batch in signature_iter_subscribers(petition_id=petition_id) for s in batch]


def test_get_shows_a_button_and_changes_nothing(client: Client, subscriber: Signature) -> None:
    page = client.get(f"/signatures/{subscriber.pk}/unsubscribe/{link_token(subscriber.token, 'unsubscribe')}/")
    assert page.status_code == 200
    assert "Unsubscribe" in page.content.decode()
    assert Signature.objects.get(pk=subscriber.pk).wants_updates is True


def test_one_click_post_unsubscribes_without_a_session(subscriber: Signature) -> None:
    # A mail client's RFC 8058 one-click POST carries no cookie and no CSRF token.
    client = Client(enforce_csrf_checks=True)
    response = client.post(f"/signatures/{subscriber.pk}/unsubscribe/{link_token(subscriber.token, 'unsubscribe')}/")
    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()
    assert Signature.objects.get(pk=subscriber.pk).wants_updates is False
    assert subscriber.pk not in _subscriber_ids(subscriber.petition_id)
    # Twice is harmless.
    assert (
        client.post(
            f"/signatures/{subscriber.pk}/unsubscribe/{link_token(subscriber.token, 'unsubscribe')}/"
        ).status_code
        == 200
    )


def test_wrong_token_changes_nothing(client: Client, subscriber: Signature) -> None:
    response = client.post(f"/signatures/{subscriber.pk}/unsubscribe/{'x' * 32}/")
    assert response.status_code == 404
    assert Signature.objects.get(pk=subscriber.pk).wants_updates is True


def test_subscribers_come_in_batches_in_id_order(subscriber: Signature) -> None:
    batches = list(signature_iter_subscribers(petition_id=subscriber.petition_id, batch_size=2))
    ids = [s.signature_id for batch in batches for s in batch]
    assert ids == sorted(ids)
    assert subscriber.pk in ids
    assert all(len(batch) <= 2 for batch in batches)
    assert batches[-1][-1].unsubscribe_url.endswith(
        f"/signatures/{ids[-1]}/unsubscribe/" + link_token(Signature.objects.get(pk=ids[-1]).token, "unsubscribe") + "/"
    )
