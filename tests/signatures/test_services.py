"""Signing and confirming: the rules a signer meets on the hot path."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core import mail

from tests.builders import SIGNING_STARTS_AT, make_petition, open_petition
from townhall.accounts.models import User
from townhall.core.errors import DomainError, Gone, InvalidState, NotFound
from townhall.petitions.models import Petition, PetitionState, PetitionVersion
from townhall.petitions.services import (
    petition_close_expired,
    petition_confirm_creator,
    petition_reject,
    petition_remove,
)
from townhall.schemes.models import Scheme
from townhall.signatures.models import Signature, SignatureState
from townhall.signatures.services import (
    SignOutcome,
    signature_confirm,
    signature_count_new,
    signature_create,
    signature_send_confirmations,
)

UTC = datetime.UTC
LINK_DAYS = datetime.timedelta(days=30)
# Every provider that delivers "name+tag@" to "name@" but keeps dots: each is tested.
PLUS_TAG_DOMAINS = django_settings.TOWNHALL["PLUS_TAG_EMAIL_DOMAINS"]

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _an_hour_after_opening() -> Iterator[None]:
    """Run each test on a running clock an hour after the petition opens, while it is open;
    tests that care about time travel further inside it."""
    with time_machine.travel(SIGNING_STARTS_AT + datetime.timedelta(hours=1)):
        yield


@pytest.fixture
def petition(scheme: Scheme, moderator: User) -> Petition:
    """An open petition (opened at SIGNING_STARTS_AT) whose sponsors' emails have already gone out."""
    with time_machine.travel(SIGNING_STARTS_AT, tick=False):
        petition = open_petition(moderator=moderator)
    signature_send_confirmations()
    mail.outbox = []
    return petition


def submit(petition: Petition, **overrides: Any) -> SignOutcome:
    """Bob Signer's details, with `overrides`, put to signature_create: the unit under test."""
    fields: dict[str, Any] = {
        "petition_id": petition.pk,
        "name": "Bob Signer",
        "email": "bob@example.org",
        "postcode": "KM3 3DE",
        "declared_eligible": True,
        "wants_updates": False,
    }
    fields.update(overrides)
    return signature_create(**fields)


def signers(petition: Petition) -> list[Signature]:
    return list(Signature.objects.filter(petition=petition, is_sponsor=False).order_by("id"))


def confirm(outcome: SignOutcome) -> Signature:
    signature = Signature.objects.get(pk=outcome.signature_id)
    signature_confirm(signature_id=signature.pk, token=signature.token)
    signature.refresh_from_db()
    return signature


# --- signature_create --------------------------------------------------------------------


def test_signing_inserts_one_pending_signature_and_leaves_the_count_alone(petition: Petition) -> None:
    with time_machine.travel(SIGNING_STARTS_AT + datetime.timedelta(days=2), tick=False):
        outcome = submit(
            petition, name="  Bob   Signer ", email=" bob@example.org ", postcode="km3 3de", wants_updates=True
        )

    assert outcome.kind == "created"
    signature = Signature.objects.get(pk=outcome.signature_id)
    assert signature.petition_id == petition.pk
    assert signature.name == "Bob Signer"
    assert signature.email == "bob@example.org"
    assert signature.email_canonical == "bob@example.org"
    assert signature.postcode == "KM3 3DE"
    assert signature.state == SignatureState.PENDING
    assert signature.household_slot == 0
    assert signature.is_sponsor is False
    assert signature.wants_updates is True
    assert signature.created_at == SIGNING_STARTS_AT + datetime.timedelta(days=2)
    assert signature.link_expires_at == signature.created_at + LINK_DAYS
    assert signature.verified_at is None
    assert signature.counted_at is None
    # The row is its own outbox record: an email is owed, none sent yet.
    assert signature.email_pending is True
    assert signature.emails_sent == 0
    assert mail.outbox == []
    assert len(signature.token) >= 32
    assert signature.petition_version_id == petition.current_version_id
    petition.refresh_from_db()
    assert petition.signature_count == 0


