"""Shared fixtures: a configured body and scheme, staff, and helpers that drive the
real services (no shortcuts around the state machine)."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.core import mail
from django.db import connection

from townhall.accounts.models import Role, User
from townhall.core import localcache
from townhall.officials.models import Official
from townhall.officials.services import official_appoint
from townhall.petitions.models import Petition
from townhall.petitions.services import petition_confirm_creator, petition_create, petition_open
from townhall.schemes.models import Scheme
from townhall.schemes.services import body_setup
from townhall.signatures.models import Signature
from townhall.signatures.services import signature_confirm, signature_create


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `postgres` run only on the PostgreSQL pass of `make test`."""
    if connection.vendor == "postgresql":
        return
    selected, deselected = [], []
    for item in items:
        (deselected if item.get_closest_marker("postgres") else selected).append(item)
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
def moderator(db: Any) -> User:
    return User.objects.create_user("mod", "mod@example.org", "correct-horse-battery", roles=[Role.MODERATOR.value])


def make_petition(**overrides: Any) -> Petition:
    fields: dict[str, Any] = {
        "action": "Reopen the public toilets on Kingsmere Road",
        "background": "The toilets by the market closed in March.",
        "additional_details": "",
        "decision_maker": "Cabinet Member for Environment",
        "official_id": None,
        "creator_name": "Ann Creator",
        "creator_email": "ann@example.org",
        "creator_postcode": "KM1 1AA",
    }
    fields.update(overrides)
    return petition_create(**fields)


def open_petition(*, moderator: User, **overrides: Any) -> Petition:
    """A petition taken through creator confirmation, sponsors and approval."""
    petition = make_petition(**overrides)
    petition_confirm_creator(petition_id=petition.pk, token=petition.creator_token)
    scheme = Scheme.objects.get()
    for n in range(scheme.sponsor_count):
        outcome = signature_create(
            petition_id=petition.pk,
            name=f"Sponsor {n}",
            email=f"sponsor{n}@example.org",
            postcode="KM2 2BB",
            declared_eligible=True,
            wants_updates=False,
            sponsor_token=petition.sponsor_token,
        )
        signature = Signature.objects.get(pk=outcome.signature_id)
        signature_confirm(signature_id=signature.pk, token=signature.token)
    return petition_open(petition_id=petition.pk, actor=moderator)


def sign_pending(petition_id: int, *, name: str, email: str, postcode: str = "SW1A 1AA") -> Signature:
    """A resident signs through the real service; returns the new, unconfirmed signature."""
    outcome = signature_create(
        petition_id=petition_id,
        name=name,
        email=email,
        postcode=postcode,
        declared_eligible=True,
        wants_updates=False,
    )
    return Signature.objects.get(pk=outcome.signature_id)


def links_in(body: str) -> list[str]:
    return re.findall(r"https?://\S+", body)
