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

from tests.builders import (
    awaiting_petition,
    frozen_at,
    make_petition,
    open_petition,
    sign,
    sponsor,
    sponsoring_petition,
    utc,
)
from townhall.accounts.models import User
from townhall.audit.models import AuditEvent
from townhall.core import scheduler
from townhall.core.retention import covered_models
from townhall.engagement.models import ContactMessage
from townhall.integrity.models import AlertKind, TrendAlert
from townhall.mail.backends import OutboxBackend
from townhall.mail.models import OutboxMessage, QueuedEmail
from townhall.mail.services import Letter, queue_letters, send_queued_letters
from townhall.meetings.models import AgendaItem, AgendaItemKind, Committee, CommitteeKind, Meeting
from townhall.moderation.services import moderation_remove
from townhall.petitions.models import Petition, PetitionState, PetitionVersion
from townhall.petitions.services import add_months, petition_confirm_creator, petition_set_anonymisation_exempt
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


# --- petitions that never reached the moderators ------------------------------------------------

STARTED = utc(2026, 5, 4, 10)
MINUTE = datetime.timedelta(minutes=1)


def unsubmitted_period() -> datetime.timedelta:
    return days("UNSUBMITTED_PETITION_RETENTION_DAYS")


def anonymise_at(moment: datetime.datetime) -> None:
    with frozen_at(moment):
        run_anonymiser()


def petitions_left() -> set[int]:
    return set(Petition.objects.values_list("pk", flat=True))


def test_a_petition_whose_creator_never_confirmed_is_deleted_the_period_after_it_was_started(scheme: Any) -> None:
    with frozen_at(STARTED) as clock:
        stale = make_petition(action="Paint the bandstand green")
        clock.move_to(STARTED + 2 * MINUTE)
        fresh = make_petition(action="Paint the bandstand blue")

    anonymise_at(STARTED + unsubmitted_period() - MINUTE)
    assert {stale.pk, fresh.pk} <= petitions_left()

    anonymise_at(STARTED + unsubmitted_period() + MINUTE)
    assert stale.pk not in petitions_left()
    assert not PetitionVersion.objects.filter(petition_id=stale.pk).exists()
    assert Petition.objects.get(pk=fresh.pk).creator_email == "ann@example.org"
    assert AuditEvent.objects.filter(action="petition.forgotten", target_id=str(stale.pk)).exists()


def test_a_petition_that_never_gathered_its_sponsors_goes_with_them_the_period_after_its_creator_confirmed(
    scheme: Any,
) -> None:
    with frozen_at(STARTED - 30 * DAY) as clock:
        stale = make_petition(action="Light the towpath")
        clock.move_to(STARTED)
        petition_confirm_creator(petition_id=stale.pk, token=stale.creator_token)
        sponsors = [sponsor(stale, 1), sponsor(stale, 2, confirm=False)]
        clock.move_to(STARTED + 2 * MINUTE)
        fresh = sponsoring_petition(action="Light the park")
        fresh_sponsor = sponsor(fresh, 1)

    # Started more than the period ago, but gathering sponsors for less.
    anonymise_at(STARTED + unsubmitted_period() - MINUTE)
    assert stale.pk in petitions_left()

    anonymise_at(STARTED + unsubmitted_period() + MINUTE)
    assert stale.pk not in petitions_left()
    assert not Signature.objects.filter(pk__in=[s.pk for s in sponsors]).exists()
    assert fresh.pk in petitions_left()
    assert Signature.objects.get(pk=fresh_sponsor.pk).email == "sponsor1@example.org"