@pytest.mark.parametrize(
    ("first", "second", "canonical"),
    [
        ("bob@example.org", "BOB@Example.ORG", "bob@example.org"),
        ("bob.smith@gmail.com", "bobsmith@gmail.com", "bobsmith@gmail.com"),
        ("bobsmith@gmail.com", "b.o.b.s.m.i.t.h@gmail.com", "bobsmith@gmail.com"),
        ("bobsmith@gmail.com", "bobsmith+petitions@gmail.com", "bobsmith@gmail.com"),
        ("Bob.Smith+x@GMail.com", "bobsmith@gmail.com", "bobsmith@gmail.com"),
        ("bobsmith@googlemail.com", "bob.smith+townhall@gmail.com", "bobsmith@gmail.com"),
    ],
)
def test_one_signature_per_mailbox(petition: Petition, first: str, second: str, canonical: str) -> None:
    created = submit(petition, email=first)
    assert Signature.objects.get(pk=created.signature_id).email_canonical == canonical

    # The same person under a variant of the address: the email is re-sent, no new row.
    again = submit(petition, email=second)
    assert again == SignOutcome(signature_id=created.signature_id, kind="resent")

    # Someone else elsewhere using a variant of the address adds nothing.
    other = submit(petition, email=second, name="Carol Other", postcode="KM9 9ZZ")
    assert other == SignOutcome(signature_id=created.signature_id, kind="address_used")
    assert len(signers(petition)) == 1


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("bob.smith@example.org", "bobsmith@example.org"),
        ("bob+petitions@example.org", "bob@example.org"),
        ("bob.smith@outlook.com", "bobsmith@outlook.com"),
    ],
)
def test_dots_and_tags_matter_for_other_domains(petition: Petition, first: str, second: str) -> None:
    one = submit(petition, email=first, name="Bob One", postcode="KM1 1AB")
    two = submit(petition, email=second, name="Bob Two", postcode="KM9 9ZZ")
    assert (one.kind, two.kind) == ("created", "created")
    assert [s.email_canonical for s in signers(petition)] == [first, second]
    assert [s.household_slot for s in signers(petition)] == [0, 0]


@pytest.mark.parametrize("domain", PLUS_TAG_DOMAINS)
def test_plus_tags_are_one_mailbox_on_every_plus_tag_domain(petition: Petition, domain: str) -> None:
    created = submit(petition, email=f"Bob.Smith+petitions@{domain.upper()}")
    assert Signature.objects.get(pk=created.signature_id).email_canonical == f"bob.smith@{domain}"

    # Another tag, or none, is the same mailbox: already signed, nothing added.
    resent = SignOutcome(signature_id=created.signature_id, kind="resent")
    assert submit(petition, email=f"bob.smith+other@{domain}") == resent
    assert submit(petition, email=f"bob.smith@{domain}") == resent
    confirm(created)
    again = submit(petition, email=f"bob.smith+third@{domain}")
    assert again == SignOutcome(signature_id=created.signature_id, kind="already_confirmed")
    assert len(signers(petition)) == 1

    # Dots are not removed there: "bobsmith" is someone else's mailbox.
    other = submit(petition, email=f"bobsmith+petitions@{domain}", name="Bob Other", postcode="KM9 9ZZ")
    assert other.kind == "created"
    assert [s.email_canonical for s in signers(petition)] == [f"bob.smith@{domain}", f"bobsmith@{domain}"]


def test_a_second_person_in_the_household_may_share_the_address(petition: Petition) -> None:
    first = submit(petition, name="Bob Signer", postcode="KM3 3DE")
    second = submit(petition, name="Alice Signer", email="BOB@example.org", postcode="km33de")

    assert first.kind == second.kind == "created"
    assert [(s.name, s.household_slot) for s in signers(petition)] == [("Bob Signer", 0), ("Alice Signer", 1)]
    assert Signature.objects.get(pk=second.signature_id).email_pending is True


