"""Shared fixtures: a configured body, its Mayor, and staff in each role. The builders they
wrap are in tests/builders.py; app-specific worlds live next to their app's tests."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from hypothesis import settings as hypothesis_settings

from tests.areas.geography import load_geography
from tests.builders import make_petition, make_superuser, open_petition, staff
from townhall.accounts.models import Role, User
from townhall.core import localcache
from townhall.officials.models import Official
from townhall.officials.services import official_appoint
from townhall.schemes.models import Scheme
from townhall.schemes.services import body_setup

# Property tests check behaviour, never speed: Hypothesis's default 200 ms deadline per
# example failed on a machine busy with a second test run (speed is measured in make bench).
hypothesis_settings.register_profile("townhall", deadline=None)
hypothesis_settings.load_profile("townhall")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `postgres` run only on the PostgreSQL pass of `make test`; the attack
    laboratory (`lab`) only when asked for (`make test-lab`, in CI)."""
    lab_asked = "lab" in (config.getoption("markexpr") or "")
    on_postgres = connection.vendor == "postgresql"
    selected, deselected = [], []
    for item in items:
        left_out = (item.get_closest_marker("postgres") and not on_postgres) or (
            item.get_closest_marker("lab") and not lab_asked
        )
        (deselected if left_out else selected).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected


@pytest.fixture(autouse=True)
def _clear_outbox() -> None:
    mail.outbox = []


@pytest.fixture(autouse=True)
def _clear_local_caches() -> None:
    """Each test starts with empty process-local caches (rolled-back rows must not linger)."""
    localcache.clear_all()


@pytest.fixture
def scheme(db: Any) -> Scheme:
    """Kingsmere: English council preset, population 300,600 (debate at 3,006), 5 sponsors."""
    return body_setup(
        name="Kingsmere Borough Council",
        area_name="the Borough of Kingsmere",
        population=300_600,
        preset="english-council",
    )


@pytest.fixture
def mayor(db: Any) -> Official:
    return official_appoint(name="Cllr Helen Marsh", role="Mayor", started_on=datetime.date(2024, 5, 1))


@pytest.fixture
def geography(scheme: Scheme) -> None:
    """Kingsmere's wards, constituencies and demo postcodes (tests/areas/geography.py)."""
    load_geography()


# --- Staff, one fixture per role ---------------------------------------------------------------


@pytest.fixture
def moderator(db: Any) -> User:
    """mod@example.org, a moderator."""
    return staff("mod", Role.MODERATOR)


@pytest.fixture
def responder(db: Any) -> User:
    """responder@example.org, a responder."""
    return staff("responder", Role.RESPONDER)


@pytest.fixture
def clerk(db: Any) -> User:
    """clerk@example.org, a clerk."""
    return staff("clerk", Role.CLERK)


@pytest.fixture
def administrator(db: Any) -> User:
    """admin@example.org, holding the administrator role (not a Django superuser)."""
    return staff("admin", Role.ADMINISTRATOR)


@pytest.fixture
def superuser(db: Any) -> User:
    """root@example.org, a Django superuser: the admin site's own administrator."""
    return make_superuser("root")


@pytest.fixture
def moderator_client(client: Client, moderator: User) -> Client:
    """The test's `client`, signed in as the moderator."""
    client.force_login(moderator)
    return client


@pytest.fixture
def superuser_client(client: Client, superuser: User) -> Client:
    """The test's `client`, signed in as the superuser."""
    client.force_login(superuser)
    return client


def links_in(body: str) -> list[str]:
    return re.findall(r"https?://\S+", body)


# Re-exported for tests/browser (not ours to edit), which imports open_petition from here.
__all__ = ["links_in", "make_petition", "open_petition"]
