"""The response email fan-out: every opted-in signer exactly once, whatever happens.

Letters are queued in the outbox table in batches (one transaction each, the response row
locked, its cursor advanced) and sent by core's drain. Re-running the fan-out, resuming it
after a crash, or losing the cursor altogether still sends nobody a second copy.
"""

from __future__ import annotations

import datetime
from collections import Counter
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client

from tests.builders import CROSSED_AT, letters_keyed, sign
from tests.conftest import links_in
from tests.responses.conftest import RESPONSE_TEXT, owe_response, publish
from townhall.accounts.models import User
from townhall.core.errors import InvalidState
from townhall.core.tokens import link_token
from townhall.mail.services import send_queued_letters
from townhall.mail.tasks import queued_emails_dispatch
from townhall.responses.models import Response
from townhall.responses.services import response_fanout, response_resume_fanouts, response_save_draft
from townhall.schemes.models import Scheme
from townhall.signatures import services  # the one signer fan-out queues the letters
from townhall.signatures.models import Signature
from townhall.signatures.services import signature_unsubscribe

pytestmark = pytest.mark.django_db


SUBSCRIBERS = 300


def _publish_without_fan_out(response: Response, *, by: User) -> Response:
    """Publish; the fan-out task (queued on commit) is left for the test to run."""
    return publish(response, by=by)


def _subscriber_emails(petition_id: int) -> set[str]:
    return set(
        Signature.objects.filter(petition_id=petition_id, state="verified", wants_updates=True).values_list(
            "email", flat=True
        )
    )


@pytest.fixture
def big(scheme: Scheme, moderator: User) -> Response:
    """300 opted-in signers, plus signers who did not opt in, one who never confirmed and
    two who unsubscribed before publication."""
    response = owe_response(moderator=moderator, subscribers=SUBSCRIBERS)
    petition = response.petition
    with time_machine.travel(CROSSED_AT + datetime.timedelta(hours=1), tick=False):
        for n in range(1000, 1010):
            sign(petition, n, wants_updates=False)
        sign(petition, 2000, wants_updates=True, confirm=False)
        for n in (3, 150):
            signature = Signature.objects.get(petition=petition, email=f"signer{n}@example.org")
            signature_unsubscribe(signature_id=signature.pk, token=link_token(signature.token, "unsubscribe"))
    return response


def test_every_opted_in_signer_gets_exactly_one_email(big: Response, responder: User) -> None:
    _publish_without_fan_out(big, by=responder)

    queued = response_fanout(response_id=big.pk, batch_size=64)
    sent = send_queued_letters()

    expected = _subscriber_emails(big.petition_id)
    assert len(expected) == SUBSCRIBERS - 2
    assert queued == sent == len(expected)
    recipients = Counter(address for message in mail.outbox for address in message.to)
    assert set(recipients) == expected
    assert set(recipients.values()) == {1}
    # Nobody who did not ask, never confirmed or unsubscribed was written to.
    for address in ["signer1000@example.org", "signer2000@example.org", "signer3@example.org", "sponsor0@example.org"]:
        assert address not in recipients
    big.refresh_from_db()
    assert big.fanout_finished_at is not None
    assert big.fanout_after_id == max(Signature.objects.filter(email__in=expected).values_list("pk", flat=True))


def test_running_the_fan_out_again_sends_nothing_new(big: Response, responder: User) -> None:
    _publish_without_fan_out(big, by=responder)
    first = response_fanout(response_id=big.pk)
    send_queued_letters()
    sent_before = len(mail.outbox)

    assert response_fanout(response_id=big.pk) == 0
    # Even with its progress lost, the outbox's keys refuse every letter already queued.
    Response.objects.filter(pk=big.pk).update(fanout_after_id=0, fanout_finished_at=None)
    assert response_fanout(response_id=big.pk, batch_size=37) == 0
    assert send_queued_letters() == 0

    assert first == sent_before == SUBSCRIBERS - 2
    assert len(mail.outbox) == sent_before
    assert letters_keyed("response:").count() == first


