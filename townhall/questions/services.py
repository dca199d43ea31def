"""Public questions to officials for a meeting: every state change, each checking first.

    pending ──asker confirms by email──▶ awaiting_moderation ──accept──▶ accepted
                                                            └──reject──▶ rejected

An accepted question then gathers, in order: the official's written answer (a responder
publishes it before the meeting), the supplementary question and its answer (the clerk
records them at or after the meeting), and the asker's verdict (recorded once, by the
asker's emailed link, once the meeting has started). A question whose meeting started
without a written answer shows "No answer given".

The scheme's rules are checked when a question is asked: the submission deadline (N days
before the meeting), the word limit, and questions per person per meeting (counted by
canonical email address over pending, awaiting-moderation and accepted questions).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from townhall.accounts.models import Actor, User
from townhall.accounts.policies import can_clerk, can_moderate, can_respond, require
from townhall.audit.services import audit_record
from townhall.core.errors import DomainError, InvalidState, NotFound
from townhall.core.links import absolute_url
from townhall.core.text import text_required, text_within, tidy
from townhall.core.tokens import get_by_token, link_token, new_token
from townhall.lists.selectors import resident_block_reason
from townhall.mail.models import LetterPriority
from townhall.mail.services import Letter, queue_letters, render_email, send_email
from townhall.meetings.models import AgendaItem, AgendaItemKind, Meeting, MeetingState
from townhall.meetings.services import local_date
from townhall.officials.selectors import official_list_current
from townhall.questions.models import Question, QuestionState, Verdict, finished_condition
from townhall.questions.rules import QuestionRules, count_words, question_closes_at
from townhall.residents.services import resident_clean
from townhall.schemes.selectors import scheme_get_current

ANSWER_MAX = 10_000
REASON_MAX = 1_000
# Questions that count towards a person's limit for a meeting.
COUNTED_STATES = (QuestionState.PENDING, QuestionState.AWAITING_MODERATION, QuestionState.ACCEPTED)


def question_rules(*, meeting: Meeting) -> QuestionRules:
    scheme = scheme_get_current()
    return QuestionRules(
        closes_at=question_closes_at(starts_at=meeting.starts_at, deadline_days=scheme.question_deadline_days),
        deadline_days=scheme.question_deadline_days,
        word_limit=scheme.question_word_limit,
        per_person=scheme.questions_per_person,
    )


def meeting_takes_questions(meeting: Meeting) -> bool:
    """A meeting takes residents' questions when its agenda has a public questions item."""
    return AgendaItem.objects.filter(meeting=meeting, kind=AgendaItemKind.QUESTIONS).exists()


def _closed_message(rules: QuestionRules) -> str:
    days = ngettext("%(n)s day before the meeting", "%(n)s days before the meeting", rules.deadline_days) % {
        "n": rules.deadline_days
    }
    return _("Questions for this meeting closed on %(date)s (%(days)s).") % {
        "date": local_date(rules.closes_at),
        "days": days,
    }


def _check_open(meeting: Meeting, rules: QuestionRules) -> None:
    if meeting.state == MeetingState.CANCELLED:
        raise InvalidState(_("This meeting was cancelled, so it is not taking questions."), code="meeting_cancelled")
    if meeting.state == MeetingState.HELD or not rules.is_open(timezone.now()):
        raise InvalidState(_closed_message(rules), code="questions_closed")


def question_check_meeting(*, meeting: Meeting) -> QuestionRules:
    """Raise the refusal any question for this meeting would get now; writes nothing.

    The ask page calls it to explain, instead of showing a form that cannot succeed.
    """
    rules = question_rules(meeting=meeting)
    _check_open(meeting, rules)
    if not meeting_takes_questions(meeting):
        raise InvalidState(_("This meeting is not taking public questions."), code="meeting_no_questions")
    return rules


def _send_to_asker(question: Question, *, template: str, **extra: Any) -> None:
    send_email(
        key=f"question:{question.pk}:{template}",
        priority=LetterPriority.WAITING if template == "confirm" else LetterPriority.NOTICE,
        to=[question.asker_email],
        template=f"questions/email/{template}",
        context={
            "question": question,
            "meeting": question.meeting,
            "official": question.official,
            "meeting_link": absolute_url("meetings:detail", kwargs={"pk": question.meeting_id}),
            **extra,
        },
    )


