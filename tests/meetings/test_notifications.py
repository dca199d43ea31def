"""Signers who asked for updates hear when their petition is scheduled, cancelled and when the
outcome is published: one letter each, however often the fan-out runs, written by a task
after the change commits (never in the clerk's request)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail

from tests.builders import MEETING_AT, letters_keyed, sign
from tests.meetings.conftest import add_debate, schedule
from townhall.accounts.models import User
from townhall.core.tokens import link_token
from townhall.mail.models import QueuedEmail
from townhall.mail.services import send_queued_letters
from townhall.meetings.models import AgendaItem, Committee
from townhall.meetings.services import ItemOutcome, agenda_item_fan_out, meeting_cancel, meeting_record_outcome
from townhall.petitions.models import Petition
from townhall.signatures.models import Signature

pytestmark = pytest.mark.django_db


Capture = Callable[..., Any]


@pytest.fixture
def opted_in_signers(debate_petition: Petition) -> list[Signature]:
    """Three opted-in confirmed signers; beside them, one opted-out and one who never confirmed."""
    opted_in = [sign(debate_petition, n, postcode="KM6 6FF", wants_updates=True) for n in range(3)]
    sign(debate_petition, 3, postcode="KM6 6FF", wants_updates=False)
    sign(debate_petition, 4, postcode="KM6 6FF", wants_updates=True, confirm=False)
    return opted_in


def keys(event: str) -> list[str]:
    return sorted(QueuedEmail.objects.filter(dedupe_key__contains=f":{event}:").values_list("dedupe_key", flat=True))


def expected_keys(item: AgendaItem, event: str, signers: list[Signature]) -> list[str]:
    return sorted(
        [f"agenda:{item.pk}:{event}:creator"] + [f"agenda:{item.pk}:{event}:signature:{s.pk}" for s in signers]
    )


def test_scheduling_queues_one_letter_per_opted_in_signer_after_commit(
    clerk: User,
    full_council: Committee,
    debate_petition: Petition,
    opted_in_signers: list[Signature],
    django_capture_on_commit_callbacks: Capture,
) -> None:
    meeting = schedule(clerk, full_council)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        item = add_debate(clerk, meeting, debate_petition)
    # Nothing is written in the clerk's request: the task is enqueued on commit.
    assert letters_keyed("agenda:").count() == 0
    assert len(callbacks) == 1
    callbacks[0]()

    assert keys("scheduled") == expected_keys(item, "scheduled", opted_in_signers)
    letter = QueuedEmail.objects.get(dedupe_key=f"agenda:{item.pk}:scheduled:signature:{opted_in_signers[0].pk}")
    signer = opted_in_signers[0]
    unsubscribe = f"http://testserver/signatures/{signer.pk}/unsubscribe/{link_token(signer.token, 'unsubscribe')}/"
    assert letter.to == "signer0@example.org"
    assert letter.subject == "Petition to be debated: Keep Riverside Library open seven days a week"
    assert letter.headers == {
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    assert "Dear Signer 0," in letter.body
    assert "Tuesday 10 March 2026, 19:00, Council Chamber" in letter.body
    assert f"http://testserver/meetings/{meeting.pk}/" in letter.body
    assert unsubscribe in letter.body
    creator = QueuedEmail.objects.get(dedupe_key=f"agenda:{item.pk}:scheduled:creator")
    assert creator.to == "ann@example.org"
    assert "unsubscribe" not in creator.body


def test_running_the_fan_out_again_queues_nothing_twice(
    clerk: User,
    full_council: Committee,
    debate_petition: Petition,
    opted_in_signers: list[Signature],
    django_capture_on_commit_callbacks: Capture,
) -> None:
    meeting = schedule(clerk, full_council)
    with django_capture_on_commit_callbacks(execute=True):
        item = add_debate(clerk, meeting, debate_petition)
    assert letters_keyed("agenda:").count() == len(opted_in_signers) + 1

    assert agenda_item_fan_out(item_id=item.pk, event="scheduled") == 0
    assert agenda_item_fan_out(item_id=item.pk, event="scheduled") == 0

    assert keys("scheduled") == expected_keys(item, "scheduled", opted_in_signers)
    # Sent once each as the scheduling committed, with their unsubscribe headers.
    assert send_queued_letters() == 0
    sent = sorted(address for message in mail.outbox for address in message.to)
    assert sent == sorted(["ann@example.org"] + [s.email for s in opted_in_signers])
    to_signer = next(m for m in mail.outbox if m.to == ["signer1@example.org"])
    assert to_signer.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_the_outcome_is_sent_once_to_each_opted_in_signer(
    clerk: User,
    full_council: Committee,
    debate_petition: Petition,
    opted_in_signers: list[Signature],
    frozen_time: Any,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    meeting = schedule(clerk, full_council)
    item = add_debate(clerk, meeting, debate_petition)
    frozen_time.move_to(MEETING_AT + datetime.timedelta(hours=15))

    with django_capture_on_commit_callbacks(execute=True):
        meeting_record_outcome(
            meeting_id=meeting.pk,
            summary="Debated.",
            minutes_url="",
            video_url="",
            item_outcomes={item.pk: ItemOutcome(outcome="Debated for 30 minutes.", decision="Keep it open.")},
            actor=clerk,
        )
    agenda_item_fan_out(item_id=item.pk, event="outcome")

    assert keys("outcome") == expected_keys(item, "outcome", opted_in_signers)
    letter = QueuedEmail.objects.get(dedupe_key=f"agenda:{item.pk}:outcome:signature:{opted_in_signers[2].pk}")
    assert letter.subject == "Outcome published: Keep Riverside Library open seven days a week"
    assert "Decision: Keep it open." in letter.body
    assert "What happened: Debated for 30 minutes." in letter.body


def test_signers_hear_of_a_cancellation_and_stale_scheduled_letters_are_dropped(
    clerk: User,
    full_council: Committee,
    debate_petition: Petition,
    opted_in_signers: list[Signature],
    django_capture_on_commit_callbacks: Capture,
) -> None:
    meeting = schedule(clerk, full_council)
    with django_capture_on_commit_callbacks(execute=False) as scheduled:
        item = add_debate(clerk, meeting, debate_petition)
    with django_capture_on_commit_callbacks(execute=True):
        meeting_cancel(meeting_id=meeting.pk, reason="The chamber is flooded.", actor=clerk)
    # The "scheduled" task runs only now, after the cancellation: it sends nothing.
    scheduled[0]()

    assert keys("scheduled") == []
    assert keys("cancelled") == expected_keys(item, "cancelled", opted_in_signers)
    letter = QueuedEmail.objects.get(dedupe_key=f"agenda:{item.pk}:cancelled:signature:{opted_in_signers[0].pk}")
    assert "Reason: The chamber is flooded." in letter.body


def test_items_without_a_petition_notify_no_one(
    clerk: User, full_council: Committee, frozen_time: Any, django_capture_on_commit_callbacks: Capture
) -> None:
    from townhall.meetings.services import agenda_item_add

    meeting = schedule(clerk, full_council)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        item = agenda_item_add(meeting_id=meeting.pk, kind="other", title="Budget", actor=clerk)

    assert callbacks == []
    assert agenda_item_fan_out(item_id=item.pk, event="scheduled") == 0
    assert not letters_keyed("agenda:").exists()