def test_a_second_person_at_another_postcode_adds_nothing_and_the_mailbox_is_told(petition: Petition) -> None:
    bob = submit(petition, name="Bob Signer", postcode="KM3 3DE")
    signature_send_confirmations()
    mail.outbox = []

    alice = submit(petition, name="Alice Signer", postcode="KM4 4DD")

    assert alice == SignOutcome(signature_id=bob.signature_id, kind="address_used")
    assert len(signers(petition)) == 1
    assert signature_send_confirmations() == 1
    (message,) = mail.outbox
    assert message.to == ["bob@example.org"]
    assert "Dear Bob Signer," in message.body
    assert "Two people who live at the same postcode may share an email address" in message.body


@pytest.mark.parametrize("postcode", ["KM3 3DE", "KM4 4DD"])
def test_a_third_person_on_one_address_is_refused(petition: Petition, postcode: str) -> None:
    submit(petition, name="Bob Signer")
    submit(petition, name="Alice Signer")
    assert submit(petition, name="Carol Signer", postcode=postcode).kind == "address_used"
    assert len(signers(petition)) == 2


def test_household_members_signing_again_get_their_own_signature(petition: Petition) -> None:
    bob = submit(petition, name="Bob Signer")
    alice = submit(petition, name="Alice Signer")
    assert submit(petition, name="alice  signer") == SignOutcome(signature_id=alice.signature_id, kind="resent")
    assert submit(petition, name="BOB SIGNER") == SignOutcome(signature_id=bob.signature_id, kind="resent")
    assert len(signers(petition)) == 2


def test_the_household_rule_is_per_petition(petition: Petition, moderator: User) -> None:
    other = open_petition(moderator=moderator, action="Another petition")
    submit(petition, name="Bob Signer")
    submit(petition, name="Alice Signer")
    outcome = submit(other, name="Carol Signer", postcode="KM8 8HH")
    assert outcome.kind == "created"
    assert Signature.objects.get(pk=outcome.signature_id).household_slot == 0


def test_signing_again_under_the_same_name_resends_the_email(petition: Petition) -> None:
    created = submit(petition)
    assert signature_send_confirmations() == 1
    signature = Signature.objects.get(pk=created.signature_id)
    assert (signature.email_pending, signature.emails_sent) == (False, 1)

    again = submit(petition, name="bob signer", email="Bob@Example.org", postcode="KM4 4DD")

    assert again == SignOutcome(signature_id=created.signature_id, kind="resent")
    signature.refresh_from_db()
    assert signature.email_pending is True
    # The original details and link stand.
    assert (signature.postcode, signature.email) == ("KM3 3DE", "bob@example.org")
    assert signature_send_confirmations() == 1
    assert [m.to for m in mail.outbox] == [["bob@example.org"], ["bob@example.org"]]
    # The second email says the address has signed already, with the same link.
    link = f"http://testserver/signatures/{signature.pk}/confirm/{signature.token}/"
    assert link in mail.outbox[0].body
    assert link in mail.outbox[1].body
    assert mail.outbox[1].subject == f"You have already signed: {petition.action}"
    assert len(signers(petition)) == 1


def test_signing_again_before_the_email_goes_queues_only_one_email(petition: Petition) -> None:
    for _ in range(3):
        submit(petition)
    assert signature_send_confirmations() == 1
    assert len(mail.outbox) == 1


def test_resending_is_capped_at_three_emails(petition: Petition, settings: Any) -> None:
    assert settings.TOWNHALL["CONFIRMATION_EMAIL_CAP"] == 3
    created = submit(petition)
    signature_send_confirmations()
    for _ in range(2):
        assert submit(petition).kind == "resent"
        signature_send_confirmations()
    assert len(mail.outbox) == 3

    # Past the cap the outcome is the same and nothing more is sent.
    assert submit(petition).kind == "resent"
    signature = Signature.objects.get(pk=created.signature_id)
    assert (signature.email_pending, signature.emails_sent) == (False, 3)
    assert signature_send_confirmations() == 0
    assert len(mail.outbox) == 3