def test_a_fan_out_that_crashed_midway_resumes_where_it_stopped(
    big: Response, responder: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    _publish_without_fan_out(big, by=responder)
    real_queue = services.queue_letters
    batches = 0

    def crash_on_third_batch(letters: Any) -> int:
        nonlocal batches
        batches += 1
        if batches == 3:
            raise RuntimeError("worker killed")
        return real_queue(letters)

    monkeypatch.setattr(services, "queue_letters", crash_on_third_batch)
    with pytest.raises(RuntimeError):
        response_fanout(response_id=big.pk, batch_size=50)
    monkeypatch.setattr(services, "queue_letters", real_queue)

    # Two whole batches committed with their cursor; the third rolled back entirely.
    big.refresh_from_db()
    assert letters_keyed("response:").count() == 100
    assert big.fanout_finished_at is None
    hundredth = letters_keyed("response:").order_by("-id").first()
    assert hundredth is not None
    assert big.fanout_after_id == int(hundredth.dedupe_key.rsplit(":", 1)[1])
    # Some letters already went out before the restart.
    assert send_queued_letters() == 100

    assert response_fanout(response_id=big.pk, batch_size=50) == SUBSCRIBERS - 2 - 100
    send_queued_letters()

    recipients = Counter(address for message in mail.outbox for address in message.to)
    assert set(recipients) == _subscriber_emails(big.petition_id)
    assert set(recipients.values()) == {1}


def test_publishing_fans_out_through_the_task_queue_and_the_letters_go_out_on_commit(
    scheme: Scheme, moderator: User, responder: User, django_capture_on_commit_callbacks: Any
) -> None:
    response = owe_response(moderator=moderator, subscribers=6)

    with django_capture_on_commit_callbacks(execute=True):
        publish(response, by=responder)

    # The fan-out task queued the letters, and the sending task queued with them sent them.
    assert set(letters_keyed("response:").values_list("status", flat=True)) == {"sent"}
    assert len(mail.outbox) == 6
    # Nothing is left for the scheduler's backstop job.
    assert queued_emails_dispatch() is False


def test_the_email_carries_the_response_and_a_working_one_click_unsubscribe(
    scheme: Scheme, moderator: User, responder: User, client: Client
) -> None:
    response = owe_response(moderator=moderator, subscribers=5)
    publish(response, by=responder)
    response_fanout(response_id=response.pk)
    send_queued_letters()

    message = next(m for m in mail.outbox if m.to == ["signer2@example.org"])
    assert message.subject == "Response to the petition: Reopen the public toilets on Kingsmere Road"
    assert RESPONSE_TEXT in message.body
    assert "Kingsmere Borough Council has published its response" in message.body
    petition_url = f"http://testserver/petitions/{response.petition_id}/"
    assert petition_url in links_in(message.body)
    [unsubscribe_url] = [link for link in links_in(message.body) if "/unsubscribe/" in link]
    assert message.extra_headers["List-Unsubscribe"] == f"<{unsubscribe_url}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # RFC 8058: the mail client POSTs to the link, with no session and no CSRF token.
    one_click = Client(enforce_csrf_checks=True).post(
        unsubscribe_url.removeprefix("http://testserver"), {"List-Unsubscribe": "One-Click"}
    )

    assert one_click.status_code == 200
    signature = Signature.objects.get(petition_id=response.petition_id, email="signer2@example.org")
    assert signature.wants_updates is False
    # Each signer's link is their own.
    other = next(m for m in mail.outbox if m.to == ["signer3@example.org"])
    assert unsubscribe_url not in other.body


def test_an_unpublished_response_is_never_fanned_out(scheme: Scheme, moderator: User, responder: User) -> None:
    response = owe_response(moderator=moderator)
    response_save_draft(response_id=response.pk, text="Draft", actor=responder)

    with pytest.raises(InvalidState) as error:
        response_fanout(response_id=response.pk)

    assert error.value.code == "response_unpublished"
    assert not letters_keyed("response:").exists()


def test_a_stalled_fan_out_is_resumed_by_the_scheduler(scheme: Scheme, moderator: User, responder: User) -> None:
    stalled = owe_response(moderator=moderator, subscribers=5)
    published_at = datetime.datetime(2026, 3, 1, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(published_at, tick=False):
        publish(stalled, by=responder)  # on-commit task never runs here: as if the worker died

    with time_machine.travel(published_at + datetime.timedelta(minutes=5), tick=False):
        assert response_resume_fanouts() == []  # still within its grace period
    with time_machine.travel(published_at + datetime.timedelta(minutes=11), tick=False):
        assert response_resume_fanouts() == [stalled.pk]  # the task runs inline in tests
        assert response_resume_fanouts() == []

    stalled.refresh_from_db()
    assert stalled.fanout_finished_at is not None
    assert letters_keyed("response:").count() == 5
