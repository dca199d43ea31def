"""Questions over HTTP: asking under the rules, confirming (GET shows, POST confirms),
the verdict page (once), the public lists, and the staff pages with their roles."""

from __future__ import annotations

import datetime
from html import unescape
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from tests.builders import MEETING_AT, staff
from tests.conftest import links_in
from tests.questions.conftest import QUESTION, accepted, ask
from townhall.accounts.models import Role, User
from townhall.core.tokens import link_token
from townhall.meetings.models import Meeting
from townhall.meetings.services import meeting_record_outcome
from townhall.officials.models import Official
from townhall.questions.models import Question, QuestionState, Verdict
from townhall.questions.services import question_answer, question_confirm, question_record_verdict

pytestmark = pytest.mark.django_db


def text(response: Any) -> str:
    return unescape(response.content.decode())


def form_data(who: Official, **overrides: str) -> dict[str, str]:
    data = {
        "official": str(who.pk),
        "text": QUESTION,
        "name": "Ann Resident",
        "email": "ann@example.org",
        "postcode": "KM3 3BA",
    }
    data.update(overrides)
    return data


# --- asking ------------------------------------------------------------------------------------


def test_the_ask_page_states_the_rules_and_preselects_the_official(
    client: Client, meeting: Meeting, mayor: Official
) -> None:
    response = client.get(f"/meetings/{meeting.pk}/questions/ask/")

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    page = text(response)
    assert "Questions close on 3 March 2026, 19:00 (7 days before the meeting)." in page
    assert "Your question may be at most 100 words." in page
    assert "Each person may ask 1 question for this meeting." in page
    assert f'<option value="{mayor.pk}" selected>Cllr Helen Marsh, Mayor</option>' in page


