"""Confirmation emails: the signature row is the outbox; a burst loses and repeats nothing."""

from __future__ import annotations

import re
import threading
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.db import connection

from tests.builders import SIGNING_STARTS_AT, attempt_signature, open_petition, sign, sponsoring_petition
from tests.conftest import links_in
from townhall.accounts.models import User
from townhall.core.tokens import link_token
from townhall.mail.models import QueuedEmail
from townhall.mail.services import send_queued_letters
from townhall.petitions.models import Petition
from townhall.schemes.models import Scheme
from townhall.signatures.models import Signature, SignatureState
from townhall.signatures.services import (
    signature_confirm,
    signature_emails_owed,
    signature_send_confirmations,
)
from townhall.signatures.tasks import confirmation_emails_dispatch

CONFIRM_LINK = re.compile(r"^http://testserver/signatures/(\d+)/confirm/([^/]+)/$")


@pytest.fixture
def petition(scheme: Scheme, moderator: User) -> Petition:
    """An open petition whose sponsors' confirmation emails have already been sent."""
    petition = open_petition(moderator=moderator)
    assert signature_send_confirmations() == scheme.sponsor_count
    mail.outbox = []
    return petition


def confirm_link(signature: Signature) -> str:
    return f"http://testserver/signatures/{signature.pk}/confirm/{signature.token}/"


def emailed_links(signature: Signature) -> list[str]:
    """Every confirmation email carries the confirm link and the withdraw link (whose token
    is the withdraw purpose's own, so the confirm link cannot withdraw)."""
    withdraw = link_token(signature.token, "withdraw")
    return [confirm_link(signature), f"http://testserver/signatures/{signature.pk}/withdraw/{withdraw}/"]


@pytest.mark.django_db
def test_a_burst_gets_exactly_one_email_each_with_the_right_link(petition: Petition) -> None:
    burst = [sign(petition, n, postcode="KM6 6FF", confirm=False) for n in range(7)]
    assert signature_emails_owed()

    with time_machine.travel(SIGNING_STARTS_AT, tick=False):
        sent = signature_send_confirmations(batch_size=3)

    assert sent == 7
    assert len(mail.outbox) == 7
    by_recipient = {tuple(m.to): m for m in mail.outbox}
    assert set(by_recipient) == {(s.email,) for s in burst}
    for signature in burst:
        message = by_recipient[(signature.email,)]
        assert message.subject == f"Please confirm your signature: {petition.action}"
        assert f"Dear {signature.name}," in message.body
        assert links_in(message.body) == emailed_links(signature)
        signature.refresh_from_db()
        assert (signature.email_pending, signature.emails_sent, signature.email_sent_at) == (
            False,
            1,
            SIGNING_STARTS_AT,
        )
    assert not signature_emails_owed()

    # Running the sender again sends nothing more.
    assert signature_send_confirmations(batch_size=3) == 0
    assert signature_send_confirmations() == 0
    assert len(mail.outbox) == 7


@pytest.mark.django_db
@pytest.mark.parametrize("size", [1, 2, 5, 6, 200])
def test_batch_size_never_changes_what_is_sent(petition: Petition, size: int) -> None:
    burst = [sign(petition, n, postcode="KM6 6FF", confirm=False) for n in range(6)]
    assert signature_send_confirmations(batch_size=size) == 6
    assert sorted(m.to[0] for m in mail.outbox) == sorted(s.email for s in burst)


@pytest.mark.django_db
def test_the_emailed_link_confirms_the_signature(petition: Petition) -> None:
    signature = sign(petition, 1, postcode="KM6 6FF", confirm=False)
    signature_send_confirmations()
    link, _withdraw = links_in(mail.outbox[0].body)
    match = CONFIRM_LINK.match(link)
    assert match is not None
    outcome = signature_confirm(signature_id=int(match.group(1)), token=match.group(2))
    assert outcome.kind == "confirmed"
    signature.refresh_from_db()
    assert signature.state == SignatureState.VERIFIED


