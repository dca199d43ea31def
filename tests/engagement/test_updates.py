"""Creators' updates: written from the private link, moderated, published on the petition
page, and emailed once to each signer who asked for updates."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from django.core import mail
from django.db.models import QuerySet
from django.test import Client

from tests.builders import make_petition, make_superuser, open_petition, settle_mail, sign, staff
from tests.conftest import links_in
from townhall.accounts.models import Role, User
from townhall.audit.models import AuditEvent
from townhall.core.errors import InvalidState, PermissionDeniedError
from townhall.core.tokens import link_token
from townhall.engagement.models import PetitionUpdate, UpdateState
from townhall.engagement.services import (
    update_approve,
    update_fanout_batch,
    update_fanout_run,
    update_reject,
    update_submit,
)
from townhall.engagement.tasks import update_fanout
from townhall.mail.models import QueuedEmail
from townhall.mail.services import send_queued_letters
from townhall.petitions.models import Petition, PetitionState
from townhall.petitions.services import petition_close_expired, petition_confirm_creator
from townhall.signatures.models import Signature

pytestmark = pytest.mark.django_db


def signer_letters() -> QuerySet[QueuedEmail]:
    """The letters of the fan-outs under test (the outbox holds every other letter too)."""
    return QueuedEmail.objects.filter(dedupe_key__contains=":signature:")


TITLE = "We met the head teacher"
BODY = "Thank you for signing.\nThe road safety team will survey Mill Lane next month."


@pytest.fixture
def petition(scheme: Any, moderator: User) -> Petition:
    return open_petition(moderator=moderator)


def words(response: Any) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", response.content.decode())))


def new_url(petition: Petition) -> str:
    return f"/petitions/{petition.pk}/updates/new/{link_token(petition.creator_token, 'update')}/"


def submitted(petition: Petition, **overrides: str) -> PetitionUpdate:
    fields = {"title": TITLE, "body": BODY, **overrides}
    update = update_submit(petition_id=petition.pk, token=link_token(petition.creator_token, "update"), **fields)
    settle_mail()
    return update


# --- the creator ------------------------------------------------------------------------------


def test_the_creators_private_page_links_to_updates_only_once_the_petition_is_public(
    client: Client, petition: Petition, scheme: Any
) -> None:
    page = client.get(f"/petitions/{petition.pk}/creator/{petition.creator_token}/")
    assert f'href="{new_url(petition)}"' in page.content.decode()
    assert "Post an update for your signers" in words(page)

    sponsoring = make_petition(creator_email="other@example.org")
    petition_confirm_creator(petition_id=sponsoring.pk, token=sponsoring.creator_token)
    private = client.get(f"/petitions/{sponsoring.pk}/creator/{sponsoring.creator_token}/")
    assert "/updates/new/" not in private.content.decode()
    refused = client.get(new_url(sponsoring))
    assert refused.status_code == 409
    assert "open or after it has closed" in words(refused)


@pytest.mark.parametrize("token", ["x" * 32, "creator page's"])
def test_a_wrong_token_is_not_found_and_creates_nothing(client: Client, petition: Petition, token: str) -> None:
    # The creator's page link carries the stored token; the update page takes only its own.
    token = petition.creator_token if token == "creator page's" else token
    bad = f"/petitions/{petition.pk}/updates/new/{token}/"
    assert client.get(bad).status_code == 404
    assert client.post(bad, {"title": TITLE, "body": BODY}).status_code == 404
    assert not PetitionUpdate.objects.exists()


def test_the_creator_submits_an_update_which_waits_for_moderation(
    client: Client, petition: Petition, moderator: User, django_capture_on_commit_callbacks: Any
) -> None:
    sign(petition, 1, postcode="KM6 6FF", wants_updates=True)
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(new_url(petition), {"title": TITLE, "body": BODY})
    assert response.status_code == 302
    update = PetitionUpdate.objects.get()
    assert (update.title, update.body, update.state) == (TITLE, BODY, UpdateState.AWAITING_MODERATION)
    # The moderators hear about it; nobody else does, and nothing is public yet.
    [notice] = mail.outbox
    assert notice.to == [moderator.email]
    assert f"http://testserver/moderation/updates/{update.pk}/" in links_in(notice.body)
    # The creator's page lists it with its status.
    page = words(client.get(response["Location"]))
    assert "Your update will be published once a moderator has checked it." in page
    assert f"{TITLE}" in page
    assert "Waiting for moderation" in page
    assert not signer_letters().exists()
    assert TITLE not in words(client.get(f"/petitions/{petition.pk}/"))


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"title": "", "body": BODY}, "Enter a title for your update."),
        ({"title": TITLE, "body": "   "}, "Enter the text of your update."),
        ({"title": "x" * 125, "body": BODY}, "The title must be 120 characters or fewer; it is 5 too long."),
        ({"title": TITLE, "body": "y" * 2001}, "The update must be 2000 characters or fewer; it is 1 too long."),
    ],
)
def test_bad_updates_are_refused_with_a_clear_message_and_kept(
    client: Client, petition: Petition, form: dict[str, str], message: str
) -> None:
    response = client.post(new_url(petition), form)
    assert response.status_code == 400
    assert message in words(response)
    # Nothing typed is lost: the form shows it again.
    assert form["body"].strip()[:50] in unescape(response.content.decode()) or not form["body"].strip()
    assert not PetitionUpdate.objects.exists()


def test_closed_petitions_take_updates(petition: Petition) -> None:
    Petition.objects.filter(pk=petition.pk).update(deadline_at=petition.opened_at)
    petition_close_expired()
    assert Petition.objects.get(pk=petition.pk).state == PetitionState.CLOSED
    assert submitted(petition).state == UpdateState.AWAITING_MODERATION


# --- moderators -----------------------------------------------------------------------------


def test_only_moderators_see_the_queue_and_decide(client: Client, petition: Petition, scheme: Any) -> None:
    update = submitted(petition)
    for url in ("/moderation/updates/", f"/moderation/updates/{update.pk}/"):
        assert client.get(url)["Location"].startswith("/staff/login/")
    assert client.post(f"/moderation/updates/{update.pk}/approve/")["Location"].startswith("/staff/login/")
    clerk = staff("clerk", Role.CLERK)
    client.force_login(clerk)
    assert client.get("/moderation/updates/").status_code == 403
    assert client.post(f"/moderation/updates/{update.pk}/approve/").status_code == 403
    with pytest.raises(PermissionDeniedError):
        update_approve(update_id=update.pk, actor=clerk)
    update.refresh_from_db()
    assert update.state == UpdateState.AWAITING_MODERATION


def test_approval_publishes_and_fans_out_to_opted_in_signers_once(
    moderator_client: Client, petition: Petition, moderator: User, django_capture_on_commit_callbacks: Any
) -> None:
    subscribers = [sign(petition, n, postcode="KM6 6FF", wants_updates=True) for n in range(3)]
    sign(petition, 99, postcode="KM6 6FF")
    update = submitted(petition)
    queue = words(moderator_client.get("/moderation/updates/"))
    assert TITLE in queue
    assert petition.action in queue
    assert "The road safety team" in words(moderator_client.get(f"/moderation/updates/{update.pk}/"))
    mail.outbox = []

    with django_capture_on_commit_callbacks(execute=True):
        approved = moderator_client.post(f"/moderation/updates/{update.pk}/approve/")

    assert approved.status_code == 302
    update.refresh_from_db()
    assert update.state == UpdateState.PUBLISHED
    assert update.published_at is not None
    assert update.moderated_by == moderator
    # The creator and the moderator get a copy at once (and the signers theirs, below).
    signers = {s.email for s in subscribers}
    copies = [m for m in mail.outbox if m.to[0] not in signers]
    assert sorted(a for m in copies for a in m.to) == sorted(["ann@example.org", moderator.email])
    assert all(TITLE in m.body for m in mail.outbox)
    # The fan-out task ran on commit: one queued letter per opted-in signer, keyed by id.
    assert sorted(signer_letters().values_list("dedupe_key", flat=True)) == sorted(
        f"update:{update.pk}:signature:{s.pk}" for s in subscribers
    )
    assert update.fanout_after_id == max(s.pk for s in subscribers)
    assert update.fanout_finished_at is not None
    assert AuditEvent.objects.filter(action="update.published", actor=moderator).count() == 1

    # Running the fan-out again (the task, then the service) queues nothing new.
    assert update_fanout.call(update_id=update.pk) == 0
    PetitionUpdate.objects.filter(pk=update.pk).update(fanout_after_id=0, fanout_finished_at=None)
    assert update_fanout_run(update_id=update.pk) == 0
    assert signer_letters().count() == 3

    # The signers' letters went out as the approval committed, once each.
    assert send_queued_letters() == 0
    to_signers = [m for m in mail.outbox if m.to[0] in signers]
    assert sorted(a for m in to_signers for a in m.to) == sorted(s.email for s in subscribers)
    for message in to_signers:
        signature = next(s for s in subscribers if s.email == message.to[0])
        unsubscribe = (
            f"http://testserver/signatures/{signature.pk}/unsubscribe/{link_token(signature.token, 'unsubscribe')}/"
        )
        assert message.subject == f"Update on the petition: {petition.action}"
        assert f"Dear {signature.name}," in message.body
        assert TITLE in message.body
        assert "The road safety team" in message.body
        assert unsubscribe in links_in(message.body)
        assert message.extra_headers["List-Unsubscribe"] == f"<{unsubscribe}>"
        assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # Published on the petition page, in its own section and on the timeline.
    page = moderator_client.get(f"/petitions/{petition.pk}/")
    html = page.content.decode()
    assert f'id="update-{update.pk}"' in html
    assert "Updates from the creator" in words(page)
    assert re.search(
        rf'timeline-event--update">.*?href="#update-{update.pk}">Update from the creator: {TITLE}', html, re.S
    )


def test_fanout_goes_in_batches_and_resumes_where_it_stopped(petition: Petition, moderator: User) -> None:
    subscribers = [sign(petition, n, postcode="KM6 6FF", wants_updates=True) for n in range(5)]
    update = submitted(petition)
    update_approve(update_id=update.pk, actor=moderator)  # on_commit not run: no task yet

    first = update_fanout_batch(update_id=update.pk, batch_size=2)
    assert (first.queued, first.finished) == (2, False)
    update.refresh_from_db()
    assert update.fanout_after_id == subscribers[1].pk
    # A worker killed here loses nothing: the next run continues from the stored id.
    assert update_fanout_run(update_id=update.pk, batch_size=2) == 3
    assert signer_letters().count() == 5
    update.refresh_from_db()
    assert update.fanout_finished_at is not None
    assert update_fanout_batch(update_id=update.pk, batch_size=2).finished is True


def test_the_unsubscribe_link_in_an_update_works(
    client: Client, petition: Petition, moderator: User, django_capture_on_commit_callbacks: Any
) -> None:
    keen, leaving = (
        sign(petition, 1, postcode="KM6 6FF", wants_updates=True),
        sign(petition, 2, postcode="KM6 6FF", wants_updates=True),
    )
    first = submitted(petition)
    with django_capture_on_commit_callbacks(execute=True):
        update_approve(update_id=first.pk, actor=moderator)
    # The letters went out as the approval committed.
    [letter] = [m for m in mail.outbox if m.to == [leaving.email]]
    one_click = letter.extra_headers["List-Unsubscribe"].strip("<>")
    # The mail client's one-click POST, without cookies or CSRF token.
    assert Client(enforce_csrf_checks=True).post(one_click.removeprefix("http://testserver")).status_code == 200
    assert Signature.objects.get(pk=leaving.pk).wants_updates is False

    second = submitted(petition, title="Second update")
    with django_capture_on_commit_callbacks(execute=True):
        update_approve(update_id=second.pk, actor=moderator)
    assert list(
        signer_letters().filter(dedupe_key__startswith=f"update:{second.pk}:").values_list("to", flat=True)
    ) == [keen.email]


def test_rejection_tells_the_creator_why_and_publishes_nothing(
    moderator_client: Client, petition: Petition, django_capture_on_commit_callbacks: Any
) -> None:
    sign(petition, 1, postcode="KM6 6FF", wants_updates=True)
    update = submitted(petition, body="Call me on 07700 900123 with tips.")
    detail = words(moderator_client.get(f"/moderation/updates/{update.pk}/"))
    # The automated pre-checks point the moderator at the phone number.
    assert "Automated checks found" in detail
    assert "Remove phone numbers" in detail

    blank = moderator_client.post(f"/moderation/updates/{update.pk}/reject/", {"reason": "  "})
    assert blank.status_code == 400
    assert "Explain to the creator why the update cannot be published." in words(blank)
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        rejected = moderator_client.post(
            f"/moderation/updates/{update.pk}/reject/", {"reason": "Please remove the phone number."}
        )
    assert rejected.status_code == 302
    update.refresh_from_db()
    assert (update.state, update.rejection_reason) == (UpdateState.REJECTED, "Please remove the phone number.")
    [told] = mail.outbox
    assert told.to == ["ann@example.org"]
    assert "Please remove the phone number." in told.body
    assert f"http://testserver{new_url(petition)}" in links_in(told.body)
    assert not signer_letters().exists()
    assert "07700" not in moderator_client.get(f"/petitions/{petition.pk}/").content.decode()
    # Decided once: approving it now is refused.
    with pytest.raises(InvalidState):
        update_approve(update_id=update.pk, actor=update.moderated_by)


def test_an_update_is_not_published_after_the_petition_was_removed(petition: Petition, moderator: User) -> None:
    from townhall.petitions.services import petition_remove

    update = submitted(petition)
    petition_remove(petition_id=petition.pk, actor=moderator)
    with pytest.raises(InvalidState):
        update_approve(update_id=update.pk, actor=moderator)
    update.refresh_from_db()
    assert update.state == UpdateState.AWAITING_MODERATION


def test_moderators_without_an_email_address_still_publish(petition: Petition, scheme: Any) -> None:
    quiet = staff("quiet", Role.MODERATOR, email="")
    update = submitted(petition)
    update_reject(update_id=update.pk, reason="Not about the petition.", actor=quiet)
    assert PetitionUpdate.objects.get(pk=update.pk).state == UpdateState.REJECTED


def test_a_fanout_stops_if_the_petition_is_taken_down(petition: Petition, moderator: User) -> None:
    from townhall.petitions.services import petition_remove

    for n in range(3):
        sign(petition, n, postcode="KM6 6FF", wants_updates=True)
    update = submitted(petition)
    update_approve(update_id=update.pk, actor=moderator)
    assert update_fanout_batch(update_id=update.pk, batch_size=1).queued == 1
    petition_remove(petition_id=petition.pk, actor=moderator)
    assert update_fanout_run(update_id=update.pk, batch_size=1) == 0
    assert signer_letters().count() == 1
    assert PetitionUpdate.objects.get(pk=update.pk).fanout_finished_at is not None


def test_the_admin_action_publishes_through_the_service(
    client: Client, petition: Petition, django_capture_on_commit_callbacks: Any
) -> None:
    subscriber = sign(petition, 1, postcode="KM6 6FF", wants_updates=True)
    update = submitted(petition)
    superuser = make_superuser("root")
    client.force_login(superuser)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/engagement/petitionupdate/", {"action": "approve_updates", "_selected_action": [str(update.pk)]}
        )
    assert response.status_code == 302
    update.refresh_from_db()
    assert (update.state, update.moderated_by) == (UpdateState.PUBLISHED, superuser)
    assert list(signer_letters().values_list("dedupe_key", flat=True)) == [
        f"update:{update.pk}:signature:{subscriber.pk}"
    ]