def test_signing_again_after_confirming_sends_an_already_signed_email(petition: Petition) -> None:
    created = submit(petition)
    signature_send_confirmations()
    signature = confirm(created)
    verified_at = signature.verified_at
    mail.outbox = []

    again = submit(petition)

    assert again == SignOutcome(signature_id=created.signature_id, kind="already_confirmed")
    assert signature_send_confirmations() == 1
    (message,) = mail.outbox
    assert message.to == ["bob@example.org"]
    assert message.subject == f"You have already signed: {petition.action}"
    assert "already confirmed and is counted once" in message.body
    assert f"http://testserver/petitions/{petition.pk}/" in message.body
    assert "/confirm/" not in message.body
    signature.refresh_from_db()
    assert signature.state == SignatureState.VERIFIED
    assert signature.verified_at == verified_at


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"name": ""}, "name_blank"),
        ({"name": "   \n  "}, "name_blank"),
        ({"name": "x" * 101}, "name_too_long"),
        ({"email": ""}, "email_invalid"),
        ({"email": "bob"}, "email_invalid"),
        ({"email": "bob@"}, "email_invalid"),
        ({"email": "@example.org"}, "email_invalid"),
        ({"email": "bob@example"}, "email_invalid"),
        ({"email": "bob@@example.org"}, "email_invalid"),
        ({"email": "bob smith@example.org"}, "email_invalid"),
        ({"email": "bob@exa mple.org"}, "email_invalid"),
        ({"email": "bob@example..org"}, "email_invalid"),
        ({"postcode": ""}, "postcode_invalid"),
        ({"postcode": "KM3"}, "postcode_invalid"),
        ({"postcode": "ABC 123"}, "postcode_invalid"),
        ({"postcode": "KM3 3CI"}, "postcode_invalid"),
        ({"postcode": "12 345"}, "postcode_invalid"),
        ({"postcode": "KM3 3DE X"}, "postcode_invalid"),
        ({"declared_eligible": False}, "not_eligible"),
    ],
)
def test_bad_input_is_refused_with_a_specific_code_and_changes_nothing(
    petition: Petition, overrides: dict[str, Any], code: str
) -> None:
    with pytest.raises(DomainError) as excinfo:
        submit(petition, **overrides)
    assert excinfo.value.code == code
    assert excinfo.value.message
    assert signers(petition) == []


def test_bad_input_messages_say_what_to_do(petition: Petition) -> None:
    messages = {}
    for overrides in ({"name": ""}, {"email": "bob"}, {"postcode": "nope"}, {"declared_eligible": False}):
        with pytest.raises(DomainError) as excinfo:
            submit(petition, **overrides)
        messages[excinfo.value.code] = excinfo.value.message
    assert messages == {
        "name_blank": "Enter your name.",
        "email_invalid": "Enter your email address in the right format, like name@example.com.",
        "postcode_invalid": "Enter a real postcode, like SW1A 1AA.",
        "not_eligible": "Confirm the declaration: “I live, work or study in the borough”.",
    }


def test_a_name_of_exactly_100_characters_is_accepted(petition: Petition) -> None:
    outcome = submit(petition, name="x" * 100)
    assert Signature.objects.get(pk=outcome.signature_id).name == "x" * 100


def test_a_name_on_several_lines_is_kept_on_one(petition: Petition) -> None:
    outcome = submit(petition, name="Bob\nSigner")
    assert Signature.objects.get(pk=outcome.signature_id).name == "Bob Signer"


