"""Retention: one run of the anonymiser (the scheduler's `anonymise` job) removes personal
data past its period from every table that holds it, and leaves rows within it alone."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tests.builders import open_petition, sign
from townhall.accounts.models import User
from townhall.core import scheduler
from townhall.core.retention import covered_models
from townhall.engagement.models import ContactMessage
from townhall.mail.backends import OutboxBackend
from townhall.mail.models import OutboxMessage, QueuedEmail
from townhall.mail.services import Letter, queue_letters, send_queued_letters
from townhall.signatures.models import Signature, SignatureState

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def run_anonymiser() -> None:
    job = next(job for job in scheduler.registered_jobs() if job.name == "anonymise")
    job.func()


def days(key: str) -> datetime.timedelta:
    return int(settings.TOWNHALL[key]) * DAY


def test_sent_letters_lose_address_and_body_after_their_period() -> None:
    queue_letters([Letter(dedupe_key=f"t:{n}", to=f"r{n}@example.org", subject="S", body="Dear r") for n in range(3)])
    send_queued_letters()
    queue_letters([Letter(dedupe_key="t:unsent", to="u@example.org", subject="S", body="Dear u")])
    old = timezone.now() - days("SENT_LETTER_RETENTION_DAYS") - DAY
    QueuedEmail.objects.filter(dedupe_key__in=["t:0", "t:1"]).update(sent_at=old, created_at=old)
    QueuedEmail.objects.filter(dedupe_key="t:unsent").update(created_at=old)

    run_anonymiser()

    forgotten = QueuedEmail.objects.filter(dedupe_key__in=["t:0", "t:1"])
    assert [(letter.to, letter.body, letter.headers) for letter in forgotten] == [("", "", {})] * 2
    assert QueuedEmail.objects.get(dedupe_key="t:2").to == "r2@example.org"  # within its period
    assert QueuedEmail.objects.get(dedupe_key="t:unsent").to == "u@example.org"  # still owed
    # The key stays, so the same letter is never queued again.
    assert queue_letters([Letter(dedupe_key="t:0", to="r0@example.org", subject="S", body="B")]) == 0


def test_outbox_messages_are_deleted_after_the_sent_letter_period() -> None:
    OutboxBackend().send_messages(
        [EmailMessage("Old", "B", to=["o@example.org"]), EmailMessage("New", "B", to=["n@x.org"])]
    )
    OutboxMessage.objects.filter(subject="Old").update(
        created_at=timezone.now() - days("SENT_LETTER_RETENTION_DAYS") - DAY
    )
    run_anonymiser()
    assert list(OutboxMessage.objects.values_list("subject", flat=True)) == ["New"]


def _task_row(status: str, finished: datetime.datetime | None) -> DBTaskResult:
    return DBTaskResult.objects.create(
        status=status,
        task_path="townhall.mail.tasks.send_queued_emails",
        args_kwargs={"args": [], "kwargs": {"to": "someone@example.org"}},
        queue_name="email",
        backend_name="default",
        finished_at=finished,
        run_after=None,
    )


def test_finished_task_rows_are_deleted_after_their_period() -> None:
    old = timezone.now() - days("TASK_RESULT_RETENTION_DAYS") - DAY
    done_long_ago = _task_row("SUCCESSFUL", old)
    failed_long_ago = _task_row("FAILED", old)
    recent = _task_row("SUCCESSFUL", timezone.now())
    waiting = _task_row("READY", None)
    run_anonymiser()
    left = set(DBTaskResult.objects.values_list("pk", flat=True))
    assert done_long_ago.pk not in left
    assert failed_long_ago.pk not in left
    assert {recent.pk, waiting.pk} <= left


def test_never_confirmed_signatures_are_deleted_long_after_their_link_expired(scheme: Any, moderator: User) -> None:
    petition = open_petition(moderator=moderator)
    stale = sign(petition, 1, confirm=False)
    fresh = sign(petition, 2, confirm=False)
    confirmed = sign(petition, 3)
    long_ago = timezone.now() - days("CONFIRMATION_LINK_DAYS") - days("UNCONFIRMED_RETENTION_DAYS") - DAY
    Signature.objects.filter(pk__in=[stale.pk, confirmed.pk]).update(created_at=long_ago)

    run_anonymiser()

    assert not Signature.objects.filter(pk=stale.pk).exists()
    assert Signature.objects.get(pk=fresh.pk).state == SignatureState.PENDING
    assert Signature.objects.get(pk=confirmed.pk).email == "signer3@example.org"


def test_contact_messages_lose_sender_details_and_body_after_their_period(scheme: Any, moderator: User) -> None:
    petition = open_petition(moderator=moderator)

    def message(created: datetime.datetime) -> ContactMessage:
        return ContactMessage.objects.create(
            petition=petition,
            sender_name="Sam Sender",
            sender_email="sam@example.org",
            body="My phone number is 01234 567890",
            token="t",
            sender_ip_hash="abc",
            correspondent_email_canonical="sam@example.org",
            created_at=created,
        )

    old = message(timezone.now() - days("CONTACT_MESSAGE_RETENTION_DAYS") - DAY)
    new = message(timezone.now())
    run_anonymiser()
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.sender_name, old.sender_email, old.body, old.sender_ip_hash, old.correspondent_email_canonical) == (
        "",
        "",
        "",
        "",
        "",
    )
    assert (new.sender_email, new.body) == ("sam@example.org", "My phone number is 01234 567890")


def test_the_retention_table_covers_these_tables() -> None:
    assert {
        "mail.QueuedEmail",
        "mail.OutboxMessage",
        "django_tasks_database.DBTaskResult",
        "signatures.Signature",
        "petitions.Petition",
        "engagement.ContactMessage",
    } <= covered_models()


def test_the_privacy_page_states_the_periods_from_settings(client: Any, scheme: Any, settings: Any) -> None:
    settings.TOWNHALL = {**settings.TOWNHALL, "SENT_LETTER_RETENTION_DAYS": 41, "CONTACT_MESSAGE_RETENTION_DAYS": 97}
    page = client.get("/privacy/").content.decode()
    assert "41 days" in page
    assert "97 days" in page