def test_asking_over_http_then_confirming_by_email(
    client: Client, meeting: Meeting, mayor: Official, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/meetings/{meeting.pk}/questions/ask/", form_data(mayor))

    assert response.status_code == 302
    assert response["Location"] == "/questions/check-your-email/"
    question = Question.objects.get()
    [message] = mail.outbox
    confirm_url = links_in(message.body)[0].removeprefix("http://testserver")

    # A mail scanner's GET shows the button and confirms nothing.
    page = client.get(confirm_url)
    assert page.status_code == 200
    assert page["Cache-Control"] == "no-store"
    assert "Confirm my question" in text(page)
    question.refresh_from_db()
    assert question.state == QuestionState.PENDING

    confirmed = client.post(confirm_url)
    assert confirmed.status_code == 200
    assert "Thank you: your question is confirmed" in text(confirmed)
    question.refresh_from_db()
    assert question.state == QuestionState.AWAITING_MODERATION
    assert "You have already confirmed this question." in text(client.get(confirm_url))


def test_a_wrong_confirmation_link_is_not_found(client: Client, meeting: Meeting, mayor: Official) -> None:
    question = ask(meeting, mayor)

    assert client.get(f"/questions/{question.pk}/confirm/wrong/").status_code == 404
    assert client.post(f"/questions/{question.pk}/confirm/wrong/").status_code == 404
    question.refresh_from_db()
    assert question.state == QuestionState.PENDING


@pytest.mark.parametrize(
    ("overrides", "message", "field"),
    [
        ({"text": " ".join(["word"] * 134)}, "Your question is 134 words; the limit is 100.", "id_text"),
        ({"email": "not-an-email"}, "Enter your email address in the right format, like name@example.com.", "id_email"),
        ({"official": ""}, "Choose who your question is for from the list.", "id_official"),
    ],
)
def test_the_form_shows_each_refusal_on_its_field_and_keeps_the_text(
    client: Client, meeting: Meeting, mayor: Official, overrides: dict[str, str], message: str, field: str
) -> None:
    response = client.post(f"/meetings/{meeting.pk}/questions/ask/", form_data(mayor, **overrides))

    assert response.status_code == 400
    page = text(response)
    assert f'<a href="#{field}">{message}</a>' in page
    assert (overrides.get("text") or QUESTION) in page
    assert not Question.objects.exists()


def test_the_per_person_limit_over_http(client: Client, meeting: Meeting, mayor: Official) -> None:
    ask(meeting, mayor, email="ann@example.org")

    response = client.post(f"/meetings/{meeting.pk}/questions/ask/", form_data(mayor, email="ANN@example.org"))

    assert response.status_code == 400
    assert "You have already asked 1 question for this meeting, the most allowed." in text(response)
    assert Question.objects.count() == 1


def test_after_the_deadline_the_page_explains_and_a_post_is_refused(
    client: Client, meeting: Meeting, mayor: Official, frozen_time: Any
) -> None:
    frozen_time.move_to(datetime.datetime(2026, 3, 4, 9, 0, tzinfo=datetime.UTC))
    message = "Questions for this meeting closed on 3 March 2026 (7 days before the meeting)."

    page = client.get(f"/meetings/{meeting.pk}/questions/ask/")
    assert message in text(page)
    assert "Send my question" not in text(page)

    refused = client.post(f"/meetings/{meeting.pk}/questions/ask/", form_data(mayor))
    assert refused.status_code == 409
    assert message in text(refused)
    assert not Question.objects.exists()


def test_the_ask_index_lists_meetings_open_for_questions(client: Client, meeting: Meeting) -> None:
    page = text(client.get("/questions/ask/"))

    assert f'href="/meetings/{meeting.pk}/questions/ask/"' in page
    assert "Questions close 3 March 2026, 19:00" in page
    assert client.get(f"/questions/ask/?meeting={meeting.pk}")["Location"] == f"/meetings/{meeting.pk}/questions/ask/"


# --- the verdict page ---------------------------------------------------------------------------


def test_the_verdict_is_recorded_once_from_the_emailed_link(
    client: Client, meeting: Meeting, mayor: Official, moderator: User, clerk: User, frozen_time: Any
) -> None:
    question = accepted(meeting, mayor, moderator)
    url = f"/questions/{question.pk}/verdict/{link_token(question.token, 'verdict')}/"
    assert "You can record your verdict once the meeting has taken place on 10 March 2026." in text(client.get(url))

    frozen_time.move_to(MEETING_AT + datetime.timedelta(hours=2))
    meeting_record_outcome(
        meeting_id=meeting.pk, summary="Held.", minutes_url="", video_url="", item_outcomes={}, actor=clerk
    )
    page = client.get(url)
    assert page["Cache-Control"] == "no-store"
    assert "No answer given" in text(page)
    assert "Record my verdict" in text(page)
    question.refresh_from_db()
    assert question.verdict == ""  # a GET records nothing

    missing = client.post(url, {"reason": "Nothing was said."})
    assert missing.status_code == 400
    assert "Choose whether your question was answered." in text(missing)

    done = client.post(url, {"verdict": "not_answered", "reason": "Nothing was said."})
    assert done["Location"] == url
    question.refresh_from_db()
    assert (question.verdict, question.verdict_reason) == (Verdict.NOT_ANSWERED, "Nothing was said.")
    assert "You recorded your verdict on 10 March 2026: Not answered." in text(client.get(url))

    again = client.post(url, {"verdict": "answered", "reason": ""})
    assert again.status_code == 409
    assert "You have already recorded your verdict on this question (“Not answered”)." in text(again)
    question.refresh_from_db()
    assert question.verdict == Verdict.NOT_ANSWERED


def test_a_wrong_verdict_link_is_not_found(client: Client, meeting: Meeting, mayor: Official, moderator: User) -> None:
    question = accepted(meeting, mayor, moderator)

    assert client.get(f"/questions/{question.pk}/verdict/wrong/").status_code == 404


def test_the_confirm_link_cannot_record_a_verdict(
    client: Client, meeting: Meeting, mayor: Official, moderator: User, clerk: User, frozen_time: Any
) -> None:
    question = accepted(meeting, mayor, moderator)
    frozen_time.move_to(MEETING_AT + datetime.timedelta(hours=2))
    meeting_record_outcome(
        meeting_id=meeting.pk, summary="Held.", minutes_url="", video_url="", item_outcomes={}, actor=clerk
    )
    url = f"/questions/{question.pk}/verdict/{question.token}/"  # the token the confirm link carries

    assert client.get(url).status_code == 404
    assert client.post(url, {"verdict": "answered", "reason": ""}).status_code == 404
    question.refresh_from_db()
    assert question.verdict == ""


# --- public pages --------------------------------------------------------------------------------


def test_the_meeting_page_shows_questions_answers_and_verdicts(
    client: Client, meeting: Meeting, mayor: Official, moderator: User, responder: User, clerk: User, frozen_time: Any
) -> None:
    answered = accepted(meeting, mayor, moderator, 0, text="Will the library stay open?")
    silent = accepted(meeting, mayor, moderator, 1, text="Who recommended the Chief Executive?")
    ask(meeting, mayor, 2, text="An unconfirmed question")
    question_answer(question_id=answered.pk, answer="Yes, seven days a week.", actor=responder)

    before = text(client.get(f"/meetings/{meeting.pk}/"))
    assert "Ask a question" in before
    assert "Will the library stay open?" in before
    assert "Yes, seven days a week." in before
    assert "Awaiting a written answer, due before the meeting." in before
    assert "An unconfirmed question" not in before
    assert "Resident 0" not in before  # askers are never named

    frozen_time.move_to(MEETING_AT + datetime.timedelta(hours=2))
    meeting_record_outcome(
        meeting_id=meeting.pk, summary="Held.", minutes_url="", video_url="", item_outcomes={}, actor=clerk
    )
    question_record_verdict(
        question_id=answered.pk, token=link_token(answered.token, "verdict"), verdict=Verdict.PARTLY, reason="Vague."
    )

    after = text(client.get(f"/meetings/{meeting.pk}/"))
    assert "Ask a question" not in after
    assert f'data-question="{silent.pk}" data-status="no_answer_given"' in after
    assert "No answer given" in after
    assert "The asker's verdict:</strong> Partly answered" in after
    assert "Vague." not in after  # the reason is not published
    assert '<dt>Partly answered</dt><dd data-distribution="partly">1</dd>' in after
    assert '<dt>No answer given</dt><dd data-distribution="no_answer_given">1</dd>' in after


def test_the_list_per_official_with_its_distribution(
    client: Client, meeting: Meeting, mayor: Official, moderator: User, frozen_time: Any
) -> None:
    accepted(meeting, mayor, moderator, 0, text="Will the library stay open?")
    frozen_time.move_to(MEETING_AT + datetime.timedelta(minutes=1))

    response = client.get(f"/questions/?official={mayor.person.slug}")

    assert response.status_code == 200
    assert response["Cache-Control"].startswith("public")
    page = text(response)
    assert "Questions to Cllr Helen Marsh" in page
    assert "Will the library stay open?" in page
    assert '<dt>No answer given</dt><dd data-distribution="no_answer_given">1</dd>' in page
    assert f'href="/meetings/{meeting.pk}/"' in page
    assert client.get("/questions/?official=nobody").status_code == 404


# --- staff pages ---------------------------------------------------------------------------------


def staff_urls(question: Question) -> dict[str, tuple[str, str, Role]]:
    return {
        "queue": ("get", "/questions/moderation/", Role.MODERATOR),
        "detail": ("get", f"/questions/moderation/{question.pk}/", Role.MODERATOR),
        "accept": ("post", f"/questions/moderation/{question.pk}/accept/", Role.MODERATOR),
        "reject": ("post", f"/questions/moderation/{question.pk}/reject/", Role.MODERATOR),
        "answers": ("get", "/questions/answers/", Role.RESPONDER),
        "answer": ("post", f"/questions/{question.pk}/answer/", Role.RESPONDER),
        "supplementary": ("post", f"/questions/{question.pk}/supplementary/", Role.CLERK),
    }


PAGES = ["queue", "detail", "accept", "reject", "answers", "answer", "supplementary"]


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_visitors_go_to_the_login_and_change_nothing(
    client: Client, meeting: Meeting, mayor: Official, page: str
) -> None:
    question = ask(meeting, mayor)
    method, url, _ = staff_urls(question)[page]
    data = {"reason": "x", "answer": "x", "supplementary_question": "x"} if method == "post" else {}

    response = getattr(client, method)(url, data)

    assert response.status_code == 302
    assert response["Location"] == f"/staff/login/?next={url}"
    question.refresh_from_db()
    assert (question.state, question.answer, question.supplementary_question) == (QuestionState.PENDING, "", "")


@pytest.mark.parametrize("page", PAGES)
def test_staff_with_the_wrong_role_are_refused(client: Client, meeting: Meeting, mayor: Official, page: str) -> None:
    question = ask(meeting, mayor)
    method, url, needed = staff_urls(question)[page]
    wrong = next(role for role in (Role.CLERK, Role.MODERATOR, Role.RESPONDER) if role != needed)
    client.force_login(staff("wrong", wrong))

    response = getattr(client, method)(url, {"reason": "x", "answer": "x", "supplementary_question": "x"})

    assert response.status_code == 403
    assert response["Cache-Control"] == "no-store"
    question.refresh_from_db()
    assert (question.state, question.answer, question.supplementary_question) == (QuestionState.PENDING, "", "")


def test_a_moderator_works_through_the_queue(
    client: Client, meeting: Meeting, mayor: Official, moderator: User, django_capture_on_commit_callbacks: Any
) -> None:
    first = ask(meeting, mayor, 0)
    second = ask(meeting, mayor, 1, text="Why was the Chief Executive paid off?")
    for question in (first, second):
        question_confirm(question_id=question.pk, token=question.token)
    client.force_login(moderator)

    queue = text(client.get("/questions/moderation/"))
    assert f'href="/questions/moderation/{first.pk}/"' in queue
    detail = text(client.get(f"/questions/moderation/{first.pk}/"))
    assert "Resident 0, KM3 3BA" in detail  # moderators see who asked
    assert "No personal data, allegations" in detail  # the automated checks ran

    assert client.post(f"/questions/moderation/{first.pk}/accept/")["Location"] == "/questions/moderation/"
    refused = client.post(f"/questions/moderation/{second.pk}/reject/", {"reason": ""})
    assert refused.status_code == 400
    assert "Give a reason for rejecting the question" in text(refused)
    with django_capture_on_commit_callbacks(execute=True):
        rejected = client.post(f"/questions/moderation/{second.pk}/reject/", {"reason": "It is about a staff matter."})
    assert rejected["Location"] == "/questions/moderation/"

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state) == (QuestionState.ACCEPTED, QuestionState.REJECTED)
    # The acceptance's letter and the rejection's each went to their asker once.
    assert sorted(m.to[0] for m in mail.outbox) == ["resident0@example.org", "resident1@example.org"]
    # Deciding again is refused with the reason, not a crash.
    again = client.post(f"/questions/moderation/{first.pk}/accept/")
    assert again.status_code == 409
    assert "This question is accepted for the meeting, so it cannot be accepted." in text(again)


