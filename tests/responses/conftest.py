"""Helpers for response tests: petitions taken over the response threshold through the
real services (sign, confirm, count), at a chosen moment."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine

from tests.conftest import open_petition
from townhall.accounts.models import Role, User
from townhall.petitions.models import Petition
from townhall.responses.models import Response
from townhall.responses.services import response_open_due, response_publish, response_save_draft
from townhall.schemes.models import Threshold, ThresholdKind
from townhall.signatures.models import Signature
from townhall.signatures.services import signature_confirm, signature_count_new, signature_create

UTC = datetime.UTC
# Thursday 12 February 2026: with the English council preset (20 working days) a response
# owed from this day is due by Thursday 12 March 2026.
CROSSED_AT = datetime.datetime(2026, 2, 12, 10, 0, tzinfo=UTC)
DUE_ON = datetime.date(2026, 3, 12)
RESPONSE_THRESHOLD = 10
RESPONSE_TEXT = "Thank you for your petition.\n\nWe will reopen the toilets on 1 May."


@pytest.fixture
def responder(db: Any) -> User:
    return User.objects.create_user(
        "responder", "responder@example.org", "correct-horse-battery", roles=[Role.RESPONDER.value]
    )


@pytest.fixture
def administrator(db: Any) -> User:
    return User.objects.create_user(
        "administrator", "admin@example.org", "correct-horse-battery", roles=[Role.ADMINISTRATOR.value]
    )


def sign(petition: Petition, n: int, *, wants_updates: bool = True, confirm: bool = True) -> Signature:
    """One resident signs (and by default confirms) through the real services."""
    outcome = signature_create(
        petition_id=petition.pk,
        name=f"Signer {n}",
        email=f"signer{n}@example.org",
        postcode="KM3 3DE",
        declared_eligible=True,
        wants_updates=wants_updates,
    )
    signature = Signature.objects.get(pk=outcome.signature_id)
    if confirm:
        signature_confirm(signature_id=signature.pk, token=signature.token)
        signature.refresh_from_db()
    return signature


def set_response_threshold(count: int = RESPONSE_THRESHOLD) -> None:
    Threshold.objects.filter(kind=ThresholdKind.RESPONSE).update(count=count)


def cross_threshold(
    *, moderator: User, crossed_at: datetime.datetime = CROSSED_AT, subscribers: int = 5, **petition: Any
) -> Petition:
    """An open petition whose counter run at `crossed_at` took it over the response
    threshold, with `subscribers` confirmed signers who asked for updates (the scheme's
    sponsors did not)."""
    set_response_threshold()
    with time_machine.travel(crossed_at - datetime.timedelta(days=3), tick=False):
        opened = open_petition(moderator=moderator, **petition)
        for n in range(subscribers):
            sign(opened, n)
    with time_machine.travel(crossed_at, tick=False):
        signature_count_new()
    opened.refresh_from_db()
    return opened


def owe_response(*, moderator: User, crossed_at: datetime.datetime = CROSSED_AT, **kwargs: Any) -> Response:
    """A petition over the threshold and the response the scheduler opened for it."""
    petition = cross_threshold(moderator=moderator, crossed_at=crossed_at, **kwargs)
    with time_machine.travel(crossed_at + datetime.timedelta(seconds=5), tick=False):
        assert response_open_due() == 1
    return Response.objects.get(petition=petition)


def publish(response: Response, *, by: User, text: str = RESPONSE_TEXT) -> Response:
    response_save_draft(response_id=response.pk, text=text, actor=by)
    return response_publish(response_id=response.pk, actor=by)
