"""Helpers for response tests: petitions taken over the response threshold through the
real services (sign, confirm, count), at a chosen moment (CROSSED_AT unless told)."""

from __future__ import annotations

import datetime
from typing import Any

import time_machine

from tests.builders import CROSSED_AT, open_petition, sign
from townhall.accounts.models import User
from townhall.petitions.models import Petition
from townhall.responses.models import Response
from townhall.responses.services import response_open_due, response_publish, response_save_draft
from townhall.schemes.models import Threshold, ThresholdKind
from townhall.signatures.services import signature_count_new

RESPONSE_THRESHOLD = 10
RESPONSE_TEXT = "Thank you for your petition.\n\nWe will reopen the toilets on 1 May."


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
            sign(opened, n, wants_updates=True)
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
