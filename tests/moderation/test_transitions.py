"""Every staff decision in every petition state, against the one table of allowed
transitions (`DECISIONS` in townhall/petitions/policies.py): through the services, and
through direct POSTs to the decision pages. A refusal is a 409 that names the state and
changes nothing; the decision page offers exactly the allowed ones.

Re-moderation never re-opens a petition: one approved again after being sent back keeps
its opening date and deadline, and is closed if that deadline has passed.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from html import unescape
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone

from tests.builders import awaiting_petition, make_petition, open_petition, settle_mail, sponsoring_petition
from townhall.accounts.models import User
from townhall.audit.models import AuditEvent
from townhall.core.errors import InvalidState
from townhall.moderation.services import (
    moderation_approve,
    moderation_reject,
    moderation_remoderate,
    moderation_remove,
    moderation_take_down,
)
from townhall.petitions.models import Petition, PetitionState, RejectionReason
from townhall.petitions.services import petition_close_expired, petition_reject, petition_remove
from townhall.schemes.models import Scheme

pytestmark = pytest.mark.django_db

S = PetitionState
# What each decision may start from, and where it leads: the table the tests hold the code to.
ALLOWED: dict[str, tuple[set[PetitionState], PetitionState]] = {
    "approve": ({S.AWAITING_MODERATION}, S.OPEN),
    "reject": ({S.AWAITING_MODERATION}, S.REJECTED),
    "take_down": ({S.OPEN, S.CLOSED}, S.REJECTED),
    "remoderate": ({S.REJECTED}, S.AWAITING_MODERATION),
    "remove": ({S.PENDING, S.SPONSORING, S.AWAITING_MODERATION, S.OPEN, S.CLOSED, S.REJECTED}, S.REMOVED),
}
CASES = [(decision, state) for decision in ALLOWED for state in PetitionState]


def _closed(moderator: User) -> Petition:
    petition = open_petition(moderator=moderator)
    Petition.objects.filter(pk=petition.pk).update(deadline_at=timezone.now() - datetime.timedelta(days=1))
    petition_close_expired()
    return petition


def _rejected(moderator: User) -> Petition:
    petition = awaiting_petition()
    return petition_reject(petition_id=petition.pk, reason=RejectionReason.DUPLICATE, details="", actor=moderator)


def _removed(moderator: User) -> Petition:
    petition = awaiting_petition()
    return petition_remove(petition_id=petition.pk, actor=moderator)


BUILDERS: dict[PetitionState, Callable[[User], Petition]] = {
    S.PENDING: lambda moderator: make_petition(),
    S.SPONSORING: lambda moderator: sponsoring_petition(),
    S.AWAITING_MODERATION: lambda moderator: awaiting_petition(),
    S.OPEN: lambda moderator: open_petition(moderator=moderator),
    S.CLOSED: _closed,
    S.REJECTED: _rejected,
    S.REMOVED: _removed,
}

SERVICES: dict[str, Callable[..., Petition]] = {
    "approve": lambda pk, actor: moderation_approve(petition_id=pk, actor=actor),
    "reject": lambda pk, actor: moderation_reject(
        petition_id=pk, reason=RejectionReason.OFFENSIVE, details="Insults.", actor=actor
    ),
    "take_down": lambda pk, actor: moderation_take_down(
        petition_id=pk, reason=RejectionReason.OFFENSIVE, details="Insults.", actor=actor
    ),
    "remoderate": lambda pk, actor: moderation_remoderate(petition_id=pk, actor=actor),
    "remove": lambda pk, actor: moderation_remove(petition_id=pk, actor=actor),
}
POSTS = {
    "reject": {"reason": RejectionReason.OFFENSIVE, "details": "Insults."},
    "take_down": {"takedown-reason": RejectionReason.OFFENSIVE, "takedown-details": "Insults."},
}


def _snapshot(petition: Petition) -> dict[str, Any]:
    return Petition.objects.values().get(pk=petition.pk)


def _refusal(state: PetitionState) -> str:
    return f"This petition is {state.label.lower()}, so it cannot be"


@pytest.fixture
def in_state(scheme: Scheme, moderator: User) -> Callable[[PetitionState], Petition]:
    def build(state: PetitionState) -> Petition:
        petition = BUILDERS[state](moderator)
        petition.refresh_from_db()
        assert petition.state == state
        mail.outbox = []
        return petition

    return build


Refusal = tuple[int, str]  # its HTTP status, and the text that explains it


def _by_service(petition: Petition, decision: str, actor: User, client: Client) -> Refusal | None:
    """Take the decision through its service; the refusal, or None if taken."""
    try:
        SERVICES[decision](petition.pk, actor)
    except InvalidState as refused:
        return refused.http_status, f"{refused.code}: {refused.message}"
    return None


def _by_post(petition: Petition, decision: str, actor: User, client: Client) -> Refusal | None:
    """POST the decision to its page directly; the refusal page, or None if taken.
    The decision page offers the decision exactly when it is taken."""
    client.force_login(actor)
    url = f"/moderation/{petition.pk}/{decision.replace('_', '-')}/"
    offered = url in client.get(f"/moderation/{petition.pk}/").content.decode()
    response = client.post(url, POSTS.get(decision, {}))
    assert offered == (response.status_code == 302)
    if response.status_code == 302:
        return None
    return response.status_code, unescape(response.content.decode())


@pytest.mark.parametrize("decide", [_by_service, _by_post], ids=["service", "post"])
@pytest.mark.parametrize(("decision", "state"), CASES, ids=[f"{d}-from-{s.value}" for d, s in CASES])
def test_each_decision_in_each_state(
    in_state: Callable[[PetitionState], Petition],
    administrator: User,
    client: Client,
    decide: Callable[[Petition, str, User, Client], Refusal | None],
    decision: str,
    state: PetitionState,
    django_capture_on_commit_callbacks: Any,
) -> None:
    petition = in_state(state)
    before = _snapshot(petition)
    events = AuditEvent.objects.count()
    allowed_from, leads_to = ALLOWED[decision]

    with django_capture_on_commit_callbacks(execute=True):
        refusal = decide(petition, decision, administrator, client)

    if state in allowed_from:
        assert refusal is None
        assert _snapshot(petition)["state"] == leads_to
        assert AuditEvent.objects.count() > events
        return
    assert refusal is not None
    status, explained = refusal
    assert status == 409
    assert _refusal(state) in explained
    assert _snapshot(petition) == before
    assert AuditEvent.objects.count() == events
    assert mail.outbox == []


# --- re-moderation never re-opens a petition ---------------------------------------------------

OPENED = datetime.datetime(2025, 9, 1, 10, 0, tzinfo=datetime.UTC)


def _taken_down_and_sent_back(petition: Petition, administrator: User) -> None:
    moderation_take_down(petition_id=petition.pk, reason=RejectionReason.LIBELLOUS, details="", actor=administrator)
    moderation_remoderate(petition_id=petition.pk, actor=administrator)


def test_a_closed_petition_approved_again_is_closed_with_its_dates(
    scheme: Scheme, administrator: User, django_capture_on_commit_callbacks: Any
) -> None:
    with time_machine.travel(OPENED, tick=False):
        petition = open_petition(moderator=administrator)
    opened = _snapshot(petition)
    with time_machine.travel(opened["deadline_at"] + datetime.timedelta(days=3), tick=False):
        petition_close_expired()
        closed = _snapshot(petition)
        _taken_down_and_sent_back(petition, administrator)
        settle_mail()  # the take-down's letters went long ago
        with django_capture_on_commit_callbacks(execute=True):
            moderation_approve(petition_id=petition.pk, actor=administrator)

    after = _snapshot(petition)
    assert after["state"] == S.CLOSED
    assert (after["opened_at"], after["deadline_at"], after["closed_at"]) == (
        opened["opened_at"],
        opened["deadline_at"],
        closed["closed_at"],
    )
    assert AuditEvent.objects.filter(action="petition.reinstated", data__state="closed").exists()
    assert mail.outbox
    assert "open for signatures" not in mail.outbox[0].body
    assert "closed" in mail.outbox[0].body


def test_an_open_petition_approved_again_keeps_its_deadline(scheme: Scheme, administrator: User) -> None:
    with time_machine.travel(OPENED, tick=False):
        petition = open_petition(moderator=administrator)
    opened = _snapshot(petition)
    with time_machine.travel(OPENED + datetime.timedelta(days=30), tick=False):
        _taken_down_and_sent_back(petition, administrator)
        moderation_approve(petition_id=petition.pk, actor=administrator)

    after = _snapshot(petition)
    assert after["state"] == S.OPEN
    assert (after["opened_at"], after["deadline_at"]) == (opened["opened_at"], opened["deadline_at"])


def test_a_petition_whose_deadline_passed_while_taken_down_is_approved_closed(
    scheme: Scheme, administrator: User
) -> None:
    with time_machine.travel(OPENED, tick=False):
        petition = open_petition(moderator=administrator)
        _taken_down_and_sent_back(petition, administrator)
    opened = _snapshot(petition)
    with time_machine.travel(opened["deadline_at"] + datetime.timedelta(days=1), tick=False):
        moderation_approve(petition_id=petition.pk, actor=administrator)

    after = _snapshot(petition)
    assert after["state"] == S.CLOSED
    assert after["deadline_at"] == opened["deadline_at"]
    assert after["closed_at"] == opened["deadline_at"]