def test_a_closed_petition_cannot_be_signed(petition: Petition) -> None:
    assert petition.deadline_at == datetime.datetime(2025, 9, 10, 11, 0, tzinfo=UTC)  # 12:00 BST
    petition_close_expired(now=petition.deadline_at)
    with pytest.raises(InvalidState) as excinfo:
        submit(petition)
    assert excinfo.value.code == "petition_closed"
    assert excinfo.value.message == "This petition closed on 10 September 2025, so it can no longer be signed."
    assert signers(petition) == []


def test_a_closed_petition_cannot_be_signed_with_the_sponsor_link_either(petition: Petition) -> None:
    petition_close_expired(now=petition.deadline_at)
    with pytest.raises(InvalidState) as excinfo:
        submit(petition, sponsor_token=petition.sponsor_token)
    assert excinfo.value.code == "petition_closed"


def test_a_rejected_petition_cannot_be_signed(scheme: Scheme, moderator: User) -> None:
    petition = _awaiting_moderation(scheme)
    petition_reject(petition_id=petition.pk, reason="duplicate", details="", actor=moderator)
    with pytest.raises(InvalidState) as excinfo:
        submit(petition)
    assert excinfo.value.code == "petition_rejected"
    assert excinfo.value.message == "This petition was rejected, so it cannot be signed."
    with pytest.raises(InvalidState):
        submit(petition, sponsor_token=petition.sponsor_token)
    assert signers(petition) == []


def test_a_removed_petition_is_gone(petition: Petition, moderator: User) -> None:
    petition_remove(petition_id=petition.pk, actor=moderator)
    with pytest.raises(Gone) as excinfo:
        submit(petition)
    assert excinfo.value.http_status == 410
    assert excinfo.value.message == "This petition has been removed."
    assert signers(petition) == []


@pytest.mark.parametrize("state", ["pending", "sponsoring", "awaiting_moderation"])
def test_an_unpublished_petition_cannot_be_signed_by_the_public(scheme: Scheme, state: str) -> None:
    petition = make_petition()
    if state != "pending":
        petition_confirm_creator(petition_id=petition.pk, token=petition.creator_token)
    if state == "awaiting_moderation":
        petition = _awaiting_moderation(scheme)
    petition.refresh_from_db()
    assert petition.state == state
    with pytest.raises(NotFound) as excinfo:
        submit(petition)
    assert excinfo.value.message == "There is no published petition with that number."
    assert signers(petition) == []


def test_signing_a_missing_petition_is_not_found(scheme: Scheme) -> None:
    with pytest.raises(NotFound):
        signature_create(
            petition_id=99999,
            name="Bob",
            email="bob@example.org",
            postcode="KM3 3DE",
            declared_eligible=True,
            wants_updates=False,
        )
    assert not Signature.objects.exists()


@pytest.mark.parametrize("token", ["", "wrong-token", "creator"])
def test_a_wrong_sponsor_token_is_not_found(scheme: Scheme, token: str) -> None:
    petition = make_petition()
    petition_confirm_creator(petition_id=petition.pk, token=petition.creator_token)
    if token == "creator":
        token = petition.creator_token
    with pytest.raises(NotFound) as excinfo:
        submit(petition, sponsor_token=token)
    assert "sponsor link is not valid" in excinfo.value.message
    assert not Signature.objects.filter(petition=petition).exists()


def test_a_wrong_sponsor_token_on_an_open_petition_is_not_found(petition: Petition) -> None:
    with pytest.raises(NotFound):
        submit(petition, sponsor_token="not-the-token")
    assert signers(petition) == []


def test_the_sponsor_link_makes_a_sponsor_only_before_publication(scheme: Scheme, petition: Petition) -> None:
    sponsoring = make_petition(action="Sponsoring petition")
    petition_confirm_creator(petition_id=sponsoring.pk, token=sponsoring.creator_token)
    as_sponsor = submit(sponsoring, sponsor_token=sponsoring.sponsor_token)
    assert Signature.objects.get(pk=as_sponsor.signature_id).is_sponsor is True

    late = submit(petition, sponsor_token=petition.sponsor_token)
    assert Signature.objects.get(pk=late.signature_id).is_sponsor is False


