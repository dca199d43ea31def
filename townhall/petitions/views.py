"""Public petition pages: thin — parse, call one service or selector, render."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from townhall.areas.selectors import petition_locality
from townhall.core import panels
from townhall.core.errors import DomainError
from townhall.core.forms import show_refusal
from townhall.core.http import conditional_public, make_etag, no_store, page_number, shareable
from townhall.core.net import client_ip
from townhall.officials.selectors import official_choices_current
from townhall.petitions import selectors
from townhall.petitions.forms import FIELDS_BY_CODE, OTHER, PetitionCreateForm
from townhall.petitions.models import Petition, PetitionState
from townhall.petitions.policies import petition_actions
from townhall.petitions.services import petition_confirm_creator, petition_create
from townhall.schemes.selectors import scheme_get_current


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    scheme = scheme_get_current()
    return render(
        request,
        "petitions/home.html",
        {
            "scheme": scheme,
            "popular": selectors.petition_list_popular_open(limit=6),
            "responded": selectors.petition_list_recently_responded(limit=3),
        },
    )


@require_safe
def petition_list(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", selectors.ListFilter.OPEN)
    if state not in selectors.ListFilter.LABELS:
        state = selectors.ListFilter.OPEN
    query = request.GET.get("q", "").strip()[:200]
    page = selectors.petition_list_public(
        state=state, query=query, page=page_number(request), page_size=settings.TOWNHALL["PAGE_SIZE"]
    )
    return render(
        request,
        "petitions/list.html",
        {"page": page, "state": state, "query": query, "filters": selectors.ListFilter.LABELS.items()},
    )


@require_safe
@shareable
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    petition = selectors.petition_get_public(petition_id=pk)
    scheme = scheme_get_current()
    timeline = panels.timeline_for("petition", petition)
    sections = panels.panels_for("petition", petition)
    etag = make_etag(
        "page",
        petition.pk,
        petition.state,
        petition.signature_count,
        petition.awaiting_count,
        petition.counted_at,
        scheme.updated_at,
        [(event.kind, event.sort_key.isoformat(), event.title) for event in timeline],
        [section.etag_part for section in sections],
    )
    changes = [petition.counted_at, petition.opened_at, petition.closed_at, petition.rejected_at, scheme.updated_at]
    changes += [event.sort_key for event in timeline if not event.is_future]
    last_modified = max(filter(None, changes))
    return conditional_public(
        request,
        etag=etag,
        last_modified=last_modified,
        render=lambda: render(
            request,
            "petitions/detail.html",
            {
                "petition": petition,
                "actions": petition_actions(petition),
                "scheme": scheme,
                "goal": selectors.petition_goal(petition=petition, scheme=scheme),
                "thresholds": selectors.petition_threshold_progress(petition=petition, scheme=scheme),
                "timeline": timeline,
                "panels": sections,
            },
        ),
    )


def uk_timestamp(moment: datetime.datetime | None) -> str | None:
    """UTC with milliseconds, as the UK Parliament petitions API writes times: 2019-03-21T12:34:56.789Z."""
    if moment is None:
        return None
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def locality_json(petition: Petition) -> dict[str, object] | None:
    """Proof of locality for public JSON (counts only; never a postcode)."""
    locality = petition_locality(petition=petition)
    if locality is None:
        return None
    return {
        "area": {"name": locality.area_name, "ons_code": locality.area_code},
        "in_area": locality.in_area,
        "out_of_area": locality.out_of_area,
        "unknown": locality.unknown,
    }


def cors(response: HttpResponse) -> HttpResponse:
    """Public JSON may be read by any site's scripts (third-party maps and trackers)."""
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
@shareable
def count_json(request: HttpRequest, pk: int) -> HttpResponse:
    """The live count, shaped like the UK Parliament's count.json (`signature_count`),
    with proof of locality. The one route for /petitions/<id>/count.json."""
    petition = selectors.petition_get_public(petition_id=pk)
    etag = make_etag(
        "count",
        petition.pk,
        petition.state,
        petition.signature_count,
        petition.in_area_count,
        petition.unknown_area_count,
        petition.awaiting_count,
        petition.counted_at,
    )
    last_modified = petition.counted_at or petition.opened_at
    return cors(
        conditional_public(
            request,
            etag=etag,
            last_modified=last_modified,
            render=lambda: JsonResponse(
                {
                    "id": petition.pk,
                    "state": petition.state,
                    "signature_count": petition.signature_count,
                    # Confirmed signatures the fraud controls hold, not in signature_count.
                    "signatures_awaiting_checks": petition.awaiting_count,
                    "updated_at": uk_timestamp(petition.counted_at),
                    "signatures_by_locality": locality_json(petition),
                }
            ),
        )
    )


