"""Fixtures for meetings and questions: staff in each role, committees, petitions that
reached a route's threshold, and a frozen clock that tests move forward."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from tests.conftest import open_petition
from townhall.accounts.models import Role, User
from townhall.meetings.models import AgendaItem, AgendaItemKind, Committee, CommitteeKind, Meeting
from townhall.meetings.services import agenda_item_add, committee_create, meeting_schedule
from townhall.petitions.models import Petition
from townhall.petitions.services import petition_tally_add
from townhall.schemes.models import Scheme
from townhall.signatures.models import Signature
from townhall.signatures.services import signature_confirm, signature_create

UTC = datetime.UTC
# Monday 2 February 2026, 10:00 GMT. Meetings in these tests are in March (still GMT).
T0 = datetime.datetime(2026, 2, 2, 10, 0, tzinfo=UTC)
# Tuesday 10 March 2026, 19:00 GMT: questions close 7 days before, on 3 March at 19:00.
MEETING_AT = datetime.datetime(2026, 3, 10, 19, 0, tzinfo=UTC)


def make_staff(username: str, *roles: Role) -> User:
    return User.objects.create_user(
        username, f"{username}@example.org", "correct-horse-battery", roles=[r.value for r in roles]
    )


@pytest.fixture
def clock() -> Iterator[Any]:
    """The clock, frozen at T0; tests call clock.move_to(...) to let time pass."""
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def clerk(db: Any) -> User:
    return make_staff("clerk", Role.CLERK)


@pytest.fixture
def responder(db: Any) -> User:
    return make_staff("responder", Role.RESPONDER)


@pytest.fixture
def full_council(clerk: User) -> Committee:
    return committee_create(name="Full Council", kind=CommitteeKind.FULL_COUNCIL, actor=clerk)


@pytest.fixture
def scrutiny(clerk: User) -> Committee:
    return committee_create(name="Overview and Scrutiny", kind=CommitteeKind.SCRUTINY, actor=clerk)


def petition_with(moderator: User, *, signatures: int, **overrides: Any) -> Petition:
    """An open petition whose count the counter has taken to `signatures` (crossings recorded)."""
    petition = open_petition(moderator=moderator, **overrides)
    petition_tally_add(increments={petition.pk: signatures}, at=timezone.now())
    petition.refresh_from_db()
    return petition


@pytest.fixture
def debate_petition(scheme: Scheme, moderator: User, clock: Any) -> Petition:
    """Reached the Full Council debate threshold (3,006 of a population of 300,600)."""
    return petition_with(moderator, signatures=3_006, action="Keep Riverside Library open seven days a week")


@pytest.fixture
def evidence_petition(scheme: Scheme, moderator: User, clock: Any) -> Petition:
    """Reached officer evidence (1,500) but not debate."""
    return petition_with(
        moderator, signatures=1_500, action="Publish the full reasons for the Chief Executive's departure"
    )


def schedule(clerk: User, committee: Committee, *, starts_at: datetime.datetime = MEETING_AT) -> Meeting:
    return meeting_schedule(committee_id=committee.pk, starts_at=starts_at, location="Council Chamber", actor=clerk)


def add_debate(clerk: User, meeting: Meeting, petition: Petition) -> AgendaItem:
    return agenda_item_add(
        meeting_id=meeting.pk, kind=AgendaItemKind.DEBATE, title="", petition_id=petition.pk, actor=clerk
    )


def signer(petition: Petition, n: int, *, wants_updates: bool, confirm: bool = True) -> Signature:
    outcome = signature_create(
        petition_id=petition.pk,
        name=f"Signer {n}",
        email=f"signer{n}@example.org",
        postcode="KM6 6FF",
        declared_eligible=True,
        wants_updates=wants_updates,
    )
    signature = Signature.objects.get(pk=outcome.signature_id)
    if confirm:
        signature_confirm(signature_id=signature.pk, token=signature.token)
    return signature