def test_the_moderator_sees_personal_data_in_a_question(
    client: Client, meeting: Meeting, mayor: Official, moderator: User
) -> None:
    question = ask(meeting, mayor, 0, text="Why will the Mayor not ring me back on 07700 900123?")
    question_confirm(question_id=question.pk, token=question.token)
    client.force_login(moderator)
    detail = text(client.get(f"/questions/moderation/{question.pk}/"))
    assert "phone" in detail
    assert "07700 900123" in detail
    assert "Remove phone numbers" in detail


def test_a_responder_answers_and_a_clerk_records_the_supplementary(
    client: Client, meeting: Meeting, mayor: Official, moderator: User, responder: User, clerk: User, frozen_time: Any
) -> None:
    question = accepted(meeting, mayor, moderator)
    client.force_login(responder)
    assert f'href="/questions/{question.pk}/answer/"' in text(client.get("/questions/answers/"))
    assert client.post(f"/questions/{question.pk}/answer/", {"answer": "In May."})["Location"] == "/questions/answers/"
    assert "Every accepted question has a written answer." in text(client.get("/questions/answers/"))

    client.force_login(clerk)
    early = client.post(
        f"/questions/{question.pk}/supplementary/", {"supplementary_question": "Which day?", "supplementary_answer": ""}
    )
    assert early.status_code == 409
    assert "record the supplementary at or after the meeting" in text(early)

    frozen_time.move_to(MEETING_AT + datetime.timedelta(minutes=30))
    client.force_login(clerk)  # five weeks on, the earlier session has expired
    manage = text(client.get(f"/meetings/{meeting.pk}/clerk/"))
    assert f'href="/questions/{question.pk}/supplementary/"' in manage
    done = client.post(
        f"/questions/{question.pk}/supplementary/",
        {"supplementary_question": "Which day?", "supplementary_answer": "The first Monday."},
    )
    assert done["Location"] == f"/meetings/{meeting.pk}/clerk/"
    question.refresh_from_db()
    assert (question.answer, question.supplementary_question, question.supplementary_answer) == (
        "In May.",
        "Which day?",
        "The first Monday.",
    )
    public = text(client.get(f"/meetings/{meeting.pk}/"))
    assert "Which day?" in public
    assert "The first Monday." in public