@require_safe
def similar(request: HttpRequest) -> HttpResponse:
    """An HTML fragment of similar petitions, fetched while the creator types."""
    matches = selectors.petition_list_similar(text=request.GET.get("q", "")[:200])
    return render(request, "petitions/_similar.html", {"similar": matches})


@no_store
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    scheme = scheme_get_current()
    officials = official_choices_current()
    form = PetitionCreateForm(request.POST or None, officials=officials)
    similar_petitions: list[selectors.SimilarPetition] = []
    if request.method == "POST" and "edit" in request.GET:
        # Back from the check page: the form again, with everything typed kept.
        edited = request.POST.copy()
        edited["seen_similar"] = ""  # edited text is checked again
        form = PetitionCreateForm(edited, officials=officials)
        form.is_valid()
        return render(request, "petitions/create.html", {"form": form, "scheme": scheme})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        similar_petitions = selectors.petition_list_similar(text=data["action"])
        warnings = selectors.petition_text_warnings(
            action=data["action"], background=data["background"], additional_details=data["additional_details"]
        )
        if (similar_petitions or warnings) and not data.get("seen_similar"):
            # Before creating, the creator sees plain-language warnings and similar
            # petitions, and chooses to edit or to go on (works without JavaScript).
            return render(
                request,
                "petitions/create_check.html",
                {"form": form, "similar": similar_petitions, "warnings": warnings, "scheme": scheme},
            )
        try:
            petition_create(
                action=data["action"],
                background=data["background"],
                additional_details=data["additional_details"],
                decision_maker=data["decision_maker_other"] if data["addressed_to"] == OTHER else "",
                official_id=form.official_id,
                creator_name=data["creator_name"],
                creator_email=data["creator_email"],
                creator_postcode=data["creator_postcode"],
                ip=client_ip(request),
            )
        except DomainError as error:
            show_refusal(form, error, fields_by_code=FIELDS_BY_CODE)
        else:
            # The same page whether or not anything was created (a blocked creator is never told).
            return redirect("petitions:created")
    status = 400 if request.method == "POST" and form.errors else 200
    return render(request, "petitions/create.html", {"form": form, "scheme": scheme}, status=status)


@no_store
@require_safe
def created(request: HttpRequest) -> HttpResponse:
    return render(request, "petitions/created.html", {})


@no_store
@require_http_methods(["GET", "POST"])
def creator_confirm(request: HttpRequest, pk: int, token: str) -> HttpResponse:
    """GET shows a button; only the POST confirms (mail scanners prefetch GET links)."""
    if request.method == "POST":
        petition_confirm_creator(petition_id=pk, token=token)
        return redirect(reverse("petitions:creator_confirm", kwargs={"pk": pk, "token": token}))
    petition = selectors.petition_get_by_creator_token(petition_id=pk, token=token)
    scheme = scheme_get_current()
    sponsor_link = request.build_absolute_uri(
        reverse("signatures:sponsor", kwargs={"pk": petition.pk, "token": petition.sponsor_token})
    )
    return render(
        request,
        "petitions/creator_confirm.html",
        {
            "petition": petition,
            "actions": petition_actions(petition),
            "scheme": scheme,
            "confirmed": petition.state != PetitionState.PENDING,
            "sponsor_link": sponsor_link,
        },
    )


@require_safe
def help_page(request: HttpRequest) -> HttpResponse:
    return render(request, "petitions/help.html", {"scheme": scheme_get_current()})


@require_safe
def privacy(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "petitions/privacy.html",
        {
            "scheme": scheme_get_current(),
            "anonymise_months": settings.TOWNHALL["ANONYMISE_AFTER_MONTHS"],
            "letter_days": settings.TOWNHALL["SENT_LETTER_RETENTION_DAYS"],
            "unconfirmed_days": settings.TOWNHALL["UNCONFIRMED_RETENTION_DAYS"],
            "unsubmitted_days": settings.TOWNHALL["UNSUBMITTED_PETITION_RETENTION_DAYS"],
            "contact_days": settings.TOWNHALL["CONTACT_MESSAGE_RETENTION_DAYS"],
            "question_days": settings.TOWNHALL["QUESTION_ASKER_RETENTION_DAYS"],
            "staff_session_hours": int(settings.TOWNHALL["STAFF_SESSION_MAX_SECONDS"]) // 3600,
        },
    )
