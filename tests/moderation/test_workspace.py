"""The moderation workspace: queue ages and flags, edit locks, notes, second opinions,
take-down, administrators' removal and re-moderation, history, and the pre-checks."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.test import Client

from tests.builders import WORKSPACE_OPENS_AT, make_petition, open_petition, staff
from townhall.accounts.models import Role, User
from townhall.petitions.models import Petition, PetitionState
from townhall.petitions.services import petition_confirm_creator, petition_request_moderation

pytestmark = pytest.mark.django_db


def _staff(username: str, *roles: Role) -> Client:
    user = staff(username, *roles)
    client = Client()
    client.force_login(user)
    return client


def _awaiting(**overrides: Any) -> Petition:
    petition = make_petition(**overrides)
    petition_confirm_creator(petition_id=petition.pk, token=petition.creator_token)
    return petition_request_moderation(petition_id=petition.pk)


def test_queue_shows_age_overdue_warnings_and_flags(scheme: Any) -> None:
    alice = _staff("alice", Role.MODERATOR)
    with time_machine.travel(WORKSPACE_OPENS_AT, tick=False):
        old = _awaiting(action="Fix the potholes", background="Call Sue on 07700 900123 for details.")
    with time_machine.travel(WORKSPACE_OPENS_AT + datetime.timedelta(days=10), tick=False):
        recent = _awaiting(action="Plant more trees")
    with time_machine.travel(WORKSPACE_OPENS_AT + datetime.timedelta(days=15), tick=False):
        alice.post(f"/moderation/{recent.pk}/second-opinion/", {"reason": "Is this our responsibility?"})
        page = alice.get("/moderation/")
    entries = {e.petition.pk: e for e in page.context["entries"]}
    assert (entries[old.pk].waiting_days, entries[old.pk].is_overdue, entries[old.pk].warnings) == (15, True, 1)
    assert (entries[recent.pk].waiting_days, entries[recent.pk].is_overdue) == (5, False)
    assert entries[recent.pk].needs_second_opinion is True
    html = page.content.decode()
    assert "overdue" in html
    assert "second opinion requested" in html


def test_two_moderators_never_decide_the_same_petition_at_once(scheme: Any) -> None:
    alice, bob = _staff("alice", Role.MODERATOR), _staff("bob", Role.MODERATOR)
    petition = _awaiting()
    with time_machine.travel(WORKSPACE_OPENS_AT, tick=False):
        # Reading the page takes no lock; starting a review does.
        assert "is reviewing" not in bob.get(f"/moderation/{petition.pk}/").content.decode()
        alice.get(f"/moderation/{petition.pk}/")
        alice.post(f"/moderation/{petition.pk}/review/")
        page = bob.get(f"/moderation/{petition.pk}/").content.decode()
        assert "alice is reviewing this petition" in page
        refused = bob.post(f"/moderation/{petition.pk}/approve/")
        assert refused.status_code == 409
        assert Petition.objects.get(pk=petition.pk).state == PetitionState.AWAITING_MODERATION
        assert "alice" in bob.get("/moderation/").content.decode()  # the queue shows who
    with time_machine.travel(WORKSPACE_OPENS_AT + datetime.timedelta(minutes=16), tick=False):  # the lock lapsed
        assert bob.post(f"/moderation/{petition.pk}/approve/").status_code == 302
    assert Petition.objects.get(pk=petition.pk).state == PetitionState.OPEN


def test_notes_and_history(scheme: Any) -> None:
    alice = _staff("alice", Role.MODERATOR)
    petition = _awaiting()
    alice.post(f"/moderation/{petition.pk}/notes/", {"body": "Checked with Highways: our road."})
    blank = alice.post(f"/moderation/{petition.pk}/notes/", {"body": "  "}, follow=True)
    assert "Write the note before adding it." in blank.content.decode()
    alice.post(f"/moderation/{petition.pk}/reject/", {"reason": "duplicate", "details": "See the other one."})
    page = alice.get(f"/moderation/{petition.pk}/").content.decode()
    assert "Checked with Highways: our road." in page
    for step in ["petition.created", "petition.moderation_requested", "moderation.note_added", "petition.rejected"]:
        assert step in page
    # Internal notes never reach the public page.
    assert "Highways" not in Client().get(f"/petitions/{petition.pk}/").content.decode()


def test_moderators_take_down_published_petitions(scheme: Any, moderator: User) -> None:
    alice = _staff("alice", Role.MODERATOR)
    petition = open_petition(moderator=moderator)
    response = alice.post(
        f"/moderation/{petition.pk}/take-down/", {"takedown-reason": "libellous", "takedown-details": "Names a person."}
    )
    assert response.status_code == 302
    petition.refresh_from_db()
    assert (petition.state, petition.rejection_reason) == (PetitionState.REJECTED, "libellous")
    assert petition.is_hidden
    assert "This petition was rejected" in Client().get(f"/petitions/{petition.pk}/").content.decode()


def test_removal_and_remoderation_are_for_administrators(scheme: Any, moderator: User) -> None:
    alice = _staff("alice", Role.MODERATOR)
    root = _staff("root", Role.ADMINISTRATOR)
    petition = open_petition(moderator=moderator)
    assert alice.post(f"/moderation/{petition.pk}/remove/").status_code == 403
    alice.post(f"/moderation/{petition.pk}/take-down/", {"takedown-reason": "duplicate"})
    assert alice.post(f"/moderation/{petition.pk}/remoderate/").status_code == 403
    assert root.post(f"/moderation/{petition.pk}/remoderate/").status_code == 302
    assert Petition.objects.get(pk=petition.pk).state == PetitionState.AWAITING_MODERATION
    assert root.post(f"/moderation/{petition.pk}/remove/").status_code == 302
    assert Client().get(f"/petitions/{petition.pk}/").status_code == 410


def test_the_moderator_sees_the_automated_checks_and_possible_duplicates(scheme: Any, moderator: User) -> None:
    open_petition(moderator=moderator, action="Reopen the public toilets on Kingsmere Road")
    petition = _awaiting(
        action="Reopen the Kingsmere Road public toilets",
        background="The corrupt Mayor closed them. Call 07700 900123.",
    )
    page = _staff("alice", Role.MODERATOR).get(f"/moderation/{petition.pk}/").content.decode()
    assert "allegation" in page
    assert "07700 900123" in page
    assert "Possible duplicates" in page
    assert "similarity" in page


def test_the_creator_sees_warnings_before_submitting_and_keeps_their_text(client: Client, scheme: Any) -> None:
    data = {
        "action": "Sack the corrupt Mayor",
        "background": "Ring me on 07700 900123 for the evidence.",
        "additional_details": "",
        "addressed_to": "other",
        "decision_maker_other": "Full Council",
        "creator_name": "Ann Creator",
        "creator_email": "ann@example.org",
        "creator_postcode": "KM1 1AA",
    }
    check = client.post("/petitions/new/", data)
    html = check.content.decode()
    assert check.status_code == 200
    assert "Remove phone numbers. People can contact you through the site instead." in html
    assert "accuse a named person or office holder" in html
    assert not Petition.objects.exists()
    edit = client.post("/petitions/new/?edit=1", {**data, "seen_similar": "on"})
    assert "Ring me on 07700 900123 for the evidence." in edit.content.decode()  # nothing lost
    assert not Petition.objects.exists()
    done = client.post("/petitions/new/", {**data, "seen_similar": "on"})
    assert done.status_code == 302
    assert Petition.objects.count() == 1