@transaction.atomic
def question_ask(
    *,
    meeting_id: int,
    official_id: int | None,
    name: str,
    email: str,
    postcode: str,
    text: str,
    ip: str | None = None,
) -> Question | None:
    """A resident asks an official a question for a meeting; it waits for email confirmation.

    Checked in the order a resident can act on: the meeting is taking questions and the
    deadline has not passed; who the question is for; their details; the question's
    length; and how many questions this mailbox has already asked for this meeting. An
    asker on a block list (townhall.lists) is answered as anyone is, but nothing is stored
    or sent: the result is None.
    """
    # Locking the meeting makes the per-person count exact under simultaneous submissions.
    meeting = Meeting.objects.select_for_update().select_related("committee").filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound(_("There is no meeting with that number."))
    rules = question_check_meeting(meeting=meeting)
    official = official_list_current().filter(pk=official_id).first() if official_id is not None else None
    if official is None:
        raise DomainError(_("Choose who your question is for from the list."), code="official_unknown")
    asker = resident_clean(name=name, email=email, postcode=postcode)
    text = text_required(text, code="text", blank=_("Enter your question."))
    words = count_words(text)
    if words > rules.word_limit:
        raise DomainError(
            _("Your question is %(words)s words; the limit is %(limit)s.")
            % {"words": words, "limit": rules.word_limit},
            code="text_too_long",
        )
    asked = Question.objects.filter(
        meeting=meeting, asker_email_canonical=asker.email_canonical, state__in=COUNTED_STATES
    ).count()
    if asked >= rules.per_person:
        raise DomainError(
            ngettext(
                "You have already asked %(n)s question for this meeting, the most allowed.",
                "You have already asked %(n)s questions for this meeting, the most allowed.",
                asked,
            )
            % {"n": asked},
            code="too_many_questions",
        )
    if resident_block_reason(email=asker.email_canonical, ip=ip):
        return None
    question = Question.objects.create(
        meeting=meeting,
        official=official,
        text=text,
        asker_name=asker.name,
        asker_email=asker.email,
        asker_email_canonical=asker.email_canonical,
        asker_postcode=asker.postcode,
        token=new_token(),
        created_at=timezone.now(),
    )
    audit_record(action="question.asked", target=question, data={"meeting": meeting.pk, "official": official.pk})
    _send_to_asker(
        question,
        template="confirm",
        link=absolute_url("questions:confirm", kwargs={"pk": question.pk, "token": question.token}),
        closes_at=rules.closes_at,
    )
    return question


def question_get_by_token(*, question_id: int, token: str, purpose: str | None = None) -> Question:
    """The question an emailed link points at; a wrong token is NotFound. The confirm link
    carries the stored token; the verdict link carries the one derived for "verdict"."""
    return get_by_token(
        Question.objects.select_related("meeting__committee", "official__person"),
        pk=question_id,
        token=token,
        purpose=purpose,
    )


@transaction.atomic
def question_confirm(*, question_id: int, token: str) -> Question:
    """The asker proves their email address (POST only); the question goes to moderation.

    It must be confirmed before questions close; confirming twice changes nothing.
    """
    question = question_get_by_token(question_id=question_id, token=token)
    question = Question.objects.select_for_update().select_related("meeting__committee").get(pk=question.pk)
    if question.state != QuestionState.PENDING:
        return question
    meeting = question.meeting
    rules = question_rules(meeting=meeting)
    if meeting.state == MeetingState.CANCELLED:
        raise InvalidState(_("This meeting was cancelled, so it is not taking questions."), code="meeting_cancelled")
    if meeting.state == MeetingState.HELD or not rules.is_open(timezone.now()):
        raise InvalidState(
            _closed_message(rules) + " " + _("Your question was not confirmed in time, so it cannot be put."),
            code="questions_closed",
        )
    question.state = QuestionState.AWAITING_MODERATION
    question.confirmed_at = timezone.now()
    question.save(update_fields=["state", "confirmed_at"])
    audit_record(action="question.confirmed", target=question)
    return question


def _locked(question_id: int) -> Question:
    question = (
        Question.objects.select_for_update(of=("self",))
        .select_related("meeting__committee", "official__person")
        .filter(pk=question_id)
        .first()
    )
    if question is None:
        raise NotFound(_("There is no question with that number."))
    return question


def _require_state(question: Question, state: QuestionState, *, doing: str) -> None:
    if question.state != state:
        raise InvalidState(
            _("This question is %(state)s, so %(doing)s.")
            % {"state": QuestionState(question.state).label.lower(), "doing": doing},
            code="question_state",
        )


def _require_moderator(actor: Actor) -> User:
    return require(can_moderate, actor, refusal=_("Only moderators can accept or reject questions."))


def _moderated(
    question: Question, *, state: QuestionState, actor: User, action: str, also: Sequence[str] = ()
) -> Question:
    """Record a moderator's decision on a question (with the fields in `also`, set by the
    caller), audit it and tell the asker: the letter is named after the new state."""
    question.state = state
    question.moderated_at = timezone.now()
    question.moderated_by = actor
    question.save(update_fields=["state", "moderated_at", "moderated_by", *also])
    audit_record(action=action, target=question, actor=actor)
    _send_to_asker(question, template=state.value)
    return question


