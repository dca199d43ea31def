"""Asking, confirming and judging questions (residents, by emailed link), the public lists,
and the staff pages: moderation, written answers, supplementaries."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from townhall.accounts.decorators import staff_only
from townhall.accounts.policies import can_clerk, can_moderate, can_respond
from townhall.core.errors import DomainError, InvalidState, NotFound
from townhall.core.forms import show_domain_error
from townhall.core.http import cached_public, make_etag, no_store, not_modified
from townhall.core.prechecks import precheck_text
from townhall.meetings.selectors import meeting_get
from townhall.officials.selectors import official_list_current
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

moderator_only = staff_only(can_moderate, refusal="You need the moderator role to see this page.")
responder_only = staff_only(can_respond, refusal="You need the responder role to see this page.")
clerk_only = staff_only(can_clerk, refusal="You need the clerk role to see this page.")


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


# --- residents ---------------------------------------------------------------------------------


@no_store
@require_safe
def ask_choose(request: HttpRequest) -> HttpResponse:
    """Pick a meeting to ask a question for (or go straight to it with ?meeting=<id>)."""
    meeting_id = request.GET.get("meeting", "")
    if meeting_id.isdigit():
        return redirect("questions:ask", meeting_id=int(meeting_id))
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
    officials = [(o.pk, f"{o.name}, {o.role}") for o in official_list_current()]
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
                )
            except InvalidState as error:
                # The meeting itself is not taking questions: say so, keep what was typed.
                form.add_error(None, error.message)
                status = error.http_status
            except DomainError as error:
                if error.http_status == 404:
                    raise
                show_domain_error(form, error, fields_by_code=ASK_FIELDS_BY_CODE)
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
    question = question_get_by_token(question_id=pk, token=token)
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
                if error.http_status == 404:
                    raise
                show_domain_error(
                    form, error, fields_by_code={"verdict_invalid": "verdict", "reason_too_long": "reason"}
                )
                status = error.http_status
            else:
                messages.success(request, _("Thank you: your verdict is recorded and published."))
                return redirect("questions:verdict", pk=pk, token=token)
        question.refresh_from_db()
    has_started = question.meeting.state == "held" or question.meeting.starts_at <= timezone.now()
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
            person_id=person.pk, page=_page_number(request), page_size=page_size
        )
        distribution = selectors.question_verdict_distribution(person_id=person.pk)
    else:
        page, rows = selectors.question_page_all(page=_page_number(request), page_size=page_size)
        distribution = selectors.question_verdict_distribution()
    etag = make_etag(
        "questions",
        slug,
        page.number,
        distribution.as_dict(),
        [(r.question.pk, r.status, r.question.answered_at, r.question.supplementary_recorded_at) for r in rows],
    )
    cached = not_modified(request, etag=etag, last_modified=None)
    if cached is not None:
        return cached
    response = render(
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
    )
    return cached_public(response, etag=etag, last_modified=None)


# --- moderators --------------------------------------------------------------------------------


@moderator_only
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


@moderator_only
@require_safe
def moderation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _moderation_page(request, selectors.question_get(question_id=pk), RejectForm())


@moderator_only
@require_POST
def moderation_accept(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        question_accept(question_id=pk, actor=request.user)
    except DomainError as error:
        if error.http_status == 404:
            raise
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


@moderator_only
@require_POST
def moderation_reject(request: HttpRequest, pk: int) -> HttpResponse:
    form = RejectForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            question_reject(question_id=pk, reason=form.cleaned_data["reason"], actor=request.user)
        except DomainError as error:
            if error.http_status == 404:
                raise
            show_domain_error(form, error, fields_by_code={"reason_blank": "reason"})
            status = error.http_status
        else:
            messages.success(request, _("Rejected; the asker has been told why."))
            return redirect("questions:moderation_queue")
    return _moderation_page(request, selectors.question_get(question_id=pk), form, status=status)


# --- responders: written answers ---------------------------------------------------------------


@responder_only
@require_safe
def answer_queue(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "questions/answer_queue.html",
        {"questions": selectors.question_list_awaiting_answer(now=timezone.now()), "staff_nav": True},
    )


@responder_only
@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    question = selectors.question_get(question_id=pk)
    form = AnswerForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                question_answer(question_id=pk, answer=form.cleaned_data["answer"], actor=request.user)
            except DomainError as error:
                if error.http_status == 404:
                    raise
                show_domain_error(form, error, fields_by_code={"answer_blank": "answer", "answer_too_long": "answer"})
                status = error.http_status
            else:
                messages.success(request, _("The written answer is published."))
                return redirect("questions:answer_queue")
    return render(
        request, "questions/answer_form.html", {"question": question, "form": form, "staff_nav": True}, status=status
    )


# --- clerks: supplementaries -------------------------------------------------------------------


@clerk_only
@require_http_methods(["GET", "POST"])
def supplementary(request: HttpRequest, pk: int) -> HttpResponse:
    question = selectors.question_get(question_id=pk)
    form = SupplementaryForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                question_record_supplementary(
                    question_id=pk,
                    supplementary_question=form.cleaned_data["supplementary_question"],
                    supplementary_answer=form.cleaned_data["supplementary_answer"],
                    actor=request.user,
                )
            except DomainError as error:
                if error.http_status == 404:
                    raise
                show_domain_error(form, error, fields_by_code={"supplementary_blank": "supplementary_question"})
                status = error.http_status
            else:
                messages.success(request, _("The supplementary is recorded and published."))
                return redirect(reverse("meetings:manage", kwargs={"pk": question.meeting_id}))
    return render(
        request,
        "questions/supplementary_form.html",
        {"question": question, "form": form, "staff_nav": True},
        status=status,
    )
