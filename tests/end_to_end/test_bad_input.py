"""Bad input over HTTP on every public form (petitions, signatures): a clear message, nothing changed, nothing lost."""

# Every case gives a clear, specific message and changes nothing, and what the person typed
# is shown back to them (nothing submitted is lost).

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from tests.builders import make_petition, open_petition, sign
from townhall.petitions.models import Petition, PetitionState
from townhall.petitions.services import petition_close_expired, petition_reject
from townhall.signatures.models import Signature, SignatureState

pytestmark = pytest.mark.django_db

GOOD_SIGNER = {"name": "Rosa Resident", "email": "rosa@example.org", "postcode": "KM4 4DD", "declared_eligible": "on"}


def _create_form(**overrides: str) -> dict[str, str]:
    data = {
        "action": "Reopen the public toilets on Kingsmere Road",
        "background": "The toilets by the market closed in March.",
        "additional_details": "",
        "addressed_to": "other",
        "decision_maker_other": "Cabinet Member for Environment",
        "creator_name": "Ann Creator",
        "creator_email": "ann@example.org",
        "creator_postcode": "KM1 1AA",
        "seen_similar": "on",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("action", "A" * 81, "The action must be 80 characters or fewer."),
        ("action", "", "Enter the action you want the decision maker to take."),
        ("background", "B" * 301, "The background must be 300 characters or fewer."),
        ("background", "   ", "Enter the background to your petition."),
        ("additional_details", "C" * 801, "The additional details must be 800 characters or fewer."),
        ("creator_email", "not-an-email", "Enter your email address in the right format, like name@example.com."),
        ("creator_email", "ann@", "Enter your email address in the right format, like name@example.com."),
        ("creator_postcode", "KM1", "Enter a real postcode, like SW1A 1AA."),
        ("creator_postcode", "12345", "Enter a real postcode, like SW1A 1AA."),
        ("creator_name", "", "Enter your name."),
        ("decision_maker_other", "", "Say who the petition is addressed to."),
        ("addressed_to", "9999", "Choose who the petition is addressed to from the list."),
    ],
)
def test_create_rejects_bad_fields(client: Client, scheme: Any, field: str, value: str, message: str) -> None:
    data = _create_form(**{field: value})
    response = client.post("/petitions/new/", data)
    page = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in page
    assert message in page
    assert Petition.objects.count() == 0
    # Everything else typed is still there.
    assert "Reopen the public toilets on Kingsmere Road" in page or field == "action"


def test_limits_are_inclusive(client: Client, scheme: Any) -> None:
    response = client.post(
        "/petitions/new/",
        _create_form(action="A" * 80, background="B" * 300, additional_details="C" * 800),
    )
    assert response.status_code == 302
    petition = Petition.objects.get()
    assert (len(petition.action), len(petition.background), len(petition.additional_details)) == (80, 300, 800)


@pytest.fixture
def petition(scheme: Any, moderator: Any) -> Petition:
    return open_petition(moderator=moderator)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "Enter your name."),
        ("name", "N" * 101, "Your name must be 100 characters or fewer."),
        ("email", "", "Enter your email address."),
        ("email", "rosa@", "Enter your email address in the right format, like name@example.com."),
        ("email", "rosa example.org", "Enter your email address in the right format, like name@example.com."),
        ("email", "rosa@@example.org", "Enter your email address in the right format, like name@example.com."),
        ("postcode", "", "Enter your postcode."),
        ("postcode", "KM4", "Enter a real postcode, like SW1A 1AA."),
        ("postcode", "SW1A 1CA", "Enter a real postcode, like SW1A 1AA."),
        ("declared_eligible", "", "Confirm the declaration"),
    ],
)
def test_sign_rejects_bad_fields(client: Client, petition: Petition, field: str, value: str, message: str) -> None:
    before = Signature.objects.count()
    data = {**GOOD_SIGNER, field: value}
    if field == "declared_eligible":
        del data["declared_eligible"]
    response = client.post(f"/petitions/{petition.pk}/sign/", data)
    page = response.content.decode()
    assert response.status_code == 400
    assert message in page
    assert f'href="#id_{field}"' in page  # the summary links to the field
    assert Signature.objects.count() == before
    kept = [v for k, v in GOOD_SIGNER.items() if k not in (field, "declared_eligible")]
    assert all(v in page for v in kept)


