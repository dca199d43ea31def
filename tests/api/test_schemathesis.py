"""schemathesis against /api/v1/openapi.json, in-process over WSGI (bounded for CI).

Every operation gets a few generated requests (valid and invalid parameters) against a
fixed world of petitions, meetings, questions and officials; every response must be
documented for its status, match its documented schema (including every error body),
and no response may be a 5xx.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
import time_machine
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from tests.api.world import build_world
from tests.builders import WORLD_STARTS_AT
from townhall.accounts.models import User
from townhall.schemes.models import Scheme

MAX_EXAMPLES = 8


@pytest.fixture
def _same_connection() -> Iterator[None]:
    """Requests run in the test's transaction, as with Django's test client: the WSGI
    handler must not close the connection between requests."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def unthrottled_world(scheme: Scheme, moderator: User, settings: Any, _same_connection: None) -> None:
    """The API's world, built at WORLD_STARTS_AT (time runs on afterwards), with no rate limit."""
    settings.TOWNHALL = {**settings.TOWNHALL, "API_RATE_LIMIT": (1_000_000, 60)}
    with time_machine.travel(WORLD_STARTS_AT, tick=False):
        build_world(moderator=moderator)


# Loaded when the module is collected: the spec is generated from code (no database).
# (schemathesis.pytest.from_fixture would load it per test, but fails on pytest 9.)
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@schema.parametrize()
@hypothesis_settings(
    max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
)
def test_api_conforms_to_its_openapi_document(case: Any, unthrottled_world: None) -> None:
    case.call_and_validate()
