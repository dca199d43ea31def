"""The endpoints of the native API v1: parse parameters, call selectors, shape the result.

Each endpoint documents every error it can answer with (the `ERRORS_*` maps below), and
each error body has the one shape in townhall.api.errors. Breakdowns by area
are at `/petitions/{id}/breakdowns`.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any, Literal

from django.conf import settings
from django.core.paginator import Page
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Router
from ninja.params.functions import Path, Query

from townhall.accountability.selectors import official_record, person_get_public, person_list_directory
from townhall.api import schemas as s
from townhall.api.errors import ErrorOut
from townhall.areas.selectors import petition_breakdown, petition_locality
from townhall.core import panels
from townhall.core.errors import NotFound
from townhall.meetings.selectors import (
    agenda_item_list,
    agenda_item_list_for_petition,
    committee_list,
    meeting_get,
    meeting_page_public,
)
from townhall.petitions import selectors as petition_selectors
from townhall.questions.selectors import (
    QuestionRow,
    distribution_of,
    person_get_by_slug,
    question_list_for_meeting,
    question_meeting_id,
    question_page_all,
    question_page_for_person,
    question_verdict_distribution,
)
from townhall.responses.selectors import (
    ResponseStatus,
    response_get_public,
    response_page_public,
    response_status,
    response_status_of,
)
from townhall.schemes.selectors import scheme_get_current

if TYPE_CHECKING:
    from townhall.meetings.models import AgendaItem, Committee, Meeting
    from townhall.officials.models import Official, Person
    from townhall.petitions.models import Petition
    from townhall.responses.models import Response

router = Router()

# Documented error responses, per kind of endpoint.
ERRORS_LIST: dict[int, Any] = {422: ErrorOut, 429: ErrorOut}
ERRORS_GET: dict[int, Any] = {404: ErrorOut, 422: ErrorOut, 429: ErrorOut}
ERRORS_GONE: dict[int, Any] = {**ERRORS_GET, 410: ErrorOut}

MAX_ID = 2**31 - 1
MAX_PAGE = 10_000
PetitionFilter = Literal["all", "open", "closed", "rejected", "awaiting_response", "responded", "debated"]
ResponseFilter = Literal["all", "published", "owed", "overdue"]
MeetingFilter = Literal["all", "upcoming", "past"]
SLUG = r"^[-a-zA-Z0-9_]{1,80}$"


def _page_size() -> int:
    return int(settings.TOWNHALL["PAGE_SIZE"])


def _meta(page: Page[Any]) -> s.PageInfo:
    return s.PageInfo(
        page=page.number,
        page_size=page.paginator.per_page,
        pages=page.paginator.num_pages,
        total=page.paginator.count,
        has_next=page.has_next(),
        has_previous=page.has_previous(),
    )


def _url(request: HttpRequest, name: str, *args: Any) -> str:
    return request.build_absolute_uri(reverse(name, args=args))


def _clean_text(value: str) -> str:
    """Free-text query words: NUL never reaches the database (PostgreSQL refuses it)."""
    return value.replace("\x00", "").strip()[:200]


# --- scheme ---------------------------------------------------------------------------


@router.get("/scheme", response={200: s.SchemeOut, **ERRORS_GET}, tags=["scheme"])
def scheme(request: HttpRequest) -> s.SchemeOut:
    """The body and its published petition scheme, with the thresholds in count order."""
    current = scheme_get_current()
    return s.SchemeOut(
        body=s.BodyOut(name=current.body.name, area_name=current.body.area_name, population=current.body.population),
        duration_months=current.duration_months,
        sponsor_count=current.sponsor_count,
        eligibility_declaration=current.eligibility_declaration,
        excluded_topics=current.excluded_topics,
        goal_ladder=list(current.goal_ladder),
        response_period_days=current.response_period_days,
        response_period_kind=current.response_period_kind,
        question_deadline_days=current.question_deadline_days,
        question_word_limit=current.question_word_limit,
        questions_per_person=current.questions_per_person,
        thresholds=[
            s.ThresholdOut(id=t.pk, name=t.name, kind=t.kind, count=t.count, description=t.description)
            for t in current.thresholds.all()
        ],
        updated_at=current.updated_at,
    )


# --- shared shapes --------------------------------------------------------------------


def _official(official: Official | None) -> s.OfficialRefOut | None:
    if official is None:
        return None
    return s.OfficialRefOut(
        id=official.pk, person_slug=official.person.slug, name=official.person.name, role=official.role
    )


def _clock(status: ResponseStatus) -> dict[str, Any]:
    return {
        "id": status.response_id,
        "threshold_reached_at": status.threshold_reached_at,
        "due_on": status.due_on,
        "days_left": status.days_left,
        "overdue_by": status.overdue_by,
        "is_overdue": status.is_overdue,
        "is_published": status.is_published,
        "published_at": status.published_at,
        "late_by": status.late_by,
        "body": status.body if status.is_published else None,
    }


def _agenda_item(item: AgendaItem) -> s.AgendaItemOut:
    return s.AgendaItemOut(
        id=item.pk,
        meeting_id=item.meeting_id,
        position=item.position,
        kind=item.kind,
        title=item.public_title,
        petition_id=item.petition_id,
        official=_official(item.official) if item.official_id else None,
        scheduled_at=item.scheduled_at,
        outcome=item.outcome,
        decision=item.decision,
        outcome_recorded_at=item.outcome_recorded_at,
    )


# --- petitions ------------------------------------------------------------------------


def _petition_summary(request: HttpRequest, petition: Petition) -> dict[str, Any]:
    return {
        "id": petition.pk,
        "action": petition.public_action,
        "state": petition.state,
        "signature_count": petition.signature_count,
        "signatures_awaiting_checks": petition.awaiting_count,
        "decision_maker": petition.public_decision_maker,
        "opened_at": petition.opened_at,
        "deadline_at": petition.deadline_at,
        "closed_at": petition.closed_at,
        "rejected_at": petition.rejected_at,
        "response_published_at": petition.response_published_at,
        "debate_outcome_at": petition.debate_outcome_at,
        "url": _url(request, "petitions:detail", petition.pk),
    }


@router.get("/petitions", response={200: s.PetitionListOut, **ERRORS_LIST}, tags=["petitions"])
def petition_list(
    request: HttpRequest,
    state: PetitionFilter = Query("open", description="Which petitions: the public list's filters"),  # noqa: B008
    q: str = Query("", max_length=200, description="Words to find in the petition text"),
    page: int = Query(1, ge=1, le=MAX_PAGE, description="1-based; past the end gives the last page"),
) -> s.PetitionListOut:
    """Published petitions, filtered like the public list and paginated."""
    found = petition_selectors.petition_list_public(
        state=state, query=_clean_text(q), page=page, page_size=_page_size()
    )
    return s.PetitionListOut(
        meta=_meta(found),
        results=[s.PetitionSummaryOut(**_petition_summary(request, p)) for p in found.object_list],
    )


@router.get("/petitions/{petition_id}", response={200: s.PetitionOut, **ERRORS_GONE}, tags=["petitions"])
def petition_detail(
    request: HttpRequest,
    petition_id: int = Path(..., ge=1, le=MAX_ID),
) -> s.PetitionOut:
    """One published petition: its text, thresholds reached, response clock, debates and
    evidence sessions, and timeline. 404 if not published, 410 if removed. A hidden
    petition shows what its page shows: that it was rejected and why, and no text,
    addressee, creator, response, agenda items or timeline."""
    petition = petition_selectors.petition_get_public(petition_id=petition_id)
    shown = not petition.is_hidden
    current = scheme_get_current()
    status = response_status(petition=petition) if shown else None
    rejection = None
    if petition.is_rejected:
        rejection = s.RejectionOut(
            code=petition.rejection_reason,
            reason=str(petition.get_rejection_reason_display()),
            details=petition.public_rejection_details,
        )
    return s.PetitionOut(
        **_petition_summary(request, petition),
        background=petition.public_background,
        additional_details=petition.public_additional_details,
        creator_name=petition.public_creator_name,
        official=_official(petition.public_official),
        created_at=petition.created_at,
        goal=petition_selectors.petition_goal(petition=petition, scheme=current),
        thresholds=[
            s.ThresholdProgressOut(
                name=t.name,
                kind=t.kind,
                count=t.count,
                description=t.description,
                is_reached=t.reached_at is not None,
                reached_at=t.reached_at,
                percent=t.percent,
            )
            for t in petition_selectors.petition_threshold_progress(petition=petition, scheme=current)
        ],
        rejection=rejection,
        response=s.ResponseClockOut(**_clock(status)) if status is not None else None,
        agenda_items=[_agenda_item(item) for item in agenda_item_list_for_petition(petition_id=petition.pk)]
        if shown
        else [],
        timeline=[
            s.TimelineEventOut(
                at=event.sort_key,
                kind=event.kind,
                title=str(event.title),
                detail=str(event.detail),
                url=request.build_absolute_uri(event.url) if event.url else "",
                is_future=event.is_future,
            )
            for event in (panels.timeline_for("petition", petition) if shown else [])
        ],
    )


# --- responses ------------------------------------------------------------------------


def _response(request: HttpRequest, response: Response, today: datetime.date) -> s.ResponseOut:
    return s.ResponseOut(
        **{**_clock(response_status_of(response=response, today=today)), "body": response.public_body},
        petition_id=response.petition_id,
        petition_action=response.petition.public_action,
        official=_official(response.official),
        url=_url(request, "petitions:detail", response.petition_id),
    )


@router.get("/petitions/{petition_id}/breakdowns", response={200: s.BreakdownsOut, **ERRORS_GONE}, tags=["petitions"])
def petition_breakdowns(
    request: HttpRequest,
    petition_id: int = Path(..., ge=1, le=MAX_ID),
) -> s.BreakdownsOut:
    """Counted signatures by area of every kind, and proof of locality (in the body's area,
    outside it, postcode not recognised). Counts only, never postcodes."""
    petition = petition_selectors.petition_get_public(petition_id=petition_id)
    locality = petition_locality(petition=petition)
    return s.BreakdownsOut(
        petition_id=petition.pk,
        locality=None
        if locality is None
        else s.LocalityOut(
            area_name=locality.area_name,
            area_code=locality.area_code,
            total=locality.total,
            in_area=locality.in_area,
            out_of_area=locality.out_of_area,
            unknown=locality.unknown,
        ),
        areas=[
            s.AreaCountOut(
                name=area.name,
                code=area.code,
                kind=area.kind,
                representative=area.representative,
                signature_count=area.signature_count,
            )
            for area in petition_breakdown(petition_id=petition.pk)
        ],
    )


@router.get("/responses", response={200: s.ResponseListOut, **ERRORS_LIST}, tags=["responses"])
def response_list(
    request: HttpRequest,
    status: ResponseFilter = Query("all", description="published, owed, overdue (owed past due) or all"),  # noqa: B008
    page: int = Query(1, ge=1, le=MAX_PAGE),
) -> s.ResponseListOut:
    """Responses owed or published to published petitions, with their deadline clocks."""
    today = timezone.localdate()
    found = response_page_public(status=status, today=today, page=page, page_size=_page_size())
    return s.ResponseListOut(meta=_meta(found), results=[_response(request, r, today) for r in found.object_list])


@router.get("/responses/{response_id}", response={200: s.ResponseOut, **ERRORS_GONE}, tags=["responses"])
def response_detail(
    request: HttpRequest,
    response_id: int = Path(..., ge=1, le=MAX_ID),
) -> s.ResponseOut:
    return _response(request, response_get_public(response_id=response_id), timezone.localdate())


# --- meetings -------------------------------------------------------------------------


@router.get("/committees", response={200: list[s.CommitteeOut], **ERRORS_LIST}, tags=["meetings"])
def committees(request: HttpRequest) -> list[s.CommitteeOut]:
    return [_committee(c) for c in committee_list()]


def _committee(committee: Committee) -> s.CommitteeOut:
    return s.CommitteeOut(id=committee.pk, slug=committee.slug, name=committee.name, kind=committee.kind)


def _meeting_summary(request: HttpRequest, meeting: Meeting) -> dict[str, Any]:
    return {
        "id": meeting.pk,
        "committee": _committee(meeting.committee),
        "starts_at": meeting.starts_at,
        "location": meeting.location,
        "state": meeting.state,
        "url": _url(request, "meetings:detail", meeting.pk),
    }


@router.get("/meetings", response={200: s.MeetingListOut, **ERRORS_LIST}, tags=["meetings"])
def meeting_list(
    request: HttpRequest,
    when: MeetingFilter = Query("all", description="upcoming (soonest first), past or all (latest first)"),  # noqa: B008
    committee: str | None = Query(None, pattern=SLUG, description="A committee's slug"),
    page: int = Query(1, ge=1, le=MAX_PAGE),
) -> s.MeetingListOut:
    found = meeting_page_public(when=when, committee=committee, now=timezone.now(), page=page, page_size=_page_size())
    return s.MeetingListOut(
        meta=_meta(found), results=[s.MeetingSummaryOut(**_meeting_summary(request, m)) for m in found.object_list]
    )


@router.get("/meetings/{meeting_id}", response={200: s.MeetingOut, **ERRORS_GET}, tags=["meetings"])
def meeting_detail(
    request: HttpRequest,
    meeting_id: int = Path(..., ge=1, le=MAX_ID),
) -> s.MeetingOut:
    """A meeting with its agenda, its public questions and how their askers judged them."""
    meeting = meeting_get(meeting_id=meeting_id)
    rows = question_list_for_meeting(meeting_id=meeting.pk)
    return s.MeetingOut(
        **_meeting_summary(request, meeting),
        summary=meeting.summary,
        minutes_url=meeting.minutes_url,
        video_url=meeting.video_url,
        outcome_published_at=meeting.outcome_published_at,
        cancelled_at=meeting.cancelled_at,
        cancellation_reason=meeting.cancellation_reason,
        agenda_items=[_agenda_item(item) for item in agenda_item_list(meeting_id=meeting.pk)],
        questions=[_question(request, row) for row in rows],
        # Questions for a cancelled meeting were never put: the distribution leaves them out.
        verdicts=_distribution(distribution_of(rows)),
    )


# --- questions ------------------------------------------------------------------------


def _question(request: HttpRequest, row: QuestionRow) -> s.QuestionOut:
    q = row.question
    official = _official(q.official)
    assert official is not None  # noqa: S101 (a question always has an official)
    return s.QuestionOut(
        id=q.pk,
        meeting_id=q.meeting_id,
        official=official,
        text=q.text,
        status=row.status,
        has_meeting_started=row.has_started,
        answer=q.answer,
        answered_at=q.answered_at,
        supplementary_question=q.supplementary_question,
        supplementary_answer=q.supplementary_answer,
        verdict=q.verdict or None,
        verdict_at=q.verdict_at,
        url=_url(request, "meetings:detail", q.meeting_id),
    )


def _distribution(distribution: Any) -> s.VerdictDistributionOut:
    return s.VerdictDistributionOut(**distribution.as_dict(), total=distribution.total)


def _person(slug: str) -> Person:
    person = person_get_by_slug(slug=slug)
    if person is None:
        raise NotFound("There is no official with that name on this site.")
    return person


@router.get("/questions", response={200: s.QuestionListOut, **ERRORS_GET}, tags=["questions"])
def question_list(
    request: HttpRequest,
    official: str | None = Query(None, pattern=SLUG, description="A person's slug: questions to them in any role"),
    page: int = Query(1, ge=1, le=MAX_PAGE),
) -> s.QuestionListOut:
    """Accepted public questions, latest meeting first, with answers and verdicts."""
    if official:
        found, rows = question_page_for_person(person_id=_person(official).pk, page=page, page_size=_page_size())
    else:
        found, rows = question_page_all(page=page, page_size=_page_size())
    return s.QuestionListOut(meta=_meta(found), results=[_question(request, row) for row in rows])


@router.get("/questions/verdicts", response={200: s.VerdictDistributionOut, **ERRORS_GET}, tags=["questions"])
def question_verdicts(
    request: HttpRequest,
    official: str | None = Query(None, pattern=SLUG, description="A person's slug"),
    meeting: int | None = Query(None, ge=1, le=MAX_ID, description="A meeting's id"),
) -> s.VerdictDistributionOut:
    """How accepted questions fared, for a person, a meeting, both or everyone."""
    person_id = _person(official).pk if official else None
    if meeting is not None:
        meeting_get(meeting_id=meeting)
    return _distribution(question_verdict_distribution(person_id=person_id, meeting_id=meeting))


@router.get("/questions/{question_id}", response={200: s.QuestionOut, **ERRORS_GET}, tags=["questions"])
def question_detail(
    request: HttpRequest,
    question_id: int = Path(..., ge=1, le=MAX_ID),
) -> s.QuestionOut:
    """One accepted question. Its status comes from the meeting's list, so the two agree."""
    meeting_id = question_meeting_id(question_id=question_id)
    rows = question_list_for_meeting(meeting_id=meeting_id) if meeting_id is not None else []
    for row in rows:
        if row.question.pk == question_id:
            return _question(request, row)
    raise NotFound("There is no published question with that number.")