def test_double_submission_makes_one_signature(client: Client, petition: Petition) -> None:
    first = client.post(f"/petitions/{petition.pk}/sign/", GOOD_SIGNER)
    second = client.post(f"/petitions/{petition.pk}/sign/", GOOD_SIGNER)
    assert first.status_code == second.status_code == 302
    # Both presses get the same answer (tests/signatures/test_no_enumeration.py).
    assert first["Location"] == second["Location"] == f"/petitions/{petition.pk}/sign/check-your-email/"
    assert Signature.objects.filter(email="rosa@example.org").count() == 1


def test_resending_is_capped(client: Client, petition: Petition) -> None:
    client.post(f"/petitions/{petition.pk}/sign/", GOOD_SIGNER)
    Signature.objects.filter(email="rosa@example.org").update(emails_sent=3, email_pending=False)
    response = client.post(f"/petitions/{petition.pk}/sign/", GOOD_SIGNER)
    assert response.status_code == 302
    assert Signature.objects.get(email="rosa@example.org").email_pending is False


def _pending(petition: Petition) -> Signature:
    """Rosa has signed and not yet confirmed."""
    return sign(petition, name="Rosa Resident", email="rosa@example.org", postcode="KM4 4DD", confirm=False)


def test_wrong_token_is_refused(client: Client, petition: Petition) -> None:
    signature = _pending(petition)
    for method in (client.get, client.post):
        response = method(f"/signatures/{signature.pk}/confirm/{'x' * 32}/")
        assert response.status_code == 404
        assert "This confirmation link is not valid" in response.content.decode()
    assert Signature.objects.get(pk=signature.pk).state == SignatureState.PENDING


def test_expired_token_is_refused(client: Client, petition: Petition) -> None:
    signature = _pending(petition)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=31)):
        response = client.post(f"/signatures/{signature.pk}/confirm/{signature.token}/")
    assert response.status_code == 410
    assert "This confirmation link has expired. Sign the petition again" in response.content.decode()
    assert Signature.objects.get(pk=signature.pk).state == SignatureState.PENDING


def test_reused_token_changes_nothing(client: Client, petition: Petition) -> None:
    signature = _pending(petition)
    url = f"/signatures/{signature.pk}/confirm/{signature.token}/"
    assert "Thank you for signing" in client.post(url).content.decode()
    verified_at = Signature.objects.get(pk=signature.pk).verified_at
    again = client.post(url)
    assert again.status_code == 200
    assert "You have already signed" in again.content.decode()
    assert Signature.objects.get(pk=signature.pk).verified_at == verified_at
    assert "You have already confirmed this signature" in client.get(url).content.decode()


def test_confirming_after_close_is_refused(client: Client, petition: Petition) -> None:
    signature = _pending(petition)
    assert petition.deadline_at is not None
    with time_machine.travel(petition.deadline_at + datetime.timedelta(minutes=1)):
        petition_close_expired()
        response = client.post(f"/signatures/{signature.pk}/confirm/{signature.token}/")
    assert response.status_code == 409
    assert "This petition closed before you confirmed your signature" in response.content.decode()
    assert Signature.objects.get(pk=signature.pk).state == SignatureState.PENDING


def test_signing_a_closed_petition_is_refused(client: Client, petition: Petition) -> None:
    assert petition.deadline_at is not None
    with time_machine.travel(petition.deadline_at + datetime.timedelta(minutes=1)):
        petition_close_expired()
        form = client.get(f"/petitions/{petition.pk}/sign/")
        response = client.post(f"/petitions/{petition.pk}/sign/", GOOD_SIGNER)
    assert form.status_code == 409
    assert response.status_code == 409
    assert "can no longer be signed" in response.content.decode()
    assert not Signature.objects.filter(email="rosa@example.org").exists()


def test_signing_a_rejected_petition_is_refused(client: Client, scheme: Any, moderator: Any) -> None:
    petition = make_petition()
    Petition.objects.filter(pk=petition.pk).update(state=PetitionState.AWAITING_MODERATION)
    petition_reject(petition_id=petition.pk, reason="duplicate", details="", actor=moderator)
    response = client.post(f"/petitions/{petition.pk}/sign/", GOOD_SIGNER)
    assert response.status_code == 409
    assert "This petition was rejected, so it cannot be signed." in response.content.decode()
    assert not Signature.objects.filter(email="rosa@example.org").exists()


def test_signing_an_unpublished_petition_is_not_found(client: Client, scheme: Any) -> None:
    petition = make_petition()
    response = client.post(f"/petitions/{petition.pk}/sign/", GOOD_SIGNER)
    assert response.status_code == 404
    assert not Signature.objects.exists()
