"""The outbox against a real SMTP server: each letter's outcome is its own.

A 5xx for one recipient marks that letter refused and never touches another; a server
that is away defers letters and sends each exactly once when it is back; a 4xx is tried
again with backoff and given up after EMAIL_MAX_ATTEMPTS; the one repeat possible is the
letter a crash interrupts after the server accepted it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from tests.builders import open_petition, sign
from tests.mail.smtp import MailServer
from townhall.accounts.models import User
from townhall.accounts.services import letters_retry
from townhall.core.errors import PermissionDeniedError
from townhall.mail.models import LetterStatus, QueuedEmail
from townhall.mail.selectors import letters_owed, outbox_health
from townhall.mail.services import Letter, letters_send_due, queue_letters, retry_delay, send_queued_letters
from townhall.schemes.models import Scheme
from townhall.signatures.services import signature_send_confirmations

pytestmark = pytest.mark.django_db


@pytest.fixture
def server(settings: Any) -> Iterator[MailServer]:
    """A real SMTP server on 127.0.0.1, with retries due at once (no waiting in tests)."""
    smtp = MailServer()
    smtp.start()
    settings.MAILERS = smtp.mailer_settings()
    settings.TOWNHALL = {**settings.TOWNHALL, "EMAIL_RETRY_BASE_SECONDS": 0, "EMAIL_MAX_ATTEMPTS": 3}
    try:
        yield smtp
    finally:
        smtp.stop()


def letters(n: int, *, prefix: str = "notice") -> list[Letter]:
    return [
        Letter(dedupe_key=f"{prefix}:{i}", to=f"person{i}@example.org", subject=f"Notice {i}", body=f"Body {i}\n")
        for i in range(n)
    ]


def status_of(address: str) -> QueuedEmail:
    return QueuedEmail.objects.get(to=address)


def test_a_550_for_one_recipient_refuses_that_letter_alone(server: MailServer) -> None:
    server.refuse.add("person20@example.org")
    queue_letters(letters(50))

    run = letters_send_due()

    assert run.outcomes == {LetterStatus.SENT: 49, LetterStatus.REFUSED: 1}
    refused = status_of("person20@example.org")
    assert refused.status == LetterStatus.REFUSED
    assert refused.last_error == "550 5.1.1 No such user here"
    assert (refused.attempts, refused.sent_at) == (1, None)
    assert refused.gave_up_at is not None
    assert server.delivered == {f"person{i}@example.org": 1 for i in range(50) if i != 20}
    # Refused for good: never tried again, and the others are not sent twice.
    assert letters_send_due().tried == 0
    assert sum(server.delivered.values()) == 49
    assert (outbox_health().refused, outbox_health().queued) == (1, 0)


def test_a_refused_confirmation_does_not_hold_back_or_repeat_the_batch(
    server: MailServer, scheme: Scheme, moderator: User
) -> None:
    petition = open_petition(moderator=moderator)
    signature_send_confirmations()
    server.delivered.clear()
    signers = [sign(petition, n, confirm=False) for n in range(12)]
    server.refuse.add(signers[5].email)

    assert signature_send_confirmations(batch_size=4) == 12
    for _ in range(3):  # later runs, as the scheduler would make them
        signature_send_confirmations(batch_size=4)

    assert server.delivered == {s.email: 1 for s in signers if s != signers[5]}
    assert status_of(signers[5].email).status == LetterStatus.REFUSED
    assert QueuedEmail.objects.filter(dedupe_key__startswith="signature:", status=LetterStatus.SENT).count() >= 11


def test_one_run_sends_over_one_connection(server: MailServer) -> None:
    """Opening a connection (and greeting the server) for every letter would slow every
    confirmation email: a run keeps one open, also past a refused recipient."""
    server.refuse.add("person3@example.org")
    queue_letters(letters(10))
    assert letters_send_due().sent == 9
    assert server.greetings == 1


def test_a_5xx_after_the_message_data_is_a_refusal_too(server: MailServer) -> None:
    server.refuse_data.add("person1@example.org")
    queue_letters(letters(3))
    assert letters_send_due().outcomes == {LetterStatus.SENT: 2, LetterStatus.REFUSED: 1}
    assert status_of("person1@example.org").last_error.startswith("554 5.6.0")


def test_a_server_away_defers_and_everything_goes_once_when_it_is_back(server: MailServer) -> None:
    queue_letters(letters(20))
    server.stop()

    run = letters_send_due()

    # The first try finds nobody there: that letter waits, and the run stops rather than
    # spend every letter's tries on a server that is not there.
    assert run.outcomes == {LetterStatus.DEFERRED: 1}
    deferred = QueuedEmail.objects.get(status=LetterStatus.DEFERRED)
    assert "ConnectionRefusedError" in deferred.last_error
    assert (outbox_health().deferred, outbox_health().queued) == (1, 19)

    server.start()
    assert send_queued_letters() == 20
    assert server.delivered == {f"person{i}@example.org": 1 for i in range(20)}
    assert not letters_owed()
    assert QueuedEmail.objects.get(pk=deferred.pk).attempts == 2


def test_a_4xx_is_retried_with_backoff_then_given_up(server: MailServer, settings: Any) -> None:
    server.defer.add("person0@example.org")
    queue_letters(letters(2))

    assert letters_send_due().outcomes == {LetterStatus.SENT: 1, LetterStatus.DEFERRED: 1}
    letter = status_of("person0@example.org")
    assert (letter.status, letter.attempts, letter.last_error) == (
        LetterStatus.DEFERRED,
        1,
        "451 4.2.0 Mailbox busy, try later",
    )
    assert letters_send_due().outcomes == {LetterStatus.DEFERRED: 1}
    assert letters_send_due().outcomes == {LetterStatus.FAILED: 1}  # the third try of three
    letter.refresh_from_db()
    assert letter.status == LetterStatus.FAILED
    assert letter.gave_up_at is not None
    assert letters_send_due().tried == 0
    assert outbox_health().failed == 1


def test_backoff_doubles_up_to_its_cap(settings: Any) -> None:
    settings.TOWNHALL = {**settings.TOWNHALL, "EMAIL_RETRY_BASE_SECONDS": 30, "EMAIL_RETRY_MAX_SECONDS": 600}
    assert [retry_delay(n).total_seconds() for n in range(1, 7)] == [30, 60, 120, 240, 480, 600]


def test_a_deferred_letter_waits_for_its_time(server: MailServer, settings: Any) -> None:
    settings.TOWNHALL = {**settings.TOWNHALL, "EMAIL_RETRY_BASE_SECONDS": 3600}
    server.defer.add("person0@example.org")
    queue_letters(letters(1))
    assert letters_send_due().outcomes == {LetterStatus.DEFERRED: 1}
    server.defer.clear()
    assert not letters_owed()
    assert letters_send_due().tried == 0


def test_a_crash_after_the_server_accepted_repeats_that_one_letter_once(server: MailServer, monkeypatch: Any) -> None:
    """The documented bound: the mail server took the letter, then the process died before
    its transaction committed. The letter is sent again: one extra copy of one letter."""
    queue_letters(letters(3))

    def crash(*args: Any, **kwargs: Any) -> None:
        raise SystemExit("killed")

    monkeypatch.setattr("townhall.mail.services._record", crash)
    with pytest.raises(SystemExit):
        letters_send_due()
    monkeypatch.undo()

    assert letters_send_due().sent == 3
    assert server.delivered == {"person0@example.org": 2, "person1@example.org": 1, "person2@example.org": 1}


def test_letters_a_person_waits_for_go_before_notices(server: MailServer) -> None:
    from townhall.mail.models import LetterPriority

    queue_letters(letters(5, prefix="notice"))
    queue_letters(
        [
            Letter(
                dedupe_key="confirm:1",
                to="waiting@example.org",
                subject="Confirm",
                body="Link\n",
                priority=LetterPriority.WAITING,
            )
        ]
    )
    letters_send_due(limit=1)
    assert list(server.delivered) == ["waiting@example.org"]


def test_an_administrator_sends_failed_letters_again(server: MailServer, administrator: User, moderator: User) -> None:
    server.defer.add("person0@example.org")
    server.refuse.add("person1@example.org")
    queue_letters(letters(3))
    for _ in range(3):
        letters_send_due()
    assert (outbox_health().failed, outbox_health().refused) == (1, 1)

    with pytest.raises(PermissionDeniedError):
        letters_retry(actor=moderator)
    server.defer.clear()
    assert letters_retry(actor=administrator) == 1  # every failed letter; refused stay refused
    assert send_queued_letters() == 1
    assert server.delivered["person0@example.org"] == 1

    refused = status_of("person1@example.org")
    server.refuse.clear()
    assert letters_retry(actor=administrator, letter_ids=[refused.pk]) == 1
    assert send_queued_letters() == 1
    assert outbox_health().needs_attention is False


def test_every_email_the_site_sends_goes_through_the_outbox(scheme: Scheme, moderator: User) -> None:
    """Whatever sends mail — here a petition's life from creation to a decision, and its
    signers' confirmations — leaves a QueuedEmail row for each letter delivered."""
    petition = open_petition(moderator=moderator)
    sign(petition, 1, confirm=False)
    signature_send_confirmations()
    send_queued_letters()
    assert mail.outbox, "the petition's life sends mail"
    rows = set(QueuedEmail.objects.filter(status=LetterStatus.SENT).values_list("to", "subject"))
    assert {(m.to[0], m.subject) for m in mail.outbox} <= rows


