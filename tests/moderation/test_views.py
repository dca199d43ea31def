"""The moderators' queue and decision pages."""

from __future__ import annotations

import datetime
from html import unescape
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client

from tests.builders import awaiting_petition, make_petition, open_petition, staff
from tests.moderation.test_services import EVERYONE, snapshot
from townhall.accounts.models import Role, User
from townhall.audit.models import AuditEvent
from townhall.petitions.models import HIDING_REASONS, Petition, PetitionState, RejectionReason
from townhall.petitions.services import petition_confirm_creator
from townhall.schemes.models import Scheme

pytestmark = pytest.mark.django_db

ACTION = "Reopen the public toilets on Kingsmere Road"
BACKGROUND = "The toilets by the market closed in March."


@pytest.fixture
def petition(scheme: Scheme) -> Petition:
    return awaiting_petition()


def _urls(pk: int) -> dict[str, str]:
    return {
        "queue": "/moderation/",
        "detail": f"/moderation/{pk}/",
        "approve": f"/moderation/{pk}/approve/",
        "reject": f"/moderation/{pk}/reject/",
    }


# --- who may see the pages ------------------------------------------------------------------


@pytest.mark.parametrize("page", ["queue", "detail"])
def test_anonymous_visitors_are_sent_to_the_staff_login(client: Client, petition: Petition, page: str) -> None:
    url = _urls(petition.pk)[page]

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"/staff/login/?next={url}"


@pytest.mark.parametrize("page", ["approve", "reject"])
def test_anonymous_decisions_are_sent_to_the_login_and_change_nothing(
    client: Client, petition: Petition, page: str, django_capture_on_commit_callbacks: Any
) -> None:
    before = snapshot(petition)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_urls(petition.pk)[page], {"reason": "duplicate"})

    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/?next=")
    assert snapshot(petition) == before
    assert mail.outbox == []


