"""JSON in the shape of the UK Parliament petitions API (petition.parliament.uk), so tools
written for it (maps, trackers, notebooks) read Townhall unchanged. See docs/api.md.

- GET /petitions.json?q=&state=&page=&count=   a page of petitions, with pagination links
- GET /petitions/<id>.json                     one petition, with signatures by constituency
- GET /petitions/<id>/count.json               the live count (petitions app; same route as the page uses)

Removed petitions answer 410, unpublished ones 404, bad parameters 400, each with a JSON
error body {"error": {"code", "message"}}. Every response allows any origin (CORS `*`).
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from townhall.areas.selectors import AreaKind, petition_breakdown
from townhall.core.errors import DomainError
from townhall.core.http import conditional_public, make_etag, whole_number
from townhall.meetings.selectors import agenda_item_map_latest_debate
from townhall.petitions import selectors
from townhall.petitions.selectors import ThresholdKind, threshold_crossing_times
from townhall.petitions.views import cors, locality_json, uk_timestamp
from townhall.responses.selectors import response_map_published

if TYPE_CHECKING:
    from townhall.meetings.models import AgendaItem
    from townhall.petitions.models import Petition
    from townhall.responses.models import Response

MAX_COUNT = 50
DEFAULT_COUNT = 50

# UK `state` filter values → Townhall's list filters (Townhall's own names work too).
STATE_FILTERS = {
    "all": selectors.ListFilter.ALL,
    "open": selectors.ListFilter.OPEN,
    "closed": selectors.ListFilter.CLOSED,
    "rejected": selectors.ListFilter.REJECTED,
    "awaiting_response": selectors.ListFilter.AWAITING_RESPONSE,
    "with_response": selectors.ListFilter.RESPONDED,
    "responded": selectors.ListFilter.RESPONDED,
    "debated": selectors.ListFilter.DEBATED,
}

# Which kind of Townhall area fills the UK's `signatures_by_constituency` and `_by_region`.
CONSTITUENCY_KIND = AreaKind.CONSTITUENCY.value
REGION_KIND = AreaKind.REGION.value


class BadParameter(DomainError):
    code = "bad_parameter"
    http_status = 400


def _date(moment: datetime.datetime | None) -> str | None:
    return timezone.localtime(moment).date().isoformat() if moment is not None else None


def _json(request: HttpRequest, body: dict[str, Any], *, last_modified: datetime.datetime | None) -> HttpResponse:
    """A cacheable public JSON response whose ETag is the hash of its body."""
    content = json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False)
    return cors(
        conditional_public(
            request,
            etag=make_etag(content),
            last_modified=last_modified,
            render=lambda: HttpResponse(content, content_type="application/json"),
        )
    )


def _error(error: DomainError) -> HttpResponse:
    response = JsonResponse({"error": {"code": error.code, "message": error.message}}, status=error.http_status)
    response["Cache-Control"] = "no-store"
    return cors(response)


class _Related:
    """Everything the petition attributes need beyond the petition row, for many petitions
    in a fixed number of queries."""

    def __init__(self, petition_ids: Iterable[int]) -> None:
        ids = list(petition_ids)
        self.crossings = threshold_crossing_times(petition_ids=ids)
        self.responses = response_map_published(petition_ids=ids)
        self.debates = agenda_item_map_latest_debate(petition_ids=ids)


def _attributes(petition: Petition, related: _Related) -> dict[str, Any]:
    response = related.responses.get(petition.pk)
    debate = related.debates.get(petition.pk)
    changes = [
        petition.created_at,
        petition.counted_at,
        petition.opened_at,
        petition.closed_at,
        petition.rejected_at,
        petition.response_published_at,
        petition.debate_outcome_at,
    ]
    return {
        "action": petition.public_action,
        "background": petition.public_background,
        "additional_details": petition.public_additional_details,
        "committee_note": None,
        "state": petition.state,
        "signature_count": petition.signature_count,
        "created_at": uk_timestamp(petition.created_at),
        "updated_at": uk_timestamp(max(filter(None, changes))),
        "rejected_at": uk_timestamp(petition.rejected_at),
        "opened_at": uk_timestamp(petition.opened_at),
        "closed_at": uk_timestamp(petition.closed_at),
        "moderation_threshold_reached_at": uk_timestamp(petition.moderation_requested_at),
        "response_threshold_reached_at": uk_timestamp(related.crossings.get((petition.pk, ThresholdKind.RESPONSE))),
        "government_response_at": uk_timestamp(petition.response_published_at),
        "debate_threshold_reached_at": uk_timestamp(related.crossings.get((petition.pk, ThresholdKind.DEBATE))),
        "debate_scheduled_at": uk_timestamp(debate.created_at) if debate else None,
        "scheduled_debate_date": _date(debate.scheduled_at) if debate else None,
        "debate_outcome_at": uk_timestamp(petition.debate_outcome_at),
        # Published only while the petition is open, as on the UK site; never after anonymising.
        "creator_name": petition.public_creator_name if petition.is_open else None,
        "rejection": (
            {
                "code": petition.rejection_reason.replace("_", "-"),
                "details": petition.public_rejection_details or None,
            }
            if petition.is_rejected
            else None
        ),
        # As on the petition page: a hidden petition shows no response and no debate.
        "government_response": _response(response, body) if response and (body := response.public_body) else None,
        "debate": _debate(debate) if debate and debate.outcome_recorded_at and not petition.is_hidden else None,
        "departments": [],
        "topics": [],
    }


def _response(response: Response, body: str) -> dict[str, Any]:
    body = body.strip()
    summary = body.split("\n\n", 1)[0].strip()
    if len(summary) > 500:
        summary = summary[:497].rstrip() + "…"
    return {
        "responded_on": _date(response.published_at),
        "summary": summary,
        "details": body,
        "created_at": uk_timestamp(response.published_at),
        "updated_at": uk_timestamp(response.published_at),
    }


def _debate(item: AgendaItem) -> dict[str, Any]:
    meeting = item.meeting
    return {
        "debated_on": _date(meeting.starts_at),
        "transcript_url": meeting.minutes_url or None,
        "video_url": meeting.video_url or None,
        "debate_pack_url": None,
        "public_engagement_url": None,
        "debate_summary_url": None,
        "overview": item.outcome or None,
    }


def _by_area(petition_id: int, kind: str, *, with_mp: bool) -> list[dict[str, Any]]:
    rows = []
    for area in sorted(petition_breakdown(petition_id=petition_id, kind=kind), key=lambda a: a.name):
        row: dict[str, Any] = {"name": area.name, "ons_code": area.code}
        if with_mp:
            row["mp"] = area.representative or None
        row["signature_count"] = area.signature_count
        rows.append(row)
    return rows


@require_safe
def petition_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One petition, as petition.parliament.uk/petitions/<id>.json, plus Townhall's extensions."""
    try:
        petition = selectors.petition_get_public(petition_id=pk)
    except DomainError as error:
        return _error(error)
    attributes = _attributes(petition, _Related([petition.pk]))
    attributes["signatures_by_country"] = (
        [{"name": "United Kingdom", "code": "GB", "signature_count": petition.signature_count}]
        if petition.signature_count
        else []
    )
    attributes["signatures_by_constituency"] = _by_area(petition.pk, CONSTITUENCY_KIND, with_mp=True)
    attributes["signatures_by_region"] = _by_area(petition.pk, REGION_KIND, with_mp=False)
    attributes["other_parliamentary_business"] = []
    # Townhall extensions (not in the UK API; clients written for it ignore them).
    attributes["signatures_by_locality"] = locality_json(petition)
    attributes["signatures_by_local_authority"] = _by_area(petition.pk, AreaKind.LOCAL_AUTHORITY, with_mp=False)
    attributes["signatures_by_ward"] = _by_area(petition.pk, AreaKind.WARD, with_mp=False)
    body = {
        "links": {"self": request.build_absolute_uri(reverse("uk-petition", kwargs={"pk": petition.pk}))},
        "data": {"type": "petition", "id": petition.pk, "attributes": attributes},
    }
    return _json(request, body, last_modified=None)


