"""Reads the API, exports and feeds need that no domain app offers yet.

Only public rows are returned unless the name says otherwise (`..._for_staff`).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from townhall.areas.models import Area, AreaKind
from townhall.core.errors import Gone, NotFound
from townhall.meetings.models import Meeting
from townhall.petitions.models import PUBLISHED_STATES, Petition, PetitionState
from townhall.questions.models import Question, QuestionState
from townhall.responses.models import Response
from townhall.signatures.models import Signature, SignatureState


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
    if response is None or response.petition.state not in (*PUBLISHED_STATES, PetitionState.REMOVED):
        raise NotFound("There is no response with that number.")
    if response.petition.state == PetitionState.REMOVED:
        raise Gone("The petition this response answered has been removed.")
    return response


class MeetingFilter:
    ALL = "all"
    UPCOMING = "upcoming"
    PAST = "past"


def meeting_page_public(
    *, when: str, committee: str | None, now: datetime.datetime, page: int, page_size: int
) -> Page[Meeting]:
    """Every meeting is public (cancelled ones say so): upcoming soonest first, otherwise
    latest first, optionally of one committee (by slug)."""
    meetings: QuerySet[Meeting] = Meeting.objects.select_related("committee")
    if committee:
        meetings = meetings.filter(committee__slug=committee)
    if when == MeetingFilter.UPCOMING:
        meetings = meetings.filter(starts_at__gte=now).order_by("starts_at", "id")
    elif when == MeetingFilter.PAST:
        meetings = meetings.filter(starts_at__lt=now).order_by("-starts_at", "-id")
    else:
        meetings = meetings.order_by("-starts_at", "-id")
    return Paginator(meetings, page_size).get_page(page)


def question_meeting_id(*, question_id: int) -> int | None:
    """The meeting a question (in any state) was asked for, to read it through that
    meeting's public list, where its status is decided."""
    return Question.objects.filter(pk=question_id).values_list("meeting_id", flat=True).first()


# --- exports --------------------------------------------------------------------------

PETITION_CSV_FIELDS = (
    "id",
    "action",
    "state",
    "decision_maker",
    "signature_count",
    "created_at",
    "opened_at",
    "deadline_at",
    "closed_at",
    "rejected_at",
    "rejection_reason",
    "response_published_at",
    "debate_outcome_at",
)


def petition_iter_public_rows(*, chunk_size: int = 2000) -> Iterator[tuple[Any, ...]]:
    """Every published petition as a tuple of PETITION_CSV_FIELDS, oldest first, streamed
    from the database in chunks (never all in memory). Hidden rejections have no action."""
    rows = Petition.objects.filter(state__in=PUBLISHED_STATES).order_by("id").values_list(*PETITION_CSV_FIELDS)
    return rows.iterator(chunk_size=chunk_size)


def signature_has_area() -> bool:
    """The schedule prints each signatory's ward (or, outside the wards we know, their
    local authority) from the location their postcode was tagged with at confirmation."""
    return True


def _area_name(kind: str) -> Subquery:
    return Subquery(Area.objects.filter(locations=OuterRef("location"), kind=kind).order_by("name").values("name")[:1])


def signature_iter_schedule_for_staff(*, petition_id: int, chunk_size: int = 2000) -> Iterator[tuple[Any, ...]]:
    """The confirmed signatories of one petition in the order they confirmed, as tuples
    (name, postcode, area name, verified_at), streamed in chunks of `chunk_size` rows.

    Personal data: staff only (moderators and administrators), for formal delivery of the
    petition to the body. Anonymised signatures come out with blank names and postcodes;
    an unrecognised postcode has a blank area.
    """
    rows = (
        Signature.objects.filter(petition_id=petition_id, state=SignatureState.VERIFIED)
        .annotate(area_name=Coalesce(_area_name(AreaKind.WARD), _area_name(AreaKind.LOCAL_AUTHORITY), Value("")))
        .order_by("verified_at", "id")
        .values_list("name", "postcode", "area_name", "verified_at")
    )
    return rows.iterator(chunk_size=chunk_size)


def signature_count_schedule_for_staff(*, petition_id: int) -> int:
    return Signature.objects.filter(petition_id=petition_id, state=SignatureState.VERIFIED).count()


# --- feeds ----------------------------------------------------------------------------


def petition_list_recently_opened(*, limit: int) -> list[Petition]:
    """Open and closed petitions, most recently opened first (new petitions feed)."""
    return list(
        Petition.objects.filter(state__in=[PetitionState.OPEN, PetitionState.CLOSED], opened_at__isnull=False).order_by(
            "-opened_at", "-id"
        )[:limit]
    )


def response_list_recently_published(*, limit: int) -> list[Response]:
    return list(
        Response.objects.select_related("petition", "official__person")
        .filter(published_at__isnull=False, petition__state__in=PUBLISHED_STATES)
        .order_by("-published_at", "-id")[:limit]
    )


def question_list_recently_answered(*, limit: int) -> list[Question]:
    """Accepted questions with a written answer, newest answer first (never the asker)."""
    return list(
        Question.objects.select_related("meeting__committee", "official__person")
        .filter(state=QuestionState.ACCEPTED, answered_at__isnull=False)
        .order_by("-answered_at", "-id")[:limit]
    )