# --- officials ------------------------------------------------------------------------


def _tenures(person: Person, today: datetime.date) -> list[s.TenureOut]:
    return [
        s.TenureOut(
            id=t.pk,
            role=t.role,
            kind=t.kind,
            started_on=t.tenure_started_on,
            ended_on=t.tenure_ended_on,
            is_current=t.is_current_on(today),
        )
        for t in person.tenures.all()
    ]


@router.get("/officials", response={200: s.PersonListOut, **ERRORS_LIST}, tags=["officials"])
def official_list(request: HttpRequest) -> s.PersonListOut:
    """Everyone who holds or held a role: people in a role today first, then former ones."""
    today = timezone.localdate()
    directory = person_list_directory(today=today)
    results = [
        s.PersonSummaryOut(
            slug=entry.person.slug,
            name=entry.person.name,
            is_current=is_current,
            tenures=_tenures(entry.person, today),
            url=_url(request, "accountability:official", entry.person.slug),
        )
        for is_current, entries in ((True, directory.current), (False, directory.former))
        for entry in entries
    ]
    return s.PersonListOut(results=results)


@router.get("/officials/{slug}", response={200: s.PersonOut, **ERRORS_GET}, tags=["officials"])
def official_detail(
    request: HttpRequest,
    slug: str = Path(..., pattern=SLUG),
) -> s.PersonOut:
    """A person's roles and record: responses, days to respond, overdue, verdicts."""
    today = timezone.localdate()
    person = person_get_public(slug=slug)
    record = official_record(person=person, today=today)
    tenures = _tenures(person, today)
    return s.PersonOut(
        slug=person.slug,
        name=person.name,
        is_current=any(t.is_current for t in tenures),
        tenures=tenures,
        url=_url(request, "accountability:official", person.slug),
        summary=person.summary,
        record=s.OfficialRecordOut(
            responses_published=record.responses_published,
            median_days_to_respond=record.median_days_to_respond,
            overdue_now=record.overdue_now,
            verdicts_answered=record.verdicts_answered,
            verdicts_partly=record.verdicts_partly,
            verdicts_not_answered=record.verdicts_not_answered,
            no_answer_given=record.no_answer_given,
            percent_answered=record.percent_answered,
        ),
        verdicts=_distribution(question_verdict_distribution(person_id=person.pk)),
    )
