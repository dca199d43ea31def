"""Asking, confirming and judging questions (residents, by emailed link), the public lists,
and the staff pages: moderation, written answers, supplementaries."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from townhall.accounts.decorators import clerk_required, moderator_required, responder_required
from townhall.core.errors import DomainError, InvalidState, NotFound
from townhall.core.forms import raise_if_page_level, show_refusal
from townhall.core.http import conditional_public, make_etag, no_store, page_number, whole_number
from townhall.core.net import client_ip
from townhall.integrity.prechecks import precheck_text
from townhall.meetings.selectors import meeting_get
from townhall.officials.selectors import official_choices_current
from townhall.questions import selectors
from townhall.questions.forms import (
    ASK_FIELDS_BY_CODE,
    AnswerForm,
    AskForm,
    RejectForm,
    SupplementaryForm,
    VerdictForm,
)
from townhall.questions.models import Question, QuestionState
from townhall.questions.services import (
    question_accept,
    question_answer,
    question_ask,
    question_check_meeting,
    question_confirm,
    question_get_by_token,
    question_record_supplementary,
    question_record_verdict,
    question_reject,
    question_rules,
)

# --- residents ---------------------------------------------------------------------------------


@no_store
@require_safe
def ask_choose(request: HttpRequest) -> HttpResponse:
    """Pick a meeting to ask a question for (or go straight to it with ?meeting=<id>)."""
    meeting_id = whole_number(request.GET.get("meeting", ""))
    if meeting_id is not None:
        return redirect("questions:ask", meeting_id=meeting_id)
    now = timezone.now()
    meetings = [
        (meeting, question_rules(meeting=meeting)) for meeting in selectors.meeting_list_open_for_questions(now=now)
    ]
    return render(request, "questions/ask_choose.html", {"meetings": meetings, "now": now})


@no_store
@require_http_methods(["GET", "POST"])
def ask(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = meeting_get(meeting_id=meeting_id)
    rules = question_rules(meeting=meeting)
    officials = official_choices_current()
    form = AskForm(
        request.POST or None,
        officials=officials,
        word_limit=rules.word_limit,
        initial_official=selectors.question_official_for_meeting(meeting_id=meeting.pk),
    )
    status = 200
    closed_message = ""
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                question_ask(
                    meeting_id=meeting.pk,
                    official_id=data["official"],
                    name=data["name"],
                    email=data["email"],
                    postcode=data["postcode"],
                    text=data["text"],
                    ip=client_ip(request),
                )
            except DomainError as error:
                # A meeting not taking questions is said plainly above the form.
                status = show_refusal(form, error, fields_by_code=ASK_FIELDS_BY_CODE)
            else:
                return redirect("questions:check_email")
    else:
        # A GET for a meeting not taking questions explains why instead of showing a form.
        try:
            question_check_meeting(meeting=meeting)
        except InvalidState as error:
            closed_message = error.message
    return render(
        request,
        "questions/ask.html",
        {"meeting": meeting, "form": form, "rules": rules, "closed_message": closed_message},
        status=status,
    )


@no_store
@require_safe
def check_email(request: HttpRequest) -> HttpResponse:
    return render(request, "questions/check_email.html", {})


@no_store
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, pk: int, token: str) -> HttpResponse:
    """GET shows a button and confirms nothing (mail scanners fetch links); POST confirms."""
    if request.method == "POST":
        question = question_confirm(question_id=pk, token=token)
        return render(request, "questions/confirmed.html", {"question": question})
    question = question_get_by_token(question_id=pk, token=token)
    return render(
        request,
        "questions/confirm.html",
        {"question": question, "already": question.state != QuestionState.PENDING},
    )


@no_store
@require_http_methods(["GET", "POST"])
def verdict(request: HttpRequest, pk: int, token: str) -> HttpResponse:
    question = question_get_by_token(question_id=pk, token=token, purpose="verdict")
    form = VerdictForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                question_record_verdict(
                    question_id=pk,
                    token=token,
                    verdict=form.cleaned_data["verdict"],
                    reason=form.cleaned_data["reason"],
                )
            except DomainError as error:
                status = show_refusal(
                    form, error, fields_by_code={"verdict_invalid": "verdict", "reason_too_long": "reason"}
                )
            else:
                messages.success(request, _("Thank you: your verdict is recorded and published."))
                return redirect("questions:verdict", pk=pk, token=token)
        question.refresh_from_db()
    has_started = question.meeting.has_started
    return render(
        request,
        "questions/verdict.html",
        {"question": question, "form": form, "has_started": has_started},
        status=status,
    )


@require_safe
def question_list(request: HttpRequest) -> HttpResponse:
    """Published questions, optionally to one person (?official=<slug>), with the distribution."""
    slug = request.GET.get("official", "").strip()
    page_size = settings.TOWNHALL["PAGE_SIZE"]
    person = None
    if slug:
        person = selectors.person_get_by_slug(slug=slug)
        if person is None:
            raise NotFound(_("There is no official with that name on this site."))
        page, rows = selectors.question_page_for_person(
            person_id=person.pk, page=page_number(request), page_size=page_size
        )
        distribution = selectors.question_verdict_distribution(person_id=person.pk)
    else:
        page, rows = selectors.question_page_all(page=page_number(request), page_size=page_size)
        distribution = selectors.question_verdict_distribution()
    etag = make_etag(
        "questions",
        slug,
        page.number,
        distribution.as_dict(),
        [(r.question.pk, r.status, r.question.answered_at, r.question.supplementary_recorded_at) for r in rows],
    )
    return conditional_public(
        request,
        etag=etag,
        last_modified=None,
        render=lambda: render(
            request,
            "questions/list.html",
            {
                "person": person,
                "page": page,
                "rows": rows,
                "distribution": distribution,
                "people": selectors.people_with_questions(),
                "slug": slug,
            },
        ),
    )


# --- moderators --------------------------------------------------------------------------------


@moderator_required
@require_safe
def moderation_queue(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "questions/moderation_queue.html",
        {"questions": selectors.question_list_awaiting_moderation(), "staff_nav": True},
    )


def _moderation_page(
    request: HttpRequest, question: Question, form: RejectForm, *, refusal: str = "", status: int = 200
) -> HttpResponse:
    return render(
        request,
        "questions/moderation_detail.html",
        {
            "question": question,
            "reject_form": form,
            "refusal": refusal,
            "rules": question_rules(meeting=question.meeting),
            # Automated checks (personal data, allegations, …) inform the moderator.
            "findings": precheck_text(question.text),
            "staff_nav": True,
        },
        status=status,
    )


@moderator_required
@require_safe
def moderation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _moderation_page(request, selectors.question_get(question_id=pk), RejectForm())


@moderator_required
@require_POST
def moderation_accept(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        question_accept(question_id=pk, actor=request.user)
    except DomainError as error:
        raise_if_page_level(error)
        # E.g. another moderator decided first: say so on the question's page.
        return _moderation_page(
            request,
            selectors.question_get(question_id=pk),
            RejectForm(),
            refusal=error.message,
            status=error.http_status,
        )
    messages.success(request, _("Accepted: the question is published on the meeting's page."))
    return redirect("questions:moderation_queue")


@moderator_required
@require_POST
def moderation_reject(request: HttpRequest, pk: int) -> HttpResponse:
    form = RejectForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            question_reject(question_id=pk, reason=form.cleaned_data["reason"], actor=request.user)
        except DomainError as error:
            status = show_refusal(form, error, fields_by_code={"reason_blank": "reason"})
        else:
            messages.success(request, _("Rejected; the asker has been told why."))
            return redirect("questions:moderation_queue")
    return _moderation_page(request, selectors.question_get(question_id=pk), form, status=status)


# --- responders: written answers ---------------------------------------------------------------


@responder_required
@require_safe
def answer_queue(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "questions/answer_queue.html",
        {"questions": selectors.question_list_awaiting_answer(now=timezone.now()), "staff_nav": True},
    )


def _question_form_page(
    request: HttpRequest,
    question: Question,
    form: forms.Form,
    *,
    template: str,
    save: Callable[[dict[str, Any]], object],
    fields_by_code: Mapping[str, str],
    done: str,
    then: str,
) -> HttpResponse:
    """A staff page with one form about a question: a POST saves through the service, whose
    refusal stays on the form with its status; once saved, a message and on to `then`."""
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                save(form.cleaned_data)
            except DomainError as error:
                status = show_refusal(form, error, fields_by_code=fields_by_code)
            else:
                messages.success(request, done)
                return redirect(then)
    return render(request, template, {"question": question, "form": form, "staff_nav": True}, status=status)


@responder_required
@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    return _question_form_page(
        request,
        selectors.question_get(question_id=pk),
        AnswerForm(request.POST or None),
        template="questions/answer_form.html",
        save=lambda data: question_answer(question_id=pk, answer=data["answer"], actor=request.user),
        fields_by_code={"answer_blank": "answer", "answer_too_long": "answer"},
        done=_("The written answer is published."),
        then=reverse("questions:answer_queue"),
    )


# --- clerks: supplementaries -------------------------------------------------------------------


@clerk_required
@require_http_methods(["GET", "POST"])
def supplementary(request: HttpRequest, pk: int) -> HttpResponse:
    question = selectors.question_get(question_id=pk)
    return _question_form_page(
        request,
        question,
        SupplementaryForm(request.POST or None),
        template="questions/supplementary_form.html",
        save=lambda data: question_record_supplementary(
            question_id=pk,
            supplementary_question=data["supplementary_question"],
            supplementary_answer=data["supplementary_answer"],
            actor=request.user,
        ),
        fields_by_code={"supplementary_blank": "supplementary_question"},
        done=_("The supplementary is recorded and published."),
        then=reverse("meetings:manage", kwargs={"pk": question.meeting_id}),
    )