def test_petitions_that_reached_the_moderators_or_were_exempted_are_not_deleted(
    scheme: Any, moderator: User, administrator: User
) -> None:
    with frozen_at(STARTED):
        waiting = awaiting_petition(action="Mend the swings")
        opened = open_petition(moderator=moderator, action="Open the lido")
        kept = sponsoring_petition(action="Keep the market")
        petition_set_anonymisation_exempt(petition_id=kept.pk, exempt=True, actor=administrator)

    anonymise_at(STARTED + unsubmitted_period() + DAY)

    assert {waiting.pk, opened.pk, kept.pk} <= petitions_left()
    assert Petition.objects.get(pk=kept.pk).creator_name == "Ann Creator"


def test_an_unsubmitted_petition_held_by_an_agenda_item_loses_its_creator_instead(scheme: Any) -> None:
    with frozen_at(STARTED):
        held = sponsoring_petition(action="Rename the high street")
        held_sponsor = sponsor(held, 1)
        other = make_petition(action="Plant more trees")
        committee = Committee.objects.create(name="Full Council", slug="full-council", kind=CommitteeKind.FULL_COUNCIL)
        meeting = Meeting.objects.create(committee=committee, starts_at=STARTED + 30 * DAY)
        # Agenda items name published petitions only; this one is here by mistake.
        AgendaItem.objects.create(
            meeting=meeting, kind=AgendaItemKind.DEBATE, title="Debate", petition=held, scheduled_at=meeting.starts_at
        )

    anonymise_at(STARTED + unsubmitted_period() + MINUTE)

    held.refresh_from_db()
    assert (held.creator_name, held.creator_email, held.creator_postcode, held.creator_ip_hash) == ("", "", "KM1", "")
    assert (held.creator_token, held.sponsor_token) == ("", "")
    assert held.anonymised_at is not None
    assert not Signature.objects.filter(pk=held_sponsor.pk).exists()
    assert other.pk not in petitions_left()  # the others are still deleted in the same run


def test_the_privacy_page_states_when_unsubmitted_petitions_are_deleted(
    client: Any, scheme: Any, settings: Any
) -> None:
    settings.TOWNHALL = {**settings.TOWNHALL, "UNSUBMITTED_PETITION_RETENTION_DAYS": 61}
    page = client.get("/privacy/").content.decode()
    assert "61 days" in page


# --- what goes with a petition's anonymisation ------------------------------------------------


def test_a_removed_petition_is_anonymised_the_same_months_after_its_removal(
    scheme: Any, moderator: User, administrator: User
) -> None:
    with frozen_at(STARTED):
        removed = open_petition(moderator=moderator, action="Sell the town hall")
        signer = sign(removed, 1)
        moderation_remove(petition_id=removed.pk, actor=administrator)
    months = int(settings.TOWNHALL["ANONYMISE_AFTER_MONTHS"])

    anonymise_at(add_months(STARTED, months) - MINUTE)
    assert Petition.objects.get(pk=removed.pk).creator_email == "ann@example.org"

    anonymise_at(add_months(STARTED, months) + MINUTE)
    removed.refresh_from_db()
    assert (removed.creator_name, removed.creator_email, removed.anonymised_at is not None) == ("", "", True)
    assert Signature.objects.get(pk=signer.pk).email == ""


def test_trend_alerts_go_when_their_petition_is_anonymised(scheme: Any, moderator: User) -> None:
    with frozen_at(STARTED):
        closing = open_petition(moderator=moderator, action="Close the car park")
        staying = open_petition(moderator=moderator, action="Open the car park")
        for petition in (closing, staying):
            TrendAlert.objects.create(
                petition=petition,
                kind=AlertKind.IP,
                value="9f86d081884c7d65",  # a signer's address hash
                hour_starting=STARTED,
                count=40,
                share_percent=80,
                created_at=STARTED,
            )
    Petition.objects.filter(pk=closing.pk).update(state=PetitionState.CLOSED, closed_at=STARTED)

    anonymise_at(add_months(STARTED, int(settings.TOWNHALL["ANONYMISE_AFTER_MONTHS"])) + MINUTE)

    assert list(TrendAlert.objects.values_list("petition_id", flat=True)) == [staying.pk]
