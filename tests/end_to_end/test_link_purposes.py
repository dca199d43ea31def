"""Every emailed link opens only its own action: a link for one purpose, put into the
address of another action on the same record, is refused and changes nothing. The table
below lists each record that has more than one emailed action and how to reach each."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client

from tests.builders import open_petition, sign
from tests.conftest import links_in
from townhall.accounts.models import User
from townhall.core.tokens import link_token
from townhall.petitions.models import Petition, PetitionState
from townhall.petitions.services import petition_close_expired
from townhall.schemes.models import Scheme
from townhall.signatures.models import Signature, SignatureState
from townhall.signatures.services import signature_send_confirmations

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Action:
    """One emailed action: its URL for a record and a token, and whether it took effect."""

    url: Callable[[Signature, str], str]
    took_effect: Callable[[Signature], bool]


SIGNATURE_ACTIONS = {
    "confirm": Action(
        url=lambda s, token: f"/signatures/{s.pk}/confirm/{token}/",
        took_effect=lambda s: Signature.objects.get(pk=s.pk).state == SignatureState.VERIFIED,
    ),
    "withdraw": Action(
        url=lambda s, token: f"/signatures/{s.pk}/withdraw/{token}/",
        took_effect=lambda s: Signature.objects.get(pk=s.pk).state == SignatureState.INVALIDATED,
    ),
    "unsubscribe": Action(
        url=lambda s, token: f"/signatures/{s.pk}/unsubscribe/{token}/",
        took_effect=lambda s: not Signature.objects.get(pk=s.pk).wants_updates,
    ),
}


def _token_for(signature: Signature, purpose: str) -> str:
    """The token the email for `purpose` carries (the stored token is the confirm link's)."""
    return signature.token if purpose == "confirm" else link_token(signature.token, purpose)


@pytest.fixture
def petition(scheme: Scheme, moderator: User) -> Petition:
    return open_petition(moderator=moderator)


@pytest.mark.parametrize(
    ("carried", "used"),
    [(a, b) for a in SIGNATURE_ACTIONS for b in SIGNATURE_ACTIONS if a != b],
)
def test_a_signature_link_opens_only_its_own_action(
    client: Client, petition: Petition, carried: str, used: str
) -> None:
    signature = sign(petition, 1, wants_updates=True, confirm=(used != "confirm"))
    count = Petition.objects.get(pk=petition.pk).signature_count
    action = SIGNATURE_ACTIONS[used]
    url = action.url(signature, _token_for(signature, carried))

    page = client.get(url)
    posted = client.post(url)

    assert (page.status_code, posted.status_code) == (404, 404)
    assert not action.took_effect(signature)
    assert Petition.objects.get(pk=petition.pk).signature_count == count


def test_each_link_in_the_confirmation_email_does_its_own_action(client: Client, petition: Petition) -> None:
    signature = sign(petition, 1, wants_updates=True, confirm=False)
    mail.outbox = []
    signature_send_confirmations()
    (email,) = [message for message in mail.outbox if message.to == [signature.email]]
    assert "within 30 days of signing, while the petition is open" in email.body
    links = [link.removeprefix("http://testserver") for link in links_in(email.body)]
    (confirm,) = [link for link in links if "/confirm/" in link]
    (withdraw,) = [link for link in links if "/withdraw/" in link]
    assert confirm == SIGNATURE_ACTIONS["confirm"].url(signature, signature.token)
    assert signature.token not in withdraw
    client.post(confirm)
    assert SIGNATURE_ACTIONS["confirm"].took_effect(signature)
    assert client.post(withdraw).status_code == 200
    assert SIGNATURE_ACTIONS["withdraw"].took_effect(signature)


def test_a_withdraw_link_stops_working_when_the_petition_closes(client: Client, petition: Petition) -> None:
    signature = sign(petition, 1)
    petition_close_expired(now=petition.deadline_at + datetime.timedelta(seconds=1))
    closed = Petition.objects.get(pk=petition.pk)
    assert closed.state == PetitionState.CLOSED
    url = SIGNATURE_ACTIONS["withdraw"].url(signature, link_token(signature.token, "withdraw"))

    response = client.post(url)

    assert response.status_code == 409
    assert "This petition has closed" in response.content.decode()
    assert not SIGNATURE_ACTIONS["withdraw"].took_effect(signature)
    assert Petition.objects.get(pk=petition.pk).signature_count == closed.signature_count


def test_a_withdraw_link_expires(client: Client, petition: Petition, settings: Any) -> None:
    settings.TOWNHALL = {**settings.TOWNHALL, "WITHDRAW_LINK_DAYS": 7}
    signature = sign(petition, 1)
    url = SIGNATURE_ACTIONS["withdraw"].url(signature, link_token(signature.token, "withdraw"))
    with time_machine.travel(signature.created_at + datetime.timedelta(days=7, seconds=1), tick=False):
        response = client.post(url)
    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()
    assert not SIGNATURE_ACTIONS["withdraw"].took_effect(signature)


def test_a_refused_link_never_writes_its_token_into_the_logs(
    client: Client, petition: Petition, caplog: pytest.LogCaptureFixture
) -> None:
    signature = sign(petition, 1)
    withdraw = link_token(signature.token, "withdraw")
    with caplog.at_level(logging.DEBUG):
        client.get(f"/signatures/{signature.pk}/unsubscribe/{withdraw}/")
        client.get(f"/signatures/{signature.pk}/withdraw/{signature.token}/")
        client.get(f"/signatures/{signature.pk + 1000}/confirm/{signature.token}/")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "Not Found" in logged  # the refusals are logged...
    assert signature.token not in logged  # ...without the tokens
    assert withdraw not in logged