def _int_param(request: HttpRequest, name: str, default: int, *, low: int, high: int | None = None) -> int:
    raw = request.GET.get(name, "")
    if raw == "":
        return default
    value = whole_number(raw)
    if value is None:
        raise BadParameter(f"“{name}” must be a whole number.", code=f"bad_{name}")
    if value < low or (high is not None and value > high):
        limit = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise BadParameter(f"“{name}” must be {limit}.", code=f"bad_{name}")
    return value


@require_safe
def petition_list(request: HttpRequest) -> HttpResponse:
    """A page of published petitions, as petition.parliament.uk/petitions.json."""
    try:
        state = request.GET.get("state", "all") or "all"
        if state not in STATE_FILTERS:
            raise BadParameter(f"“state” must be one of: {', '.join(STATE_FILTERS)}.", code="bad_state")
        page_number = _int_param(request, "page", 1, low=1)
        count = _int_param(request, "count", DEFAULT_COUNT, low=1, high=MAX_COUNT)
    except DomainError as error:
        return _error(error)
    query = request.GET.get("q", "").strip()[:200]
    page = selectors.petition_list_public(state=STATE_FILTERS[state], query=query, page=page_number, page_size=count)
    petitions = list(page.object_list) if page.number == page_number else []
    related = _Related(p.pk for p in petitions)
    base = request.build_absolute_uri(reverse("uk-petitions"))

    def link(number: int) -> str:
        params: dict[str, str | int] = {"page": number, "state": state}
        if query:
            params["q"] = query
        if count != DEFAULT_COUNT:
            params["count"] = count
        return f"{base}?{urlencode(params)}"

    last = page.paginator.num_pages
    body = {
        "links": {
            "self": request.build_absolute_uri(),
            "first": link(1),
            "last": link(last),
            "next": link(page_number + 1) if page_number < last else None,
            "prev": link(min(page_number - 1, last)) if page_number > 1 else None,
        },
        "data": [
            {
                "type": "petition",
                "id": petition.pk,
                "links": {"self": request.build_absolute_uri(reverse("uk-petition", kwargs={"pk": petition.pk}))},
                "attributes": _attributes(petition, related),
            }
            for petition in petitions
        ],
    }
    return _json(request, body, last_modified=None)