def test_the_staff_home_shows_the_outbox_health_and_administrators_the_letters(
    server: MailServer, administrator: User, moderator: User, client: Any
) -> None:
    server.refuse.add("person1@example.org")
    server.defer.add("person2@example.org")
    queue_letters(letters(4))
    letters_send_due()

    client.force_login(moderator)
    home = client.get(reverse("accounts:home")).content.decode()
    figures = dict(re.findall(r'data-figure="(\w+)">(\d+)<', home))
    assert figures == {"queued": "0", "deferred": "1", "refused": "1", "failed": "0"}
    assert "An administrator can see them" in home
    assert client.get(reverse("accounts:email")).status_code == 403

    client.force_login(administrator)
    page = client.get(reverse("accounts:email")).content.decode()
    assert "550 5.1.1 No such user here" in page
    assert "person1@example.org" in page
    assert "451 4.2.0 Mailbox busy" in page
    refused = status_of("person1@example.org")
    server.refuse.clear()
    response = client.post(reverse("accounts:email"), {"letter": str(refused.pk)})
    assert response.status_code == 302
    assert status_of("person1@example.org").status == LetterStatus.QUEUED
    assert client.post(reverse("accounts:email"), {"letter": "²"}).status_code == 302
    assert status_of("person2@example.org").status == LetterStatus.DEFERRED
