"""The API's world (tests/api/world.py), built at WORLD_STARTS_AT and looked at a week later."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

import pytest

from tests.api.world import World, build_world
from tests.builders import WORLD_STARTS_AT, frozen_at
from townhall.accounts.models import User
from townhall.schemes.models import Scheme


@pytest.fixture
def world(scheme: Scheme, moderator: User) -> Iterator[World]:
    """The world, with time frozen a week after it was built (WORLD_STARTS_AT + 7 days)."""
    with frozen_at(WORLD_STARTS_AT) as traveller:
        built = build_world(moderator=moderator)
        traveller.move_to(WORLD_STARTS_AT + datetime.timedelta(days=7))
        yield built
