"""Reads of responses: the public deadline clock, and the responders' queue."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.utils import timezone

from townhall.core.errors import NotFound
from townhall.mail.selectors import letters_progress
from townhall.petitions.models import PUBLISHED_STATES, PetitionState
from townhall.petitions.selectors import petition_require_public
from townhall.responses.deadlines import days_left, overdue_by
from townhall.responses.models import Response
from townhall.signatures.models import Signature, SignatureState

RECENTLY_PUBLISHED = 20


@dataclass(frozen=True)
class ResponseStatus:
    """Where a petition's response stands today, for the public page and timeline.

    Until publication the clock runs: `days_left` counts down to the due date and
    `overdue_by` counts the days after it. Once published the clock stops: both are 0
    and `late_by` says how many days after the due date it was published (0 if on time).
    """

    response_id: int
    threshold_reached_at: datetime.datetime
    due_on: datetime.date
    days_left: int
    overdue_by: int
    is_published: bool
    body: str
    published_at: datetime.datetime | None
    late_by: int

    @property
    def is_overdue(self) -> bool:
        return self.overdue_by > 0


def _status(response: Response, *, today: datetime.date) -> ResponseStatus:
    published_at = response.published_at
    if published_at is not None:
        late_by = overdue_by(due_on=response.due_on, today=timezone.localdate(published_at))
        left = overdue = 0
    else:
        late_by = 0
        left = days_left(due_on=response.due_on, today=today)
        overdue = overdue_by(due_on=response.due_on, today=today)
    return ResponseStatus(
        response_id=response.pk,
        threshold_reached_at=response.threshold_reached_at,
        due_on=response.due_on,
        days_left=left,
        overdue_by=overdue,
        is_published=published_at is not None,
        body=response.body,
        published_at=published_at,
        late_by=late_by,
    )


def response_status(*, petition: Any, today: datetime.date | None = None) -> ResponseStatus | None:
    """The petition's response clock, or None if no response is owed (one query).

    `today` is the body's local date (timezone.localdate()) unless given.
    """
    response = (
        Response.objects.filter(petition_id=petition.pk)
        .only("id", "petition_id", "threshold_reached_at", "due_on", "body", "published_at")
        .first()
    )
    if response is None:
        return None
    return _status(response, today=today or timezone.localdate())


@dataclass(frozen=True)
class ResponderQueueItem:
    response_id: int
    petition_id: int
    petition_action: str
    decision_maker: str
    signature_count: int
    status: ResponseStatus
    has_draft: bool


def response_list_for_responders(*, today: datetime.date | None = None) -> list[ResponderQueueItem]:
    """The responders' queue: every response still owed, soonest due first (the overdue
    ones therefore at the top, flagged), then the most recently published.

    Responses for petitions since removed are not owed any more and are left out.
    Two queries.
    """
    today = today or timezone.localdate()
    base = Response.objects.select_related("petition").exclude(petition__state=PetitionState.REMOVED)
    owed = base.filter(published_at__isnull=True).order_by("due_on", "id")
    published = base.filter(published_at__isnull=False).order_by("-published_at", "-id")[:RECENTLY_PUBLISHED]
    return [
        ResponderQueueItem(
            response_id=response.pk,
            petition_id=response.petition_id,
            petition_action=response.petition.action,
            decision_maker=response.petition.decision_maker,
            signature_count=response.petition.signature_count,
            status=_status(response, today=today),
            has_draft=bool(response.draft),
        )
        for response in [*owed, *published]
    ]


def response_get_for_responder(*, response_id: int) -> Response:
    """A response with its petition, for the responders' pages."""
    response = (
        Response.objects.select_related("petition", "drafted_by", "published_by", "official__person")
        .filter(pk=response_id)
        .first()
    )
    if response is None:
        raise NotFound("There is no response with that number.")
    return response


def response_status_of(*, response: Response, today: datetime.date | None = None) -> ResponseStatus:
    """The clock of a response already loaded (no query)."""
    return _status(response, today=today or timezone.localdate())


def response_preview_status(*, response: Response) -> ResponseStatus:
    """The public panel's view of the saved draft, as if it were published now (no query)."""
    now = timezone.now()
    current = _status(response, today=timezone.localdate(now))
    return ResponseStatus(
        response_id=response.pk,
        threshold_reached_at=response.threshold_reached_at,
        due_on=response.due_on,
        days_left=0,
        overdue_by=0,
        is_published=True,
        body=response.draft,
        published_at=now,
        late_by=current.overdue_by,
    )


def response_count_subscribers(*, response: Response) -> int:
    """How many signers the published response will be emailed to: confirmed signers who
    asked for updates (the same rule as signatures.selectors.signature_iter_subscribers).
    """
    return Signature.objects.filter(
        petition_id=response.petition_id, state=SignatureState.VERIFIED, wants_updates=True
    ).count()


@dataclass(frozen=True)
class FanoutProgress:
    queued: int
    sent: int
    finished_at: datetime.datetime | None


def response_fanout_progress(*, response: Response) -> FanoutProgress:
    """How far the published response's emails have got: queued, and sent by the drain."""
    letters = letters_progress(key_prefix=f"response:{response.pk}:signature:")
    return FanoutProgress(queued=letters.queued, sent=letters.sent, finished_at=response.fanout_finished_at)


class ResponseFilter:
    ALL = "all"
    PUBLISHED = "published"
    OWED = "owed"
    OVERDUE = "overdue"


def response_page_public(*, status: str, today: datetime.date, page: int, page_size: int) -> Page[Response]:
    """Responses to published petitions: published ones newest first, or owed ones soonest
    due first (`overdue`: owed and already past their due date). Drafts are never read."""
    responses = Response.objects.select_related("petition", "official__person").filter(
        petition__state__in=PUBLISHED_STATES
    )
    if status == ResponseFilter.PUBLISHED:
        responses = responses.filter(published_at__isnull=False).order_by("-published_at", "-id")
    elif status in (ResponseFilter.OWED, ResponseFilter.OVERDUE):
        responses = responses.filter(published_at__isnull=True).order_by("due_on", "id")
        if status == ResponseFilter.OVERDUE:
            responses = responses.filter(due_on__lt=today)
    else:
        responses = responses.order_by("due_on", "id")
    return Paginator(responses, page_size).get_page(page)


def response_get_public(*, response_id: int) -> Response:
    """A response whose petition is published; a removed petition's response is Gone."""
    response = Response.objects.select_related("petition", "official__person").filter(pk=response_id).first()
    if response is None:
        raise NotFound("There is no response with that number.")
    petition_require_public(
        response.petition,
        not_found="There is no response with that number.",
        gone="The petition this response answered has been removed.",
    )
    return response


def response_list_recently_published(*, limit: int) -> list[Response]:
    return list(
        Response.objects.select_related("petition", "official__person")
        .filter(published_at__isnull=False, petition__state__in=PUBLISHED_STATES)
        .order_by("-published_at", "-id")[:limit]
    )


def response_map_published(*, petition_ids: Iterable[int]) -> dict[int, Response]:
    """The published responses of many petitions, by petition id (one query)."""
    published = Response.objects.select_related("petition").filter(
        petition_id__in=list(petition_ids), published_at__isnull=False
    )
    return {response.petition_id: response for response in published}