def test_the_creator_must_confirm_before_sponsors_can_sign(scheme: Scheme) -> None:
    petition = make_petition()
    with pytest.raises(NotFound):
        submit(petition, sponsor_token=petition.sponsor_token)
    assert not Signature.objects.exists()


def test_a_signature_records_the_version_of_the_text_signed(petition: Petition) -> None:
    first = submit(petition, email="first@example.org")
    version_1 = petition.current_version
    assert version_1 is not None
    assert version_1.number == 1
    version_2 = PetitionVersion.objects.create(
        petition=petition,
        number=2,
        action=petition.action,
        background="Corrected background.",
        additional_details="",
        created_at=SIGNING_STARTS_AT + datetime.timedelta(days=1),
    )
    Petition.objects.filter(pk=petition.pk).update(current_version=version_2)

    second = submit(petition, email="second@example.org")

    assert Signature.objects.get(pk=first.signature_id).petition_version == version_1
    assert Signature.objects.get(pk=second.signature_id).petition_version == version_2


def test_signing_again_renews_an_expired_link(petition: Petition) -> None:
    with time_machine.travel(SIGNING_STARTS_AT, tick=False):
        created = submit(petition)
    expires = SIGNING_STARTS_AT + LINK_DAYS
    assert Signature.objects.get(pk=created.signature_id).link_expires_at == expires

    # Before expiry, signing again leaves the expiry alone.
    with time_machine.travel(SIGNING_STARTS_AT + datetime.timedelta(days=10), tick=False):
        assert submit(petition).kind == "resent"
    assert Signature.objects.get(pk=created.signature_id).link_expires_at == expires

    later = SIGNING_STARTS_AT + datetime.timedelta(days=45)
    with time_machine.travel(later, tick=False):
        with pytest.raises(Gone):
            confirm(created)
        assert submit(petition).kind == "resent"
        signature = Signature.objects.get(pk=created.signature_id)
        assert signature.link_expires_at == later + LINK_DAYS
        assert signature.email_pending is True
        assert confirm(created).state == SignatureState.VERIFIED


def test_a_fraudulent_signer_signing_again_sees_a_normal_outcome(petition: Petition) -> None:
    created = submit(petition)
    signature_send_confirmations()
    Signature.objects.filter(pk=created.signature_id).update(state=SignatureState.FRAUDULENT)
    for _ in range(5):  # never capped, never told anything
        assert submit(petition) == SignOutcome(signature_id=created.signature_id, kind="resent")
    signature = Signature.objects.get(pk=created.signature_id)
    assert signature.state == SignatureState.FRAUDULENT
    assert signature.email_pending is False


# --- signature_confirm -------------------------------------------------------------------


def test_confirming_verifies_the_signature_and_leaves_the_count_to_the_counter(petition: Petition) -> None:
    created = submit(petition)
    signature = Signature.objects.get(pk=created.signature_id)
    with time_machine.travel(SIGNING_STARTS_AT + datetime.timedelta(days=3), tick=False):
        outcome = signature_confirm(signature_id=signature.pk, token=signature.token)

    assert outcome.kind == "confirmed"
    assert outcome.signature.pk == signature.pk
    signature.refresh_from_db()
    assert signature.state == SignatureState.VERIFIED
    assert signature.verified_at == SIGNING_STARTS_AT + datetime.timedelta(days=3)
    assert signature.counted_at is None
    petition.refresh_from_db()
    assert petition.signature_count == 0