@transaction.atomic
def question_accept(*, question_id: int, actor: Actor) -> Question:
    """A moderator accepts the question: it is published on the meeting's page."""
    actor = _require_moderator(actor)
    question = _locked(question_id)
    _require_state(question, QuestionState.AWAITING_MODERATION, doing=_("it cannot be accepted"))
    meeting = question.meeting
    if meeting.state == MeetingState.CANCELLED:
        raise InvalidState(
            _("This meeting was cancelled, so no question can be accepted for it."), code="meeting_cancelled"
        )
    if meeting.has_started:
        raise InvalidState(
            _("This meeting has already started, so no question can be accepted for it."), code="meeting_started"
        )
    return _moderated(question, state=QuestionState.ACCEPTED, actor=actor, action="question.accepted")


@transaction.atomic
def question_reject(*, question_id: int, reason: str, actor: Actor) -> Question:
    """A moderator rejects the question with a reason, which is emailed to the asker."""
    actor = _require_moderator(actor)
    reason = text_required(
        reason, code="reason", blank=_("Give a reason for rejecting the question; it is emailed to the asker.")
    )
    question = _locked(question_id)
    _require_state(question, QuestionState.AWAITING_MODERATION, doing=_("it cannot be rejected"))
    question.rejection_reason = reason
    return _moderated(
        question, state=QuestionState.REJECTED, actor=actor, action="question.rejected", also=["rejection_reason"]
    )


@transaction.atomic
def question_answer(*, question_id: int, answer: str, actor: Actor) -> Question:
    """Publish the official's written answer, before the meeting starts. Published once."""
    actor = require(can_respond, actor, refusal=_("Only responders can publish officials' written answers."))
    answer = text_within(
        answer,
        limit=ANSWER_MAX,
        code="answer",
        blank=_("Enter the written answer."),
        too_long=_("The answer must be %(max_grouped)s characters or fewer."),
    )
    question = _locked(question_id)
    _require_state(question, QuestionState.ACCEPTED, doing=_("it cannot be answered"))
    if question.answered_at is not None:
        raise InvalidState(
            _("A written answer to this question was published on %(date)s; it cannot be changed.")
            % {"date": local_date(question.answered_at)},
            code="already_answered",
        )
    meeting = question.meeting
    if meeting.state == MeetingState.CANCELLED:
        raise InvalidState(_("This meeting was cancelled."), code="meeting_cancelled")
    if meeting.has_started:
        raise InvalidState(
            _(
                "The meeting started on %(date)s: written answers must be published before it. "
                "What was said at the meeting is recorded by the clerk as the supplementary."
            )
            % {"date": local_date(meeting.starts_at)},
            code="meeting_started",
        )
    question.answer = answer
    question.answered_at = timezone.now()
    question.save(update_fields=["answer", "answered_at"])
    audit_record(action="question.answered", target=question, actor=actor)
    _send_to_asker(question, template="answered")
    return question


@transaction.atomic
def question_record_supplementary(
    *, question_id: int, supplementary_question: str, supplementary_answer: str, actor: Actor
) -> Question:
    """The clerk records the asker's supplementary question and the answer given at the meeting."""
    actor = require(can_clerk, actor, refusal=_("Only clerks can record what was said at a meeting."))
    supplementary_question = tidy(supplementary_question)
    supplementary_answer = tidy(supplementary_answer)
    if not supplementary_question:
        raise DomainError(_("Enter the supplementary question that was asked."), code="supplementary_blank")
    question = _locked(question_id)
    _require_state(question, QuestionState.ACCEPTED, doing=_("nothing can be recorded for it"))
    if question.supplementary_recorded_at is not None:
        raise InvalidState(
            _("The supplementary for this question has already been recorded."), code="supplementary_recorded"
        )
    meeting = question.meeting
    if meeting.state == MeetingState.CANCELLED:
        raise InvalidState(_("This meeting was cancelled."), code="meeting_cancelled")
    if not meeting.has_started:
        raise InvalidState(
            _("The meeting starts on %(date)s; record the supplementary at or after the meeting.")
            % {"date": local_date(meeting.starts_at)},
            code="meeting_not_started",
        )
    question.supplementary_question = supplementary_question
    question.supplementary_answer = supplementary_answer
    question.supplementary_recorded_at = timezone.now()
    question.save(update_fields=["supplementary_question", "supplementary_answer", "supplementary_recorded_at"])
    audit_record(action="question.supplementary_recorded", target=question, actor=actor)
    return question


