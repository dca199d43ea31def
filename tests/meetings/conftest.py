"""Fixtures for meetings and questions: committees, petitions that reached a route's
threshold, and time frozen at WORLD_STARTS_AT that tests move forward (`frozen_time`)."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from tests.builders import MEETING_AT, WORLD_STARTS_AT, frozen_at, open_petition
from townhall.accounts.models import User
from townhall.meetings.models import AgendaItem, AgendaItemKind, Committee, CommitteeKind, Meeting
from townhall.meetings.services import agenda_item_add, committee_create, meeting_schedule
from townhall.petitions.models import Petition
from townhall.petitions.services import petition_tally_add
from townhall.schemes.models import Scheme


@pytest.fixture
def frozen_time() -> Iterator[time_machine.Traveller]:
    """Time frozen at WORLD_STARTS_AT; tests call frozen_time.move_to(...) to let it pass."""
    with frozen_at(WORLD_STARTS_AT) as traveller:
        yield traveller


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
def debate_petition(scheme: Scheme, moderator: User, frozen_time: time_machine.Traveller) -> Petition:
    """Reached the Full Council debate threshold (3,006 of a population of 300,600)."""
    return petition_with(moderator, signatures=3_006, action="Keep Riverside Library open seven days a week")


@pytest.fixture
def evidence_petition(scheme: Scheme, moderator: User, frozen_time: time_machine.Traveller) -> Petition:
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
