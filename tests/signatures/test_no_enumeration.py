"""The sign and sponsor pages never tell a visitor whether an address has signed.

Whoever submits the form (a new signer, someone signing again while their signature is
pending or after it is confirmed, someone else using an address that has signed, or
anyone after the address has had all the emails it may get) gets the same answer: the
same redirect to the same page with the same text. What differs goes only to the mailbox,
whose owner may know it.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from tests.builders import open_petition, sign, sponsoring_petition
from townhall.accounts.models import User
from townhall.petitions.models import Petition
from townhall.schemes.models import Scheme
from townhall.signatures.models import Signature, SignatureState
from townhall.signatures.services import signature_send_confirmations

pytestmark = pytest.mark.django_db

CSRF = re.compile(r'<input type="hidden" name="csrfmiddlewaretoken" value="[^"]*">|csrftoken=[^;\s]*')
ROSA = {"name": "Rosa Resident", "email": "rosa@example.org", "postcode": "KM4 4DD", "declared_eligible": "on"}


@pytest.fixture
def petition(scheme: Scheme, moderator: User) -> Petition:
    petition = open_petition(moderator=moderator)
    signature_send_confirmations()
    mail.outbox = []
    return petition


@pytest.fixture
def sponsoring(scheme: Scheme) -> Petition:
    petition = sponsoring_petition(action="Plant trees on Kingsmere Road", creator_email="trees@example.org")
    mail.outbox = []
    return petition


def _url(petition: Petition, *, as_sponsor: bool) -> str:
    if as_sponsor:
        return f"/petitions/{petition.pk}/sponsor/{petition.sponsor_token}/"
    return f"/petitions/{petition.pk}/sign/"


def _answer(petition: Petition, *, as_sponsor: bool, **typed: str) -> tuple[int, str, int, str]:
    """What a visitor sees after submitting the form: the POST's status and where it sends
    them, then that page's status and text (without the CSRF token, different for each)."""
    client = Client()
    posted = client.post(_url(petition, as_sponsor=as_sponsor), {**ROSA, **typed})
    shown = client.get(posted["Location"]) if posted.status_code == 302 else posted
    return posted.status_code, posted.get("Location", ""), shown.status_code, CSRF.sub("", shown.content.decode())


def _rosa_signed(petition: Petition, *, as_sponsor: bool, confirm: bool) -> Signature:
    signature = sign(
        petition,
        name=ROSA["name"],
        email=ROSA["email"],
        postcode=ROSA["postcode"],
        sponsor_token=petition.sponsor_token if as_sponsor else None,
        confirm=confirm,
    )
    signature_send_confirmations()
    mail.outbox = []
    return signature


# How the address had been used before the form was submitted, and what was then typed.
EARLIER = {
    "pending": ({"confirm": False}, {}),
    "verified": ({"confirm": True}, {}),
    "pending, typed differently": ({"confirm": False}, {"name": "ROSA  resident", "email": "Rosa@Example.org"}),
    "someone else at another postcode": ({"confirm": True}, {"name": "Sam Other", "postcode": "KM3 3DE"}),
}


@pytest.mark.parametrize("as_sponsor", [False, True], ids=["sign", "sponsor"])
@pytest.mark.parametrize("earlier", EARLIER)
def test_the_answer_is_the_same_whether_or_not_the_address_has_signed(
    request: pytest.FixtureRequest, as_sponsor: bool, earlier: str
) -> None:
    petition: Petition = request.getfixturevalue("sponsoring" if as_sponsor else "petition")
    new_signer = _answer(petition, as_sponsor=as_sponsor, email="new@example.org", name="New Signer")
    assert new_signer[0] == 302

    how, typed = EARLIER[earlier]
    _rosa_signed(petition, as_sponsor=as_sponsor, **how)
    rows = Signature.objects.count()

    assert _answer(petition, as_sponsor=as_sponsor, **typed) == new_signer
    assert Signature.objects.count() == rows


