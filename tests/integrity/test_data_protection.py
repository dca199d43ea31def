"""Data protection: withdrawal by the signer, and anonymisation months after closing."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client

from tests.builders import INTEGRITY_NOW, open_petition, sign
from tests.conftest import links_in
from townhall.integrity.services import anonymise_due
from townhall.petitions.models import Petition, PetitionState
from townhall.petitions.services import petition_close_expired, petition_set_anonymisation_exempt
from townhall.signatures.models import Signature, SignatureState
from townhall.signatures.services import (
    signature_confirm,
    signature_count_new,
    signature_send_confirmations,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def petition(scheme: Any, moderator: Any) -> Petition:
    with time_machine.travel(INTEGRITY_NOW, tick=False):
        return open_petition(moderator=moderator)


def rosa_signs(petition: Petition) -> Signature:
    """Rosa signs, asking for updates, and has not confirmed yet."""
    return sign(
        petition,
        name="Rosa Resident",
        email="Rosa.Resident@example.org",
        postcode="KM4 4DD",
        ip="192.0.2.10",
        wants_updates=True,
        confirm=False,
    )


@time_machine.travel(INTEGRITY_NOW + datetime.timedelta(days=1))
def test_withdrawing_from_the_confirmation_email(client: Client, petition: Petition) -> None:
    signature = rosa_signs(petition)
    signature_send_confirmations()
    [message] = [m for m in mail.outbox if m.to == [signature.email]]
    withdraw_url = next(link for link in links_in(message.body) if "/withdraw/" in link).removeprefix(
        "http://testserver"
    )
    signature_confirm(signature_id=signature.pk, token=signature.token)
    signature_count_new()
    petition.refresh_from_db()
    before = petition.signature_count

    assert "Withdraw my signature" in client.get(withdraw_url).content.decode()
    assert Signature.objects.get(pk=signature.pk).state == SignatureState.VERIFIED  # GET changes nothing
    assert "has been withdrawn" in client.post(withdraw_url).content.decode()
    petition.refresh_from_db()
    assert petition.signature_count == before - 1
    withdrawn = Signature.objects.get(pk=signature.pk)
    assert (withdrawn.state, withdrawn.invalidation_reason, withdrawn.wants_updates) == (
        "invalidated",
        "withdrawn",
        False,
    )
    page = client.get(f"/petitions/{petition.pk}/").content.decode()
    assert "Withdrawn by the signer: 1" in page
    # Twice is harmless; a wrong token changes nothing.
    client.post(withdraw_url)
    petition.refresh_from_db()
    assert petition.signature_count == before - 1
    assert client.post(f"/signatures/{signature.pk}/withdraw/{'x' * 32}/").status_code == 404


def test_anonymisation_after_the_configured_months(client: Client, petition: Petition, settings: Any) -> None:
    settings.TOWNHALL = {**settings.TOWNHALL, "ANONYMISE_AFTER_MONTHS": 6}
    with time_machine.travel(INTEGRITY_NOW, tick=False):
        signature = rosa_signs(petition)
    assert petition.deadline_at is not None
    with time_machine.travel(petition.deadline_at + datetime.timedelta(minutes=1), tick=False):
        petition_close_expired()
    petition.refresh_from_db()
    assert petition.state == PetitionState.CLOSED
    five_months = petition.deadline_at + datetime.timedelta(days=150)
    assert anonymise_due(now=five_months) == 0
    seven_months = petition.deadline_at + datetime.timedelta(days=215)
    assert anonymise_due(now=seven_months) == 1
    assert anonymise_due(now=seven_months) == 0

    petition.refresh_from_db()
    assert (petition.creator_name, petition.creator_email, petition.creator_postcode) == ("", "", "KM1")
    assert petition.anonymised_at == seven_months
    anonymous = Signature.objects.get(pk=signature.pk)
    assert (anonymous.name, anonymous.email, anonymous.postcode, anonymous.ip_hash, anonymous.ip_prefix) == (
        "",
        "",
        "KM4",
        "",
        "",
    )
    assert "rosa" not in anonymous.email_canonical.lower()
    page = client.get(f"/petitions/{petition.pk}/").content.decode()
    assert "Details removed under our privacy policy" in page
    assert "Ann Creator" not in page


def test_exempt_petitions_keep_their_details(petition: Petition, admin_user: Any, settings: Any) -> None:
    settings.TOWNHALL = {**settings.TOWNHALL, "ANONYMISE_AFTER_MONTHS": 1}
    Petition.objects.filter(pk=petition.pk).update(state=PetitionState.CLOSED, closed_at=INTEGRITY_NOW)
    petition_set_anonymisation_exempt(petition_id=petition.pk, exempt=True, actor=admin_user)
    assert anonymise_due(now=INTEGRITY_NOW + datetime.timedelta(days=90)) == 0
    petition.refresh_from_db()
    assert petition.creator_name == "Ann Creator"
