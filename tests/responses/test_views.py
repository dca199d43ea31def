"""The responders' pages over HTTP: who may use them, draft → preview → confirm → publish."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
import time_machine
from django.test import Client

from tests.builders import RESPONDERS_DAY_AT, letters_keyed
from tests.responses.conftest import owe_response
from townhall.accounts.models import User
from townhall.responses.models import Response
from townhall.responses.services import RESPONSE_MAX, draft_digest, response_save_draft
from townhall.schemes.models import Scheme

pytestmark = pytest.mark.django_db


@pytest.fixture
def owed(scheme: Scheme, moderator: User) -> Response:
    return owe_response(moderator=moderator, subscribers=6)


@pytest.fixture
def responder_client(responder: User) -> Client:
    """A client of its own (not the test's `client`), signed in as the responder."""
    client = Client()
    client.force_login(responder)
    return client


@pytest.fixture(autouse=True)
def _today() -> Any:
    with time_machine.travel(RESPONDERS_DAY_AT, tick=False):
        yield


def _pages(response: Response) -> list[tuple[str, str]]:
    return [
        ("get", "/responses/"),
        ("get", f"/responses/{response.pk}/"),
        ("post", f"/responses/{response.pk}/"),
        ("get", f"/responses/{response.pk}/preview/"),
        ("get", f"/responses/{response.pk}/publish/"),
        ("post", f"/responses/{response.pk}/publish/"),
    ]


def test_signed_out_visitors_are_sent_to_sign_in(owed: Response, client: Client) -> None:
    for method, url in _pages(owed):
        page = getattr(client, method)(url, {"text": "Hijack", "action": "save"} if method == "post" else None)
        assert page.status_code == 302, url
        assert page["Location"].startswith("/staff/login/?next="), url
    owed.refresh_from_db()
    assert owed.draft == ""


def test_staff_without_the_responder_role_are_refused(owed: Response, moderator: User) -> None:
    client = Client()
    client.force_login(moderator)
    for method, url in _pages(owed):
        page = getattr(client, method)(url, {"text": "Hijack", "action": "save"} if method == "post" else None)
        assert page.status_code == 403, url
        assert "responder role" in page.content.decode()
        assert page["Cache-Control"] == "no-store"
    owed.refresh_from_db()
    assert owed.draft == ""
    assert not owed.is_published


def test_the_queue_shows_what_is_owed_with_its_clock(owed: Response, responder_client: Client) -> None:
    page = responder_client.get("/responses/")

    assert page.status_code == 200
    assert page["Cache-Control"] == "no-store"
    html = page.content.decode()
    assert "Reopen the public toilets on Kingsmere Road" in html
    assert f'href="/responses/{owed.pk}/"' in html
    assert "12 Mar 2026" in html
    assert "9 days left" in html
    assert 'href="/staff/"' in html  # the staff navigation


def test_the_queue_flags_the_overdue(owed: Response, responder_client: Client) -> None:
    with time_machine.travel(datetime.datetime(2026, 3, 15, 12, 0, tzinfo=datetime.UTC), tick=False):
        html = responder_client.get("/responses/").content.decode()

    assert re.search(r'<span class="overdue">Overdue by 3 days</span>', html)


def test_saving_a_draft_keeps_it_and_publishes_nothing(owed: Response, responder_client: Client) -> None:
    form = responder_client.get(f"/responses/{owed.pk}/")
    assert form.status_code == 200
    assert 'name="text"' in form.content.decode()
    assert "maxlength" not in form.content.decode()

    saved = responder_client.post(f"/responses/{owed.pk}/", {"text": "First thoughts.", "action": "save"})

    assert saved.status_code == 302
    assert saved["Location"] == f"/responses/{owed.pk}/"
    owed.refresh_from_db()
    assert owed.draft == "First thoughts."
    assert not owed.is_published
    again = responder_client.get(f"/responses/{owed.pk}/").content.decode()
    assert "First thoughts." in again
    assert "Draft saved. Nothing has been published." in again


def test_an_over_long_draft_is_explained_and_nothing_typed_is_lost(owed: Response, responder_client: Client) -> None:
    text = "y" * (RESPONSE_MAX + 5)

    page = responder_client.post(f"/responses/{owed.pk}/", {"text": text, "action": "preview"})

    assert page.status_code == 400
    html = page.content.decode()
    assert "There is a problem" in html
    assert "10,000 characters or fewer" in html
    assert text in html  # still in the text box
    owed.refresh_from_db()
    assert owed.draft == ""


def test_preview_shows_the_text_as_it_will_appear_and_publishes_nothing(
    owed: Response, responder_client: Client
) -> None:
    text = "Thank you for your petition.\n\nWe will reopen the toilets on 1 May & keep them open."

    saved = responder_client.post(f"/responses/{owed.pk}/", {"text": text, "action": "preview"})
    assert saved["Location"] == f"/responses/{owed.pk}/preview/"
    page = responder_client.get(saved["Location"])

    assert page.status_code == 200
    assert page["Cache-Control"] == "no-store"
    html = page.content.decode()
    # As on the petition page: paragraphs, escaped.
    assert "<p>Thank you for your petition.</p>" in html
    assert "<p>We will reopen the toilets on 1 May &amp; keep them open.</p>" in html
    assert "Responded on 3 March 2026" in html
    # As in the email.
    assert "Response to the petition: Reopen the public toilets on Kingsmere Road" in html
    assert "Kingsmere Borough Council has published its response" in html
    assert "Nothing has been published or emailed yet." in html
    assert f'href="/responses/{owed.pk}/publish/"' in html
    owed.refresh_from_db()
    assert not owed.is_published
    assert not letters_keyed("response:").exists()


def test_publishing_asks_for_confirmation_then_publishes_on_post(
    owed: Response, responder_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    response_save_draft(response_id=owed.pk, text="We agree.", actor=_user(responder_client))

    confirm = responder_client.get(f"/responses/{owed.pk}/publish/")
    assert confirm.status_code == 200
    html = confirm.content.decode()
    assert "Publish this response?" in html
    assert "emails it to 6 signers who asked for updates" in html
    assert f'value="{draft_digest(text="We agree.")}"' in html
    owed.refresh_from_db()
    assert not owed.is_published  # a GET publishes nothing

    with django_capture_on_commit_callbacks(execute=True):
        done = responder_client.post(f"/responses/{owed.pk}/publish/", {"digest": draft_digest(text="We agree.")})

    assert done.status_code == 302
    assert done["Location"] == f"/responses/{owed.pk}/"
    owed.refresh_from_db()
    assert owed.is_published
    assert owed.body == "We agree."
    assert letters_keyed("response:").count() == 6
    after = responder_client.get(done["Location"]).content.decode()
    assert "Published. It is on the petition page, and 6 signers are being emailed." in after
    assert "6 queued, 6 sent." in after
    assert 'name="text"' not in after  # no more editing


def test_a_draft_changed_after_the_preview_is_not_published(owed: Response, responder_client: Client) -> None:
    user = _user(responder_client)
    response_save_draft(response_id=owed.pk, text="What I checked", actor=user)
    digest = draft_digest(text="What I checked")
    response_save_draft(response_id=owed.pk, text="What a colleague changed", actor=user)

    page = responder_client.post(f"/responses/{owed.pk}/publish/", {"digest": digest})

    assert page.status_code == 409
    html = page.content.decode()
    assert "The draft has changed since you previewed it" in html
    assert "What a colleague changed" in html
    assert f'value="{draft_digest(text="What a colleague changed")}"' in html
    owed.refresh_from_db()
    assert not owed.is_published


def test_an_empty_draft_offers_no_publish_button(owed: Response, responder_client: Client) -> None:
    confirm = responder_client.get(f"/responses/{owed.pk}/publish/").content.decode()
    assert "Write the response before publishing it." in confirm
    assert "Publish and email signers" not in confirm

    refused = responder_client.post(f"/responses/{owed.pk}/publish/", {"digest": draft_digest(text="")})

    assert refused.status_code == 400
    assert "Write the response and save it before publishing." in refused.content.decode()
    assert not Response.objects.get(pk=owed.pk).is_published


def test_a_published_response_cannot_be_republished_over_http(owed: Response, responder_client: Client) -> None:
    user = _user(responder_client)
    response_save_draft(response_id=owed.pk, text="Done.", actor=user)
    assert (
        responder_client.post(f"/responses/{owed.pk}/publish/", {"digest": draft_digest(text="Done.")}).status_code
        == 302
    )

    again = responder_client.post(f"/responses/{owed.pk}/publish/", {"digest": draft_digest(text="Done.")})
    edit = responder_client.post(f"/responses/{owed.pk}/", {"text": "Changed", "action": "save"})

    assert again.status_code == 409
    assert "already been published" in again.content.decode()
    assert edit.status_code == 200  # the read-only page: the form is gone
    assert Response.objects.get(pk=owed.pk).body == "Done."
    assert responder_client.get(f"/responses/{owed.pk}/publish/").status_code == 302
    assert responder_client.get(f"/responses/{owed.pk}/preview/").status_code == 302


def test_an_unknown_response_is_404(responder_client: Client, scheme: Scheme) -> None:
    assert responder_client.get("/responses/424242/").status_code == 404


def _user(client: Client) -> User:
    return User.objects.get(pk=client.session["_auth_user_id"])