@pytest.mark.parametrize("token", ["", "nope", "other-signature"])
def test_confirming_with_a_wrong_token_is_not_found(petition: Petition, token: str) -> None:
    signature = Signature.objects.get(pk=submit(petition).signature_id)
    if token == "other-signature":
        token = Signature.objects.get(pk=submit(petition, email="other@example.org").signature_id).token
    with pytest.raises(NotFound) as excinfo:
        signature_confirm(signature_id=signature.pk, token=token)
    assert excinfo.value.code == "bad_token"
    assert "not valid" in excinfo.value.message
    signature.refresh_from_db()
    assert signature.state == SignatureState.PENDING
    assert signature.verified_at is None


def test_confirming_a_missing_signature_is_not_found(scheme: Scheme) -> None:
    with pytest.raises(NotFound) as excinfo:
        signature_confirm(signature_id=123456, token="x" * 32)
    assert excinfo.value.code == "bad_token"


def test_a_link_expires_after_thirty_days(petition: Petition, settings: Any) -> None:
    assert settings.TOWNHALL["CONFIRMATION_LINK_DAYS"] == 30
    with time_machine.travel(SIGNING_STARTS_AT, tick=False):
        late = submit(petition, email="late@example.org")
        on_time = submit(petition, email="ontime@example.org")

    with (
        time_machine.travel(SIGNING_STARTS_AT + LINK_DAYS + datetime.timedelta(seconds=1), tick=False),
        pytest.raises(Gone) as excinfo,
    ):
        confirm(late)
    assert excinfo.value.code == "token_expired"
    assert "Sign the petition again" in excinfo.value.message
    assert Signature.objects.get(pk=late.signature_id).state == SignatureState.PENDING

    with time_machine.travel(SIGNING_STARTS_AT + LINK_DAYS - datetime.timedelta(seconds=1), tick=False):
        assert confirm(on_time).state == SignatureState.VERIFIED


def test_confirming_twice_changes_nothing_the_second_time(petition: Petition) -> None:
    created = submit(petition)
    signature = Signature.objects.get(pk=created.signature_id)
    with time_machine.travel(SIGNING_STARTS_AT + datetime.timedelta(days=1), tick=False):
        first = signature_confirm(signature_id=signature.pk, token=signature.token)
    # Even after the link would have expired, a used link just says "already confirmed".
    with time_machine.travel(SIGNING_STARTS_AT + datetime.timedelta(days=90), tick=False):
        second = signature_confirm(signature_id=signature.pk, token=signature.token)

    assert (first.kind, second.kind) == ("confirmed", "already_confirmed")
    signature.refresh_from_db()
    assert signature.state == SignatureState.VERIFIED
    assert signature.verified_at == SIGNING_STARTS_AT + datetime.timedelta(days=1)


def test_a_petition_closed_before_confirmation_refuses_it(petition: Petition) -> None:
    created = submit(petition)
    assert petition.deadline_at is not None
    with time_machine.travel(petition.deadline_at + datetime.timedelta(minutes=5), tick=False):
        petition_close_expired()
        with pytest.raises(InvalidState) as excinfo:
            confirm(created)
    assert excinfo.value.code == "petition_closed"
    assert "closed before you confirmed" in excinfo.value.message
    signature = Signature.objects.get(pk=created.signature_id)
    assert signature.state == SignatureState.PENDING
    assert signature.verified_at is None


def test_a_signature_confirmed_before_closing_still_counts(petition: Petition) -> None:
    assert petition.deadline_at is not None
    with time_machine.travel(petition.deadline_at - datetime.timedelta(days=2), tick=False):
        created = submit(petition)
    with time_machine.travel(petition.deadline_at - datetime.timedelta(minutes=1), tick=False):
        confirm(created)
    petition_close_expired(now=petition.deadline_at)
    assert signature_count_new().counted == 5 + 1
    petition.refresh_from_db()
    assert petition.state == PetitionState.CLOSED
    assert petition.signature_count == 6
    # And it was confirmed already: using the link again after closing is harmless.
    signature = Signature.objects.get(pk=created.signature_id)
    assert signature_confirm(signature_id=signature.pk, token=signature.token).kind == "already_confirmed"