def test_the_answer_is_the_same_for_a_full_household(petition: Petition) -> None:
    new_signer = _answer(petition, as_sponsor=False, email="new@example.org")
    sign(petition, name="Bob Resident", email="rosa@example.org", postcode="KM4 4DD")
    sign(petition, name="Alice Resident", email="rosa@example.org", postcode="KM4 4DD")
    assert _answer(petition, as_sponsor=False) == new_signer
    assert Signature.objects.filter(email_canonical="rosa@example.org").count() == 2


def test_the_answer_is_the_same_when_the_address_has_had_all_its_emails(petition: Petition, settings: Any) -> None:
    new_signer = _answer(petition, as_sponsor=False, email="new@example.org")
    signature = _rosa_signed(petition, as_sponsor=False, confirm=False)
    Signature.objects.filter(pk=signature.pk).update(emails_sent=settings.TOWNHALL["CONFIRMATION_EMAIL_CAP"])

    assert _answer(petition, as_sponsor=False) == new_signer
    assert signature_send_confirmations() == 0
    assert mail.outbox == []


def test_the_page_says_nothing_about_earlier_signatures(petition: Petition) -> None:
    page = _answer(petition, as_sponsor=False)[3]
    assert "We have sent you an email" in page
    assert "already" not in page


# --- what only the mailbox hears ------------------------------------------------------------


@pytest.mark.parametrize("as_sponsor", [False, True], ids=["sign", "sponsor"])
def test_signing_again_while_pending_emails_the_link_again(request: pytest.FixtureRequest, as_sponsor: bool) -> None:
    petition: Petition = request.getfixturevalue("sponsoring" if as_sponsor else "petition")
    signature = _rosa_signed(petition, as_sponsor=as_sponsor, confirm=False)

    _answer(petition, as_sponsor=as_sponsor)
    assert signature_send_confirmations() == 1

    (message,) = mail.outbox
    assert message.to == ["rosa@example.org"]
    did = "sponsored" if as_sponsor else "signed"
    assert message.subject == f"You have already {did}: {petition.action}"
    assert f"You have already {did} this petition with this email address" in message.body
    assert "not counted yet" in message.body
    assert f"http://testserver/signatures/{signature.pk}/confirm/{signature.token}/" in message.body
    assert Signature.objects.get(pk=signature.pk).state == SignatureState.PENDING


def test_signing_again_once_confirmed_says_it_is_counted(petition: Petition) -> None:
    _rosa_signed(petition, as_sponsor=False, confirm=True)

    _answer(petition, as_sponsor=False)
    signature_send_confirmations()

    (message,) = mail.outbox
    assert message.subject == f"You have already signed: {petition.action}"
    assert "You have already signed this petition with this email address" in message.body
    assert "confirmed and is counted once" in message.body
    assert "/confirm/" not in message.body
    assert Signature.objects.filter(petition=petition, is_sponsor=False).count() == 1


def test_someone_else_using_a_signed_address_is_told_only_by_email(petition: Petition) -> None:
    signature = _rosa_signed(petition, as_sponsor=False, confirm=True)

    _answer(petition, as_sponsor=False, name="Sam Other", postcode="KM3 3DE")
    signature_send_confirmations()

    (message,) = mail.outbox
    assert message.to == ["rosa@example.org"]
    assert "Sam Other" not in message.body  # what a stranger typed is never mailed on
    assert "Dear Rosa Resident," in message.body
    assert "Two people who live at the same postcode may share an email address" in message.body
    assert list(Signature.objects.filter(petition=petition, is_sponsor=False)) == [signature]


def test_repeat_emails_stop_at_the_cap(petition: Petition, settings: Any) -> None:
    cap = settings.TOWNHALL["CONFIRMATION_EMAIL_CAP"]
    _rosa_signed(petition, as_sponsor=False, confirm=False)  # the first email
    for _ in range(cap + 5):
        _answer(petition, as_sponsor=False)
        signature_send_confirmations()
    assert len(mail.outbox) == cap - 1