def test_the_login_page_leads_back_to_the_queue(client: Client, moderator: User) -> None:
    response = client.post(
        "/staff/login/", {"username": "mod", "password": "correct-horse-battery", "next": "/moderation/"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/moderation/"


@pytest.mark.parametrize("roles", [[], [Role.RESPONDER.value], [Role.CLERK.value]], ids=["none", "responder", "clerk"])
@pytest.mark.parametrize("page", ["queue", "detail", "approve", "reject"])
def test_staff_without_the_moderator_role_are_refused(
    client: Client, petition: Petition, roles: list[str], page: str, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(staff("clerk", *roles))
    before = snapshot(petition)
    url = _urls(petition.pk)[page]

    with django_capture_on_commit_callbacks(execute=True):
        is_decision = page in ("approve", "reject")
        response = client.post(url, {"reason": "duplicate"}) if is_decision else client.get(url)

    assert response.status_code == 403
    assert "You need the moderator role to see this page." in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    assert snapshot(petition) == before
    assert mail.outbox == []


def test_an_administrator_sees_the_queue(client: Client, petition: Petition) -> None:
    client.force_login(staff("boss", Role.ADMINISTRATOR))

    response = client.get("/moderation/")

    assert response.status_code == 200
    assert ACTION in response.content.decode()


# --- the queue --------------------------------------------------------------------------------


def test_the_queue_lists_only_petitions_awaiting_moderation_oldest_first(
    moderator_client: Client, scheme: Scheme, moderator: User
) -> None:
    start = datetime.datetime(2025, 5, 1, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False) as clock:
        middle = awaiting_petition(action="Fix the potholes on Mill Lane")
        clock.move_to(start - datetime.timedelta(days=2))
        oldest = awaiting_petition(action="Keep the library open on Sundays")
        clock.move_to(start + datetime.timedelta(days=3))
        newest = awaiting_petition(action="Plant trees along the High Street")
        open_petition(moderator=moderator, action="Publish the bus timetable online")
        make_petition(action="Pending creator confirmation petition")
        sponsoring = make_petition(action="Still collecting sponsors petition")
        petition_confirm_creator(petition_id=sponsoring.pk, token=sponsoring.creator_token)
        rejected = awaiting_petition(action="Already rejected petition")
        moderator_client.post(f"/moderation/{rejected.pk}/reject/", {"reason": "duplicate"}, follow=True)

        response = moderator_client.get("/moderation/")

    assert response.status_code == 200
    assert [e.petition.pk for e in response.context["entries"]] == [oldest.pk, middle.pk, newest.pk]
    html = response.content.decode()
    positions = [html.index(p.action) for p in (oldest, middle, newest)]
    assert positions == sorted(positions)
    for hidden in ["Publish the bus timetable", "Pending creator", "Still collecting", "Already rejected"]:
        assert hidden not in html
    assert f'href="/moderation/{oldest.pk}/"' in html
    assert response["Cache-Control"] == "no-store"


def test_an_empty_queue_says_so(moderator_client: Client, scheme: Scheme) -> None:
    response = moderator_client.get("/moderation/")

    assert "Nothing is waiting for moderation." in response.content.decode()


def test_the_decision_page_shows_the_petition_and_every_reason(moderator_client: Client, petition: Petition) -> None:
    response = moderator_client.get(f"/moderation/{petition.pk}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert ACTION in html
    assert BACKGROUND in html
    assert "Ann Creator, KM1 1AA" in html
    assert f'action="/moderation/{petition.pk}/approve/"' in html
    assert f'action="/moderation/{petition.pk}/reject/"' in html
    for reason in RejectionReason:
        assert f'value="{reason.value}"' in html
    assert html.count("(hides the petition)") == len(HIDING_REASONS)
    assert response["Cache-Control"] == "no-store"


def test_the_decision_page_offers_no_decision_once_decided(
    moderator_client: Client, scheme: Scheme, moderator: User
) -> None:
    petition = open_petition(moderator=moderator)

    html = moderator_client.get(f"/moderation/{petition.pk}/").content.decode()

    assert ACTION in html
    assert "/approve/" not in html
    assert "/reject/" not in html


def test_the_decision_page_for_a_missing_petition_is_404(moderator_client: Client, scheme: Scheme) -> None:
    assert moderator_client.get("/moderation/999999/").status_code == 404


# --- approving ---------------------------------------------------------------------------------


def test_approving_publishes_the_petition_and_emails_creator_and_sponsors(
    moderator_client: Client, petition: Petition, moderator: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = moderator_client.post(f"/moderation/{petition.pk}/approve/")

    assert response.status_code == 302
    assert response["Location"] == "/moderation/"
    petition.refresh_from_db()
    assert petition.state == PetitionState.OPEN
    assert petition.deadline_at is not None
    assert AuditEvent.objects.get(action="petition.opened").actor == moderator
    assert sorted(m.to[0] for m in mail.outbox) == sorted(EVERYONE)
    assert all(f"http://testserver/petitions/{petition.pk}/" in m.body for m in mail.outbox)
    queue = moderator_client.get("/moderation/").content.decode()
    assert f"Approved and published: “{ACTION}”." in queue
    assert "Nothing is waiting for moderation." in queue
    assert moderator_client.get(f"/petitions/{petition.pk}/").status_code == 200


def test_approving_an_open_petition_is_a_conflict_and_changes_nothing(
    moderator_client: Client, scheme: Scheme, moderator: User, django_capture_on_commit_callbacks: Any
) -> None:
    petition = open_petition(moderator=moderator)
    before = snapshot(petition)
    events = AuditEvent.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        response = moderator_client.post(f"/moderation/{petition.pk}/approve/")

    assert response.status_code == 409
    assert "This petition is open, so it cannot be approved." in response.content.decode()
    assert 'data-error-code="petition_state"' in response.content.decode()
    assert snapshot(petition) == before
    assert AuditEvent.objects.count() == events
    assert mail.outbox == []


def test_approving_a_missing_petition_is_404(moderator_client: Client, scheme: Scheme) -> None:
    assert moderator_client.post("/moderation/999999/approve/").status_code == 404


@pytest.mark.parametrize("page", ["approve", "reject"])
def test_decisions_refuse_get(moderator_client: Client, petition: Petition, page: str) -> None:
    before = snapshot(petition)

    response = moderator_client.get(_urls(petition.pk)[page], {"reason": "duplicate"})

    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert snapshot(petition) == before


@pytest.mark.parametrize("page", ["approve", "reject"])
def test_decisions_need_the_csrf_token(moderator: User, petition: Petition, page: str) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(moderator)
    before = snapshot(petition)

    response = client.post(_urls(petition.pk)[page], {"reason": "duplicate"})

    assert response.status_code == 403
    assert snapshot(petition) == before


# --- rejecting ---------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", list(RejectionReason), ids=lambda r: r.value)
def test_rejecting_with_each_reason(
    moderator_client: Client,
    client: Client,
    petition: Petition,
    reason: RejectionReason,
    django_capture_on_commit_callbacks: Any,
) -> None:
    details = "A petition asking for this is already open: please sign that one."
    with django_capture_on_commit_callbacks(execute=True):
        response = moderator_client.post(
            f"/moderation/{petition.pk}/reject/", {"reason": reason.value, "details": details}
        )

    assert response.status_code == 302
    assert response["Location"] == "/moderation/"
    petition.refresh_from_db()
    assert petition.state == PetitionState.REJECTED
    assert petition.rejection_reason == reason.value
    assert sorted(m.to[0] for m in mail.outbox) == sorted(EVERYONE)
    assert f"Rejected: “{ACTION}”." in moderator_client.get("/moderation/").content.decode()

    client.logout()
    public = client.get(f"/petitions/{petition.pk}/")
    assert public.status_code == 200
    html = unescape(public.content.decode())
    assert "This petition was rejected" in html
    if reason in HIDING_REASONS:
        assert "so its text is not shown" in html
        assert str(reason.label).lower() in html
        assert ACTION not in html
        assert BACKGROUND not in html
        assert details not in html
        assert "Ann Creator" not in html
    else:
        assert ACTION in html
        assert BACKGROUND in html
        assert f"{reason.label}." in html
        assert details in html


def test_rejecting_without_a_reason_explains_and_changes_nothing(
    moderator_client: Client, petition: Petition, django_capture_on_commit_callbacks: Any
) -> None:
    before = snapshot(petition)

    with django_capture_on_commit_callbacks(execute=True):
        response = moderator_client.post(f"/moderation/{petition.pk}/reject/", {"details": "I typed this explanation."})

    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose a reason for rejecting the petition." in html
    assert "I typed this explanation." in html  # nothing typed is lost
    assert response["Cache-Control"] == "no-store"
    assert snapshot(petition) == before
    assert mail.outbox == []
    assert not AuditEvent.objects.filter(action="petition.rejected").exists()


def test_rejecting_with_an_unknown_reason_changes_nothing(moderator_client: Client, petition: Petition) -> None:
    before = snapshot(petition)

    response = moderator_client.post(f"/moderation/{petition.pk}/reject/", {"reason": "spam"})

    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()
    assert snapshot(petition) == before


def test_rejecting_an_open_petition_shows_why_and_changes_nothing(
    moderator_client: Client, scheme: Scheme, moderator: User, django_capture_on_commit_callbacks: Any
) -> None:
    petition = open_petition(moderator=moderator)
    before = snapshot(petition)

    with django_capture_on_commit_callbacks(execute=True):
        response = moderator_client.post(f"/moderation/{petition.pk}/reject/", {"reason": "duplicate"})

    assert response.status_code == 409
    assert "This petition is open, so it cannot be rejected." in response.content.decode()
    assert snapshot(petition) == before
    assert mail.outbox == []
