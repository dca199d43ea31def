"""Public meeting pages, and the clerks' pages to schedule meetings and record outcomes."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from townhall.accounts.decorators import clerk_required
from townhall.core import panels
from townhall.core.errors import DomainError
from townhall.core.forms import show_refusal
from townhall.core.http import conditional_public, make_etag, page_number
from townhall.meetings import selectors
from townhall.meetings.forms import (
    AGENDA_FIELDS_BY_CODE,
    COMMITTEE_FIELDS_BY_CODE,
    MEETING_FIELDS_BY_CODE,
    OUTCOME_FIELDS_BY_CODE,
    AgendaItemForm,
    CancelForm,
    CommitteeForm,
    MeetingForm,
    OutcomeForm,
)
from townhall.meetings.models import Meeting
from townhall.meetings.services import (
    ItemOutcome,
    agenda_item_add,
    committee_create,
    meeting_cancel,
    meeting_record_outcome,
    meeting_schedule,
)
from townhall.officials.selectors import official_choices_current

# --- public pages ------------------------------------------------------------------------------


@require_safe
def meeting_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    upcoming = selectors.meeting_list_upcoming(now=now)
    past = selectors.meeting_list_past(now=now, page=page_number(request), page_size=settings.TOWNHALL["PAGE_SIZE"])
    etag = make_etag(
        "meetings",
        past.number,
        len(upcoming),
        [(m.pk, m.state, m.starts_at, m.location, m.committee.name) for m in [*upcoming, *past.object_list]],
    )
    return conditional_public(
        request,
        etag=etag,
        last_modified=None,
        render=lambda: render(request, "meetings/list.html", {"upcoming": upcoming, "past": past, "now": now}),
    )


@require_safe
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get(meeting_id=pk)
    items = selectors.agenda_item_list(meeting_id=pk)
    sections = panels.panels_for("meeting", meeting)
    has_started = meeting.has_started
    etag = make_etag(
        "meeting",
        meeting.pk,
        meeting.state,
        meeting.starts_at,
        meeting.location,
        meeting.outcome_published_at,
        meeting.cancelled_at,
        has_started,
        [(i.pk, i.title, i.petition_id, i.official_id, i.outcome_recorded_at) for i in items],
        [section.etag_part for section in sections],
    )
    return conditional_public(
        request,
        etag=etag,
        last_modified=None,
        render=lambda: render(
            request,
            "meetings/detail.html",
            {"meeting": meeting, "items": items, "panels": sections, "has_started": has_started},
        ),
    )


# --- clerks' pages -----------------------------------------------------------------------------


@clerk_required
@require_safe
def clerk_home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "meetings/clerk_home.html",
        {
            "meetings": selectors.meeting_list_for_clerk(),
            "committees": selectors.committee_list(),
            "now": timezone.now(),
            "staff_nav": True,
        },
    )


@clerk_required
@require_http_methods(["GET", "POST"])
def committee_new(request: HttpRequest) -> HttpResponse:
    form = CommitteeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            committee = committee_create(
                name=form.cleaned_data["name"], kind=form.cleaned_data["kind"], actor=request.user
            )
        except DomainError as error:
            show_refusal(form, error, fields_by_code=COMMITTEE_FIELDS_BY_CODE)
        else:
            messages.success(request, _("Added the committee “%(name)s”.") % {"name": committee.name})
            return redirect("meetings:clerk")
    status = 400 if request.method == "POST" else 200
    return render(request, "meetings/committee_form.html", {"form": form, "staff_nav": True}, status=status)


@clerk_required
@require_http_methods(["GET", "POST"])
def meeting_new(request: HttpRequest) -> HttpResponse:
    committees = [(c.pk, c.name) for c in selectors.committee_list()]
    form = MeetingForm(request.POST or None, committees=committees)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = meeting_schedule(
                committee_id=form.cleaned_data["committee"],
                starts_at=form.cleaned_data["starts_at"],
                location=form.cleaned_data["location"],
                actor=request.user,
            )
        except DomainError as error:
            show_refusal(form, error, fields_by_code=MEETING_FIELDS_BY_CODE)
        else:
            messages.success(request, _("Scheduled: %(meeting)s.") % {"meeting": meeting})
            return redirect("meetings:manage", pk=meeting.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "meetings/meeting_form.html", {"form": form, "staff_nav": True}, status=status)


def _manage_page(
    request: HttpRequest,
    meeting: Meeting,
    *,
    item_form: AgendaItemForm | None = None,
    cancel_form: CancelForm | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "meetings/manage.html",
        {
            "meeting": meeting,
            "items": selectors.agenda_item_list(meeting_id=meeting.pk),
            "item_form": item_form or AgendaItemForm(officials=official_choices_current()),
            "cancel_form": cancel_form or CancelForm(),
            "has_started": meeting.has_started,
            "panels": panels.panels_for("meeting_clerk", meeting),
            "staff_nav": True,
        },
        status=status,
    )


@clerk_required
@require_safe
def meeting_manage(request: HttpRequest, pk: int) -> HttpResponse:
    return _manage_page(request, selectors.meeting_get(meeting_id=pk))


@clerk_required
@require_POST
def agenda_item_new(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get(meeting_id=pk)
    form = AgendaItemForm(request.POST, officials=official_choices_current())
    if form.is_valid():
        data = form.cleaned_data
        try:
            item = agenda_item_add(
                meeting_id=meeting.pk,
                kind=data["kind"],
                title=data["title"],
                petition_id=data["petition"],
                official_id=data["official"],
                actor=request.user,
            )
        except DomainError as error:
            show_refusal(form, error, fields_by_code=AGENDA_FIELDS_BY_CODE)
        else:
            messages.success(request, _("Added to the agenda: %(title)s.") % {"title": item.title})
            return redirect("meetings:manage", pk=meeting.pk)
    return _manage_page(request, meeting, item_form=form, status=400)


@clerk_required
@require_POST
def meeting_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get(meeting_id=pk)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            meeting_cancel(meeting_id=meeting.pk, reason=form.cleaned_data["reason"], actor=request.user)
        except DomainError as error:
            show_refusal(form, error, fields_by_code={"reason_blank": "reason"})
        else:
            messages.success(request, _("The meeting is cancelled."))
            return redirect("meetings:detail", pk=meeting.pk)
    return _manage_page(request, meeting, cancel_form=form, status=400)


@clerk_required
@require_http_methods(["GET", "POST"])
def meeting_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get(meeting_id=pk)
    items = selectors.agenda_item_list(meeting_id=pk)
    form = OutcomeForm(request.POST or None, items=items)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting_record_outcome(
                meeting_id=meeting.pk,
                summary=data["summary"],
                minutes_url=data["minutes_url"],
                video_url=data["video_url"],
                item_outcomes={
                    item.pk: ItemOutcome(
                        outcome=data[f"item_{item.pk}_outcome"], decision=data[f"item_{item.pk}_decision"]
                    )
                    for item in items
                },
                actor=request.user,
            )
        except DomainError as error:
            fields = dict(OUTCOME_FIELDS_BY_CODE)
            if error.code == "item_outcome_blank":
                # Point at the first petition item left blank.
                blank = next((i for i in items if i.petition_id and not data[f"item_{i.pk}_outcome"].strip()), None)
                if blank is not None:
                    fields["item_outcome_blank"] = f"item_{blank.pk}_outcome"
            show_refusal(form, error, fields_by_code=fields)
        else:
            messages.success(request, _("The outcome is published and signers are being told."))
            return redirect("meetings:detail", pk=meeting.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "meetings/outcome_form.html",
        {
            "meeting": meeting,
            "form": form,
            "has_started": meeting.has_started,
            "staff_nav": True,
        },
        status=status,
    )