@pytest.mark.django_db
def test_a_re_requested_email_is_sent_once_more(petition: Petition) -> None:
    first = sign(petition, 1, postcode="KM6 6FF", confirm=False)
    second = sign(petition, 2, postcode="KM6 6FF", confirm=False)
    assert signature_send_confirmations() == 2
    mail.outbox = []

    assert sign(petition, 1, postcode="KM6 6FF", confirm=False).pk == first.pk  # same person again: re-request
    assert signature_send_confirmations() == 1
    assert signature_send_confirmations() == 0

    (message,) = mail.outbox
    assert message.to == [first.email]
    assert links_in(message.body) == emailed_links(first)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.emails_sent, second.emails_sent) == (2, 1)


@pytest.mark.django_db
def test_sponsors_are_asked_to_confirm_their_sponsorship(scheme: Scheme) -> None:
    petition = sponsoring_petition()
    outcome = attempt_signature(
        petition, name="Sam Sponsor", email="sam@example.org", postcode="KM2 2BB", sponsor_token=petition.sponsor_token
    )
    assert signature_send_confirmations() == 1
    (message,) = mail.outbox
    assert "You asked to sponsor the petition" in message.body
    assert links_in(message.body) == emailed_links(Signature.objects.get(pk=outcome.signature_id))


@pytest.mark.django_db
def test_caught_signatures_get_the_usual_email_and_invalidated_ones_none(petition: Petition) -> None:
    honest = sign(petition, 1, postcode="KM6 6FF", confirm=False)
    fraud = sign(petition, 2, postcode="KM6 6FF", confirm=False)
    invalid = sign(petition, 3, postcode="KM6 6FF", confirm=False)
    Signature.objects.filter(pk=fraud.pk).update(state=SignatureState.FRAUDULENT)
    Signature.objects.filter(pk=invalid.pk).update(state=SignatureState.INVALIDATED)

    # A caught signature is never told: it gets the same confirmation email as anyone.
    assert signature_send_confirmations() == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([honest.email, fraud.email])
    assert not signature_emails_owed()


@pytest.mark.django_db
def test_a_failed_delivery_loses_nothing(petition: Petition, monkeypatch: pytest.MonkeyPatch, settings: Any) -> None:
    settings.TOWNHALL = {**settings.TOWNHALL, "EMAIL_RETRY_BASE_SECONDS": 0}
    burst = [sign(petition, n, postcode="KM6 6FF", confirm=False) for n in range(3)]

    def refuse(self: Any, messages: Any) -> int:
        raise ConnectionError("mail server down")

    with monkeypatch.context() as patched:
        patched.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
        assert signature_send_confirmations() == 3

    # Each email is a letter in the outbox: the one tried is deferred, the rest wait.
    keys = [f"signature:{s.pk}:email:1" for s in burst]
    assert sorted(QueuedEmail.objects.filter(dedupe_key__in=keys).values_list("status", flat=True)) == [
        "deferred",
        "queued",
        "queued",
    ]
    assert mail.outbox == []
    assert not signature_emails_owed()
    # The mail server is back: every letter goes, once.
    assert send_queued_letters() == 3
    assert send_queued_letters() == 0
    assert sorted(m.to[0] for m in mail.outbox) == sorted(s.email for s in burst)


@pytest.mark.django_db
def test_dispatch_queues_a_drain_only_when_something_is_owed(petition: Petition) -> None:
    assert confirmation_emails_dispatch() is False
    assert mail.outbox == []

    burst = [sign(petition, n, postcode="KM6 6FF", confirm=False) for n in range(4)]
    # The task backend runs the drain at once in tests.
    assert confirmation_emails_dispatch() is True
    assert sorted(m.to[0] for m in mail.outbox) == sorted(s.email for s in burst)

    assert confirmation_emails_dispatch() is False
    assert len(mail.outbox) == 4


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_several_workers_send_each_email_once(scheme: Scheme, moderator: User) -> None:
    petition = open_petition(moderator=moderator)
    signature_send_confirmations()
    mail.outbox = []
    burst = [sign(petition, n, postcode="KM6 6FF", confirm=False) for n in range(60)]
    totals: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def work() -> None:
        try:
            start.wait()
            totals.append(signature_send_confirmations(batch_size=5))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    leftover = signature_send_confirmations()
    assert sum(totals) + leftover == 60
    recipients = [m.to[0] for m in mail.outbox]
    assert sorted(recipients) == sorted(s.email for s in burst)
    assert Signature.objects.filter(emails_sent=1, email_pending=False, is_sponsor=False).count() == 60
