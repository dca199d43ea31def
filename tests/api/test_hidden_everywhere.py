"""A petition hidden for libel shows none of its text in any public output.

The petition page is the reference: for a hidden petition it says only that it was
rejected and why. Every other public output that lists or shows the petition (native
API v1, UK-compatible JSON, CSV, Atom feeds, the widget, the public lists) must withhold
the same things. The petition gets distinctive text in every field its creator typed
(action, background, additional details, addressed to, creator's name), in a published
update, in the moderator's explanation and in the body's response; each output is fetched
before it is hidden (so the strings are known to reach it) and after (none may remain).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator

import pytest
from django.test import Client

from tests.builders import WORLD_STARTS_AT, frozen_at, open_petition
from townhall.accounts.models import User
from townhall.core.tokens import link_token
from townhall.engagement.services import update_approve, update_submit
from townhall.meetings.models import AgendaItem, AgendaItemKind, Committee, CommitteeKind, Meeting
from townhall.moderation.services import moderation_take_down
from townhall.petitions.models import Petition, RejectionReason
from townhall.responses.models import Response
from townhall.schemes.models import Scheme

pytestmark = pytest.mark.django_db

TYPED = {
    "action": "Sack Zorblat Quennick now",
    "background": "Qxbackground Zorblat took bribes.",
    "additional_details": "Qxdetails Zorblat photographs enclosed.",
    "decision_maker": "Qxaddressee the Zorblat Inquiry Board",
    "creator_name": "Zorblat Vantelmo",
}
UPDATE = {"title": "Qxupdate title about Zorblat", "body": "Qxupdate body with more claims on Zorblat."}
RESPONSE = "Qxresponse we looked into Zorblat."
REJECTION = "Qxrejection it repeated the claims about Zorblat."
DISTINCTIVE = [*TYPED.values(), *UPDATE.values(), RESPONSE, REJECTION]


def _outputs(pk: int) -> list[str]:
    """Every public URL that lists or shows the petition."""
    meeting = Meeting.objects.get()
    return [
        "/meetings/",
        f"/meetings/{meeting.pk}/",
        f"/api/v1/meetings/{meeting.pk}",
        "/api/v1/meetings",
        f"/petitions/{pk}/",
        "/petitions/?state=all",
        "/petitions/?state=rejected",
        f"/petitions/{pk}/count.json",
        f"/petitions/{pk}.json",
        "/petitions.json?state=all",
        "/petitions.json?state=rejected",
        "/petitions.json?state=responded",
        f"/api/v1/petitions/{pk}",
        f"/api/v1/petitions/{pk}/breakdowns",
        "/api/v1/petitions?state=all",
        "/api/v1/petitions?state=rejected",
        "/api/v1/petitions?state=responded",
        "/api/v1/responses",
        "/api/v1/responses?status=published",
        "/petitions.csv",
        "/feeds/petitions.atom",
        "/feeds/responses.atom",
        f"/petitions/{pk}/widget/",
    ]


def _fetch(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    body = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[arg-type]
    return body.decode()


@pytest.fixture
def petition(scheme: Scheme, moderator: User) -> Iterator[Petition]:
    with frozen_at(WORLD_STARTS_AT) as traveller:
        petition = open_petition(moderator=moderator, **TYPED)
        update = update_submit(petition_id=petition.pk, token=link_token(petition.creator_token, "update"), **UPDATE)
        update_approve(update_id=update.pk, actor=moderator)
        published = WORLD_STARTS_AT + datetime.timedelta(days=1)
        Response.objects.create(
            petition=petition,
            threshold_reached_at=WORLD_STARTS_AT,
            due_on=datetime.date(2026, 3, 2),
            body=RESPONSE,
            published_at=published,
        )
        Petition.objects.filter(pk=petition.pk).update(response_published_at=published)
        # On a debate's agenda, under the title the clerk's page gives it by default.
        committee = Committee.objects.create(name="Full Council", slug="full-council", kind=CommitteeKind.FULL_COUNCIL)
        meeting = Meeting.objects.create(committee=committee, starts_at=WORLD_STARTS_AT + datetime.timedelta(days=9))
        AgendaItem.objects.create(
            meeting=meeting,
            kind=AgendaItemKind.DEBATE,
            title=f"Debate: {petition.action}",
            petition=petition,
            scheduled_at=meeting.starts_at,
        )
        traveller.move_to(WORLD_STARTS_AT + datetime.timedelta(days=2))
        yield petition


def test_a_hidden_petition_shows_no_text_in_any_public_output(petition: Petition, moderator: User) -> None:
    client = Client()
    before = "\n".join(_fetch(client, url) for url in _outputs(petition.pk))
    # Each creator-typed string, the update and the response reach the public while it is open.
    for text in [*TYPED.values(), *UPDATE.values(), RESPONSE]:
        assert text in before, text
    assert f"Debate: {TYPED['action']}" in _fetch(client, f"/meetings/{Meeting.objects.get().pk}/")

    moderation_take_down(petition_id=petition.pk, reason=RejectionReason.LIBELLOUS, details=REJECTION, actor=moderator)

    leaks = {}
    for url in _outputs(petition.pk):
        shown = _fetch(client, url)
        # Every distinctive string names Zorblat: no part of any of them may show either.
        leaked = [text for text in DISTINCTIVE if text in shown] or (["Zorblat"] if "Zorblat" in shown else [])
        if leaked:
            leaks[url] = leaked
    assert leaks == {}, "\n".join(f"{url}: {texts}" for url, texts in leaks.items())