@transaction.atomic
def question_record_verdict(*, question_id: int, token: str, verdict: str, reason: str) -> Question:
    """The asker says whether their question was answered. Recorded once, never changed.

    Allowed once the meeting has started (the answer, or its absence, is then final).
    """
    question_get_by_token(question_id=question_id, token=token, purpose="verdict")
    question = _locked(question_id)
    _require_state(question, QuestionState.ACCEPTED, doing=_("no verdict can be recorded"))
    if question.verdict:
        raise InvalidState(
            _(
                "You have already recorded your verdict on this question (“%(verdict)s”). "
                "A verdict is recorded once and cannot be changed."
            )
            % {"verdict": Verdict(question.verdict).label},
            code="verdict_recorded",
        )
    meeting = question.meeting
    if meeting.state == MeetingState.CANCELLED:
        raise InvalidState(_("This meeting was cancelled, so no verdict can be recorded."), code="meeting_cancelled")
    if not meeting.has_started:
        raise InvalidState(
            _("You can record your verdict once the meeting has taken place on %(date)s.")
            % {"date": local_date(meeting.starts_at)},
            code="meeting_not_started",
        )
    if verdict not in Verdict.values:
        raise DomainError(_("Choose whether your question was answered."), code="verdict_invalid")
    reason = text_within(
        reason, limit=REASON_MAX, code="reason", too_long=_("Your reason must be %(max_grouped)s characters or fewer.")
    )
    question.verdict = verdict
    question.verdict_reason = reason
    question.verdict_at = timezone.now()
    question.save(update_fields=["verdict", "verdict_reason", "verdict_at"])
    audit_record(action="question.verdict_recorded", target=question, data={"verdict": verdict})
    return question


def question_invite_verdicts(meeting: Meeting) -> int:
    """Queue a letter asking each accepted question's asker for their verdict.

    Called by the meetings app inside the transaction that publishes the outcome (see
    `register_outcome_listener`). One letter per question, ever: `question:<id>:verdict`.
    """
    questions = (
        Question.objects.filter(meeting=meeting, state=QuestionState.ACCEPTED, verdict="")
        .exclude(asker_email="")  # askers already forgotten (question_forget_askers)
        .select_related("official__person")
    )
    letters = []
    for question in questions:
        subject, body = render_email(
            template="questions/email/verdict_invite",
            context={
                "question": question,
                "meeting": meeting,
                "official": question.official,
                "link": absolute_url(
                    "questions:verdict", kwargs={"pk": question.pk, "token": link_token(question.token, "verdict")}
                ),
                "meeting_link": absolute_url("meetings:detail", kwargs={"pk": meeting.pk}),
            },
        )
        letters.append(
            Letter(dedupe_key=f"question:{question.pk}:verdict", to=question.asker_email, subject=subject, body=body)
        )
    return queue_letters(letters)


# What a forgotten asker leaves behind: nothing that says who they were or reaches them.
ASKER_FORGOTTEN = {
    "asker_name": "",
    "asker_email": "",
    "asker_email_canonical": "",
    "asker_postcode": "",
    "token": "",
    "verdict_reason": "",
}


def question_forget_askers(now: datetime.datetime) -> int:
    """QUESTION_ASKER_RETENTION_DAYS after a question is finished (`finished_condition`:
    rejected, or its meeting started or was cancelled), remove who asked it.

    - An accepted question is public: its text, the official, the answer, the supplementary
      and the verdict stay on the record, which is what the official's page and the
      council's accountability rest on. The asker's name, email address, postcode and link
      token go, and so does the reason they gave with their verdict, which is never shown.
      Townhall never publishes an asker's name (pages, feeds and the API show questions
      without it), so nothing public needs it; the verdict link stops working then, so the
      period is also how long an asker has to give their verdict.
    - A question never published (rejected, or still awaiting moderation when its meeting
      started) loses its text as well: only the asker ever wrote or saw it, and it may have
      been rejected for what it said about someone. Its state, meeting, official, dates and
      the moderator's reason stay, as the record of the decision.
    - A question its asker never confirmed is deleted, as an unconfirmed signature is.

    Returns the rows changed or deleted.
    """
    cutoff = now - datetime.timedelta(days=int(settings.TOWNHALL["QUESTION_ASKER_RETENTION_DAYS"]))
    due = Question.objects.filter(finished_condition(cutoff)).exclude(asker_email="")
    deleted, _counts = due.filter(state=QuestionState.PENDING).delete()
    published = due.filter(state=QuestionState.ACCEPTED).update(**ASKER_FORGOTTEN)
    unpublished = due.exclude(state__in=[QuestionState.PENDING, QuestionState.ACCEPTED]).update(
        **ASKER_FORGOTTEN, text=""
    )
    return int(deleted) + published + unpublished
