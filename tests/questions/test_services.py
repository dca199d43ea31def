"""Public questions: the scheme's rules when asking, email confirmation, moderation, the
written answer, the supplementary, and the asker's verdict (once)."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core import mail

from tests.builders import MEETING_AT, QUESTIONS_CLOSE_AT, WORLD_STARTS_AT, staff
from tests.conftest import links_in
from tests.meetings.conftest import schedule
from tests.questions.conftest import QUESTION, accepted, ask
from townhall.accounts.models import Role, User
from townhall.audit.models import AuditEvent
from townhall.core.errors import DomainError, InvalidState, NotFound, PermissionDeniedError
from townhall.core.tokens import link_token
from townhall.mail.models import QueuedEmail
from townhall.meetings.models import Committee, Meeting
from townhall.meetings.services import meeting_cancel, meeting_record_outcome
from townhall.officials.models import Official
from townhall.officials.services import official_appoint, official_end_tenure
from townhall.questions.models import Question, QuestionState, Verdict
from townhall.questions.rules import count_words, question_closes_at
from townhall.questions.services import (
    question_accept,
    question_answer,
    question_confirm,
    question_invite_verdicts,
    question_record_supplementary,
    question_record_verdict,
    question_reject,
)
from townhall.schemes.models import Scheme

pytestmark = pytest.mark.django_db


def snapshot() -> list[tuple[Any, ...]]:
    return list(
        Question.objects.order_by("pk").values_list(
            "pk", "state", "answer", "supplementary_question", "verdict", "verdict_reason", "moderated_at"
        )
    )


def hold(meeting: Meeting, clerk: User, frozen_time: Any, *, hours: int = 3) -> None:
    frozen_time.move_to(MEETING_AT + datetime.timedelta(hours=hours))
    meeting_record_outcome(
        meeting_id=meeting.pk, summary="Questions put.", minutes_url="", video_url="", item_outcomes={}, actor=clerk
    )


# --- the rules -----------------------------------------------------------------------------------


def test_the_deadline_is_counted_on_the_body_s_clock_across_a_clock_change() -> None:
    # 7pm BST on Tuesday 31 March 2026 (18:00 UTC) closes at 7pm GMT on 24 March (19:00 UTC).
    closes = question_closes_at(starts_at=datetime.datetime(2026, 3, 31, 18, 0, tzinfo=datetime.UTC), deadline_days=7)

    assert closes == datetime.datetime(2026, 3, 24, 19, 0, tzinfo=datetime.UTC)


def test_words_are_counted_between_spaces_and_line_breaks() -> None:
    assert count_words("  Will the\nMayor  answer? ") == 4
    assert count_words("") == 0


def test_a_resident_asks_a_question_and_is_emailed_a_confirmation_link(
    meeting: Meeting, mayor: Official, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        question = ask(
            meeting, mayor, settle=False, email="Ann.Smith+council@GMAIL.com", postcode="km3 3ba", text=f"  {QUESTION} "
        )

    assert question.state == QuestionState.PENDING
    assert question.text == QUESTION
    assert question.asker_email_canonical == "annsmith@gmail.com"
    assert question.asker_postcode == "KM3 3BA"
    assert question.created_at == WORLD_STARTS_AT
    [message] = mail.outbox
    assert message.to == ["Ann.Smith+council@GMAIL.com"]
    assert message.subject == "Confirm your question for Mayor's Question Time"
    assert links_in(message.body) == [f"http://testserver/questions/{question.pk}/confirm/{question.token}/"]
    assert "Questions for this meeting close on 3 March 2026, 19:00" in message.body
    assert AuditEvent.objects.filter(action="question.asked", target_id=str(question.pk)).exists()


def test_after_the_deadline_questions_are_refused_with_the_closing_date(
    meeting: Meeting, mayor: Official, frozen_time: Any, django_capture_on_commit_callbacks: Any
) -> None:
    frozen_time.move_to(QUESTIONS_CLOSE_AT - datetime.timedelta(seconds=1))
    ask(meeting, mayor, 0)
    frozen_time.move_to(QUESTIONS_CLOSE_AT)

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(InvalidState) as refused:
        ask(meeting, mayor, 1)

    assert refused.value.code == "questions_closed"
    assert refused.value.message == "Questions for this meeting closed on 3 March 2026 (7 days before the meeting)."
    assert Question.objects.count() == 1
    assert mail.outbox == []


def test_a_question_over_the_word_limit_is_refused_with_its_length(meeting: Meeting, mayor: Official) -> None:
    with pytest.raises(DomainError) as refused:
        ask(meeting, mayor, text=" ".join(["word"] * 134))

    assert refused.value.code == "text_too_long"
    assert refused.value.message == "Your question is 134 words; the limit is 100."
    assert not Question.objects.exists()
    # Exactly at the limit is fine.
    assert ask(meeting, mayor, text=" ".join(["word"] * 100)).state == QuestionState.PENDING


def test_one_mailbox_asks_at_most_the_scheme_s_number_of_questions_per_meeting(
    meeting: Meeting, mayor: Official, moderator: User, clerk: User, question_time: Committee
) -> None:
    first = ask(meeting, mayor, email="ann.smith@gmail.com")

    for email in ("ann.smith@gmail.com", "AnnSmith+again@googlemail.com"):
        with pytest.raises(DomainError) as refused:
            ask(meeting, mayor, email=email, text="A second question?")
        assert refused.value.code == "too_many_questions"
        assert refused.value.message == "You have already asked 1 question for this meeting, the most allowed."
    assert Question.objects.count() == 1

    # Awaiting moderation and accepted questions count too; a rejected one does not.
    question_confirm(question_id=first.pk, token=first.token)
    with pytest.raises(DomainError, match=re.escape("already asked 1 question")):
        ask(meeting, mayor, email="ann.smith@gmail.com")
    question_accept(question_id=first.pk, actor=moderator)
    with pytest.raises(DomainError, match=re.escape("already asked 1 question")):
        ask(meeting, mayor, email="ann.smith@gmail.com")
    # Another meeting has its own allowance.
    other = schedule(clerk, question_time, starts_at=MEETING_AT + datetime.timedelta(days=1))
    from townhall.meetings.services import agenda_item_add

    agenda_item_add(meeting_id=other.pk, kind="questions", title="", official_id=mayor.pk, actor=clerk)
    assert ask(other, mayor, email="ann.smith@gmail.com").state == QuestionState.PENDING


@pytest.mark.parametrize("domain", django_settings.TOWNHALL["PLUS_TAG_EMAIL_DOMAINS"])
def test_plus_tag_variants_of_one_mailbox_are_one_asker(meeting: Meeting, mayor: Official, domain: str) -> None:
    first = ask(meeting, mayor, email=f"ann.smith+first@{domain}")
    assert first.asker_email_canonical == f"ann.smith@{domain}"
    for email in (f"ann.smith+second@{domain}", f"Ann.Smith@{domain}"):
        with pytest.raises(DomainError) as refused:
            ask(meeting, mayor, email=email, text="A second question?")
        assert refused.value.code == "too_many_questions"
    # Dots matter there: another mailbox, another asker.
    assert ask(meeting, mayor, email=f"annsmith+first@{domain}").state == QuestionState.PENDING
    assert Question.objects.count() == 2


def test_a_rejected_question_frees_the_allowance_and_the_plural_message(
    meeting: Meeting, mayor: Official, moderator: User, scheme: Scheme
) -> None:
    Scheme.objects.update(questions_per_person=2)
    first = ask(meeting, mayor, email="ann@example.org")
    question_confirm(question_id=first.pk, token=first.token)
    question_reject(question_id=first.pk, reason="Not about council business.", actor=moderator)
    ask(meeting, mayor, email="ann@example.org")
    ask(meeting, mayor, email="ann@example.org")

    with pytest.raises(DomainError) as refused:
        ask(meeting, mayor, email="ann@example.org")

    assert refused.value.message == "You have already asked 2 questions for this meeting, the most allowed."


@pytest.mark.parametrize(
    ("overrides", "code", "message"),
    [
        ({"official_id": None}, "official_unknown", "Choose who your question is for from the list."),
        ({"name": " "}, "name_blank", "Enter your name."),
        (
            {"email": "not-an-email"},
            "email_invalid",
            "Enter your email address in the right format, like name@example.com.",
        ),
        ({"postcode": "KM"}, "postcode_invalid", "Enter a real postcode, like SW1A 1AA."),
        ({"text": "  "}, "text_blank", "Enter your question."),
    ],
)
def test_bad_details_are_refused_with_a_clear_message(
    meeting: Meeting, mayor: Official, overrides: dict[str, Any], code: str, message: str
) -> None:
    with pytest.raises(DomainError) as refused:
        ask(meeting, mayor, **overrides)

    assert (refused.value.code, refused.value.message) == (code, message)
    assert not Question.objects.exists()


def test_questions_go_only_to_current_officials(meeting: Meeting, frozen_time: Any) -> None:
    former = official_appoint(name="Daniel Okafor", role="Chief Executive", started_on=datetime.date(2023, 1, 1))
    official_end_tenure(official_id=former.pk, ended_on=datetime.date(2025, 12, 1))

    with pytest.raises(DomainError, match=re.escape("Choose who your question is for from the list.")):
        ask(meeting, former)
    assert not Question.objects.exists()


def test_only_meetings_with_public_questions_on_the_agenda_take_them(
    scheme: Scheme, clerk: User, question_time: Committee, mayor: Official, frozen_time: Any
) -> None:
    bare = schedule(clerk, question_time)

    with pytest.raises(InvalidState, match=re.escape("This meeting is not taking public questions.")):
        ask(bare, mayor)
    assert not Question.objects.exists()


def test_a_cancelled_meeting_takes_no_questions(meeting: Meeting, mayor: Official, clerk: User) -> None:
    meeting_cancel(meeting_id=meeting.pk, reason="No quorum.", actor=clerk)

    with pytest.raises(InvalidState, match=re.escape("This meeting was cancelled, so it is not taking questions.")):
        ask(meeting, mayor)


# --- confirming ----------------------------------------------------------------------------------


def test_confirming_sends_the_question_to_moderation_once(meeting: Meeting, mayor: Official, frozen_time: Any) -> None:
    question = ask(meeting, mayor)

    with pytest.raises(NotFound, match=re.escape("This link is not valid")):
        question_confirm(question_id=question.pk, token="wrong")
    question.refresh_from_db()
    assert question.state == QuestionState.PENDING

    frozen_time.move_to(WORLD_STARTS_AT + datetime.timedelta(minutes=5))
    question_confirm(question_id=question.pk, token=question.token)
    frozen_time.move_to(WORLD_STARTS_AT + datetime.timedelta(minutes=9))
    question_confirm(question_id=question.pk, token=question.token)

    question.refresh_from_db()
    assert (question.state, question.confirmed_at) == (
        QuestionState.AWAITING_MODERATION,
        WORLD_STARTS_AT + datetime.timedelta(minutes=5),
    )


def test_a_question_confirmed_after_the_deadline_is_not_put(
    meeting: Meeting, mayor: Official, frozen_time: Any
) -> None:
    question = ask(meeting, mayor)
    frozen_time.move_to(QUESTIONS_CLOSE_AT + datetime.timedelta(hours=1))

    with pytest.raises(InvalidState) as refused:
        question_confirm(question_id=question.pk, token=question.token)

    assert refused.value.message == (
        "Questions for this meeting closed on 3 March 2026 (7 days before the meeting). "
        "Your question was not confirmed in time, so it cannot be put."
    )
    question.refresh_from_db()
    assert question.state == QuestionState.PENDING


# --- moderation ------------------------------------------------------------------------------------


def test_a_moderator_accepts_and_the_asker_is_told(
    meeting: Meeting, mayor: Official, moderator: User, django_capture_on_commit_callbacks: Any
) -> None:
    question = ask(meeting, mayor)
    question_confirm(question_id=question.pk, token=question.token)

    with django_capture_on_commit_callbacks(execute=True):
        question_accept(question_id=question.pk, actor=moderator)

    question.refresh_from_db()
    assert (question.state, question.moderated_by, question.moderated_at) == (
        QuestionState.ACCEPTED,
        moderator,
        WORLD_STARTS_AT,
    )
    [message] = mail.outbox
    assert message.subject == "Your question has been accepted for Mayor's Question Time"
    assert f"http://testserver/meetings/{meeting.pk}/" in message.body


def test_a_moderator_rejects_with_a_reason_that_is_emailed(
    meeting: Meeting, mayor: Official, moderator: User, django_capture_on_commit_callbacks: Any
) -> None:
    question = ask(meeting, mayor)
    question_confirm(question_id=question.pk, token=question.token)

    with pytest.raises(DomainError, match=re.escape("Give a reason for rejecting the question")):
        question_reject(question_id=question.pk, reason=" ", actor=moderator)
    with django_capture_on_commit_callbacks(execute=True):
        question_reject(question_id=question.pk, reason="It names a member of staff.", actor=moderator)

    question.refresh_from_db()
    assert (question.state, question.rejection_reason) == (QuestionState.REJECTED, "It names a member of staff.")
    [message] = mail.outbox
    assert "Reason: It names a member of staff." in message.body
    with pytest.raises(InvalidState, match=re.escape("This question is rejected, so it cannot be accepted.")):
        question_accept(question_id=question.pk, actor=moderator)


def test_moderation_needs_the_moderator_role_and_a_confirmed_question(
    meeting: Meeting, mayor: Official, clerk: User, moderator: User
) -> None:
    question = ask(meeting, mayor)

    with pytest.raises(PermissionDeniedError, match=re.escape("Only moderators can accept or reject questions.")):
        question_accept(question_id=question.pk, actor=clerk)
    with pytest.raises(
        InvalidState, match=re.escape("waiting for the asker to confirm their email, so it cannot be accepted")
    ):
        question_accept(question_id=question.pk, actor=moderator)
    assert snapshot()[0][1] == QuestionState.PENDING


# --- the written answer and the supplementary -----------------------------------------------------


def test_a_responder_publishes_the_written_answer_once_before_the_meeting(
    meeting: Meeting,
    mayor: Official,
    moderator: User,
    responder: User,
    frozen_time: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    question = accepted(meeting, mayor, moderator)

    with pytest.raises(
        PermissionDeniedError, match=re.escape("Only responders can publish officials' written answers.")
    ):
        question_answer(question_id=question.pk, answer="Soon.", actor=moderator)
    with pytest.raises(DomainError, match=re.escape("Enter the written answer.")):
        question_answer(question_id=question.pk, answer=" ", actor=responder)
    frozen_time.move_to(MEETING_AT - datetime.timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        question_answer(question_id=question.pk, answer="The toilets reopen in May.", actor=responder)

    question.refresh_from_db()
    assert (question.answer, question.answered_at) == (
        "The toilets reopen in May.",
        MEETING_AT - datetime.timedelta(days=1),
    )
    assert [m.subject for m in mail.outbox] == ["Written answer published: your question to Cllr Helen Marsh"]
    with pytest.raises(InvalidState) as again:
        question_answer(question_id=question.pk, answer="Changed.", actor=responder)
    assert (
        again.value.message == "A written answer to this question was published on 9 March 2026; it cannot be changed."
    )


def test_no_written_answer_once_the_meeting_has_started(
    meeting: Meeting, mayor: Official, moderator: User, responder: User, frozen_time: Any
) -> None:
    question = accepted(meeting, mayor, moderator)
    frozen_time.move_to(MEETING_AT)

    with pytest.raises(InvalidState) as refused:
        question_answer(question_id=question.pk, answer="Late.", actor=responder)

    assert refused.value.message.startswith(
        "The meeting started on 10 March 2026: written answers must be published before it."
    )
    question.refresh_from_db()
    assert question.answered_at is None


def test_the_clerk_records_the_supplementary_at_or_after_the_meeting_once(
    meeting: Meeting, mayor: Official, moderator: User, clerk: User, responder: User, frozen_time: Any
) -> None:
    question = accepted(meeting, mayor, moderator)

    with pytest.raises(InvalidState, match=re.escape("The meeting starts on 10 March 2026; record the supplementary")):
        question_record_supplementary(
            question_id=question.pk, supplementary_question="When?", supplementary_answer="", actor=clerk
        )
    frozen_time.move_to(MEETING_AT + datetime.timedelta(minutes=20))
    with pytest.raises(PermissionDeniedError):
        question_record_supplementary(
            question_id=question.pk, supplementary_question="When?", supplementary_answer="", actor=responder
        )
    with pytest.raises(DomainError, match=re.escape("Enter the supplementary question that was asked.")):
        question_record_supplementary(
            question_id=question.pk, supplementary_question=" ", supplementary_answer="", actor=clerk
        )
    question_record_supplementary(
        question_id=question.pk,
        supplementary_question="Will the Mayor give a date?",
        supplementary_answer="I will write to you.",
        actor=clerk,
    )

    question.refresh_from_db()
    assert (question.supplementary_question, question.supplementary_answer, question.supplementary_recorded_at) == (
        "Will the Mayor give a date?",
        "I will write to you.",
        MEETING_AT + datetime.timedelta(minutes=20),
    )
    with pytest.raises(InvalidState, match=re.escape("The supplementary for this question has already been recorded.")):
        question_record_supplementary(
            question_id=question.pk, supplementary_question="Again?", supplementary_answer="", actor=clerk
        )


# --- the verdict -------------------------------------------------------------------------------------


def test_the_asker_records_a_verdict_once(
    meeting: Meeting, mayor: Official, moderator: User, clerk: User, frozen_time: Any
) -> None:
    question = accepted(meeting, mayor, moderator)

    with pytest.raises(
        InvalidState, match=re.escape("You can record your verdict once the meeting has taken place on 10 March 2026.")
    ):
        question_record_verdict(
            question_id=question.pk, token=link_token(question.token, "verdict"), verdict=Verdict.ANSWERED, reason=""
        )
    hold(meeting, clerk, frozen_time)
    with pytest.raises(NotFound):
        question_record_verdict(question_id=question.pk, token="nope", verdict=Verdict.ANSWERED, reason="")
    with pytest.raises(DomainError, match=re.escape("Choose whether your question was answered.")):
        question_record_verdict(
            question_id=question.pk, token=link_token(question.token, "verdict"), verdict="maybe", reason=""
        )
    before = snapshot()
    assert before[0][4] == ""

    question_record_verdict(
        question_id=question.pk,
        token=link_token(question.token, "verdict"),
        verdict=Verdict.PARTLY,
        reason="  No date was given. ",
    )

    question.refresh_from_db()
    assert (question.verdict, question.verdict_reason, question.verdict_at) == (
        Verdict.PARTLY,
        "No date was given.",
        MEETING_AT + datetime.timedelta(hours=3),
    )
    recorded = snapshot()
    with pytest.raises(InvalidState) as again:
        question_record_verdict(
            question_id=question.pk, token=link_token(question.token, "verdict"), verdict=Verdict.ANSWERED, reason=""
        )
    assert again.value.code == "verdict_recorded"
    assert again.value.message == (
        "You have already recorded your verdict on this question (“Partly answered”). "
        "A verdict is recorded once and cannot be changed."
    )
    assert snapshot() == recorded
    assert AuditEvent.objects.filter(action="question.verdict_recorded").count() == 1


def test_a_verdict_only_on_an_accepted_question(
    meeting: Meeting, mayor: Official, clerk: User, frozen_time: Any
) -> None:
    question = ask(meeting, mayor)
    hold(meeting, clerk, frozen_time)

    with pytest.raises(InvalidState, match=re.escape("so no verdict can be recorded")):
        question_record_verdict(
            question_id=question.pk, token=link_token(question.token, "verdict"), verdict=Verdict.ANSWERED, reason=""
        )


def test_publishing_the_outcome_invites_each_asker_once_to_give_a_verdict(
    meeting: Meeting, mayor: Official, moderator: User, clerk: User, frozen_time: Any
) -> None:
    first = accepted(meeting, mayor, moderator, 0)
    second = accepted(meeting, mayor, moderator, 1)
    ask(meeting, mayor, 2)  # never confirmed: no invitation

    hold(meeting, clerk, frozen_time)
    meeting.refresh_from_db()
    assert question_invite_verdicts(meeting) == 0  # a re-run adds nothing

    letters = {letter.dedupe_key: letter for letter in QueuedEmail.objects.filter(dedupe_key__endswith=":verdict")}
    assert sorted(letters) == [f"question:{first.pk}:verdict", f"question:{second.pk}:verdict"]
    letter = letters[f"question:{first.pk}:verdict"]
    assert letter.to == "resident0@example.org"
    assert letter.subject == "Was your question to Cllr Helen Marsh answered?"
    assert f"http://testserver/questions/{first.pk}/verdict/{link_token(first.token, 'verdict')}/" in letter.body
    assert "No written answer was given before the meeting." in letter.body


def test_nothing_is_saved_when_a_refused_role_tries(meeting: Meeting, mayor: Official, moderator: User) -> None:
    question = accepted(meeting, mayor, moderator)
    outsider = staff("outsider", Role.MODERATOR)
    before = snapshot()

    with pytest.raises(PermissionDeniedError):
        question_answer(question_id=question.pk, answer="x", actor=outsider)
    with pytest.raises(PermissionDeniedError):
        question_record_supplementary(
            question_id=question.pk, supplementary_question="x", supplementary_answer="", actor=outsider
        )

    assert snapshot() == before