def test_confirming_on_a_removed_petition_is_refused(petition: Petition, moderator: User) -> None:
    created = submit(petition)
    petition_remove(petition_id=petition.pk, actor=moderator)
    with pytest.raises(InvalidState) as excinfo:
        confirm(created)
    assert excinfo.value.code == "petition_state"
    assert Signature.objects.get(pk=created.signature_id).state == SignatureState.PENDING


def test_an_invalidated_signature_cannot_be_confirmed(petition: Petition) -> None:
    created = submit(petition)
    Signature.objects.filter(pk=created.signature_id).update(state=SignatureState.INVALIDATED)
    with pytest.raises(Gone) as excinfo:
        confirm(created)
    assert excinfo.value.code == "signature_removed"
    assert Signature.objects.get(pk=created.signature_id).state == SignatureState.INVALIDATED


def test_a_fraudulent_signature_confirms_silently_without_counting(petition: Petition) -> None:
    created = submit(petition)
    Signature.objects.filter(pk=created.signature_id).update(state=SignatureState.FRAUDULENT)
    signature = Signature.objects.get(pk=created.signature_id)

    for _ in range(2):
        outcome = signature_confirm(signature_id=signature.pk, token=signature.token)
        assert outcome.kind == "confirmed"

    signature.refresh_from_db()
    assert signature.state == SignatureState.FRAUDULENT
    assert signature.verified_at is None
    assert signature_count_new().counted == 5  # the sponsors only
    petition.refresh_from_db()
    assert petition.signature_count == 5


def test_a_sponsor_may_confirm_while_the_petition_awaits_moderation(scheme: Scheme) -> None:
    petition = _awaiting_moderation(scheme)
    late = submit(petition, name="Late Sponsor", sponsor_token=petition.sponsor_token)
    assert confirm(late).state == SignatureState.VERIFIED
    petition.refresh_from_db()
    assert petition.state == PetitionState.AWAITING_MODERATION


def _awaiting_moderation(scheme: Scheme) -> Petition:
    petition = make_petition(action="Awaiting moderation")
    petition_confirm_creator(petition_id=petition.pk, token=petition.creator_token)
    for n in range(scheme.sponsor_count):
        confirm(submit(petition, name=f"Sponsor {n}", email=f"s{n}@example.org", sponsor_token=petition.sponsor_token))
    petition.refresh_from_db()
    assert petition.state == PetitionState.AWAITING_MODERATION
    return petition


def test_confirming_after_the_deadline_is_refused_before_the_scheduler_closes_it(petition: Petition) -> None:
    created = submit(petition)
    assert petition.deadline_at is not None
    # The closer runs every minute or so; in between, the petition is still marked open.
    with time_machine.travel(petition.deadline_at + datetime.timedelta(seconds=30), tick=False):
        with pytest.raises(InvalidState) as excinfo:
            confirm(created)
        assert excinfo.value.code == "petition_closed"
    assert Signature.objects.get(pk=created.signature_id).state == SignatureState.PENDING
    assert signature_count_new().counted == 5  # the sponsors only


def test_signing_after_the_deadline_is_refused_before_the_scheduler_closes_it(petition: Petition) -> None:
    assert petition.deadline_at is not None
    with time_machine.travel(petition.deadline_at + datetime.timedelta(seconds=30), tick=False):
        with pytest.raises(InvalidState) as excinfo:
            submit(petition)
        assert excinfo.value.code == "petition_closed"
        assert excinfo.value.message == "This petition closed on 10 September 2025, so it can no longer be signed."
        with pytest.raises(InvalidState):
            submit(petition, sponsor_token=petition.sponsor_token)
    assert signers(petition) == []
    # A second before the deadline it could still be signed and confirmed.
    with time_machine.travel(petition.deadline_at - datetime.timedelta(seconds=1), tick=False):
        assert confirm(submit(petition)).state == SignatureState.VERIFIED
