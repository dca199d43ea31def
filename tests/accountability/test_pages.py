"""Officials' public pages: role history, what was asked of them, their record, decisions."""

from __future__ import annotations

import datetime
import re
from html import unescape
from typing import Any

import pytest
import time_machine
from django.test import Client

from tests.accountability.factories import meeting, question, response
from tests.builders import RECORD_PAGES_NOW, awaiting_petition, make_petition, open_petition, utc
from townhall.accountability.services import decision_record
from townhall.accounts.models import User
from townhall.officials.models import Official, RoleKind
from townhall.officials.services import official_appoint
from townhall.petitions.models import Petition
from townhall.petitions.services import petition_reject
from townhall.questions.models import Verdict

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def daniel(scheme: Any) -> tuple[Official, Official]:
    director = official_appoint(
        name="Daniel Okafor",
        role="Director of Place",
        kind=RoleKind.OFFICER,
        started_on=D(2023, 1, 9),
        ended_on=D(2025, 6, 30),
    )
    chief = official_appoint(
        name="Daniel Okafor",
        role="Chief Executive",
        kind=RoleKind.OFFICER,
        started_on=D(2025, 7, 1),
        ended_on=D(2026, 1, 31),
    )
    return director, chief


def text(response: Any) -> str:
    """The page's words, without markup."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", response.content.decode())))


def test_the_list_shows_current_and_former_officials(client: Client, daniel: Any, mayor: Official) -> None:
    official_appoint(name="Priya Raman", role="Chief Executive", kind=RoleKind.OFFICER, started_on=D(2026, 2, 1))
    with time_machine.travel(RECORD_PAGES_NOW, tick=False):
        page = client.get("/officials/")
    assert page.status_code == 200
    body = text(page)
    current, former = body.split("Former officials")
    assert "Cllr Helen Marsh" in current
    assert "Priya Raman" in current
    assert "Daniel Okafor" not in current
    assert "Daniel Okafor" in former
    assert "Chief Executive until January 2026" in former
    assert 'href="/officials/daniel-okafor/"' in page.content.decode()


def test_an_unknown_official_is_not_found(client: Client, scheme: Any) -> None:
    page = client.get("/officials/nobody/")
    assert page.status_code == 404
    assert "There is no official with that name" in text(page)


def test_the_official_page_shows_roles_petitions_responses_questions_and_record(
    client: Client, daniel: tuple[Official, Official], mayor: Official, moderator: User
) -> None:
    director, chief = daniel
    with time_machine.travel(utc(2025, 9, 1, 9), tick=False):
        answered_petition = open_petition(
            moderator=moderator,
            action="Publish the Chief Executive's pay",
            decision_maker="",
            official_id=chief.pk,
            creator_email="p1@example.org",
        )
        waiting_petition = open_petition(
            moderator=moderator,
            action="Fix the leaking roof at Northgate library",
            decision_maker="",
            official_id=director.pk,
            creator_email="p2@example.org",
        )
        elsewhere = open_petition(
            moderator=moderator,
            action="Light the Hollins Park footpath",
            decision_maker="",
            official_id=mayor.pk,
            creator_email="p3@example.org",
        )
    response(
        official=chief,
        petition=answered_petition,
        reached=utc(2025, 10, 1, 12),
        published=utc(2025, 10, 13, 12),
        due_on=D(2025, 10, 31),
    )
    response(official=director, petition=waiting_petition, reached=utc(2025, 1, 2, 12), due_on=D(2025, 2, 1))
    held = meeting(starts_at=utc(2025, 11, 4, 19))
    question(
        official=chief,
        at=held,
        verdict=Verdict.ANSWERED,
        text="How much did the recruitment cost?",
        asker_name="Rosa Quietperson",
    )
    question(official=chief, at=held, verdict=Verdict.NOT_ANSWERED, asker_name="Omar Private")
    question(official=chief, at=held, answered=False, text="Why did you leave?", asker_name="Ivy Hidden")

    with time_machine.travel(RECORD_PAGES_NOW, tick=False):
        page = client.get("/officials/daniel-okafor/")

    assert page.status_code == 200
    body = text(page)
    # Role history, newest first.
    assert body.index("Chief Executive (officer): 1 July 2025 – 31 January 2026") < body.index(
        "Director of Place (officer): 9 January 2023 – 30 June 2025"
    )
    # Petitions addressed to either tenure, and nobody else's.
    assert "Publish the Chief Executive's pay" in body
    assert "Fix the leaking roof at Northgate library" in body
    assert elsewhere.action not in body
    # Responses given: published ones only, with the days they took.
    responses_section = body.split("Responses given")[1].split("Questions answered")[0]
    assert "Publish the Chief Executive's pay" in responses_section
    assert "published 13 October 2025, 12 days after the threshold" in responses_section
    assert "Northgate" not in responses_section
    # Questions answered, never who asked them.
    questions_section = body.split("Questions answered")[1]
    assert "How much did the recruitment cost?" in questions_section
    assert "the asker's verdict: Answered" in questions_section
    assert "Why did you leave?" not in questions_section
    for asker in ("Rosa Quietperson", "Omar Private", "Ivy Hidden"):
        assert asker not in body
    # The record.
    assert re.search(r'data-record="median-days">12 days', page.content.decode())
    assert "from 1 published response" in body
    assert re.search(r'data-record="overdue"><span class="overdue">1</span>', page.content.decode())
    assert "1 of 2 verdicts (50%)" in body
    assert re.search(r'data-record="not-answered">1<', page.content.decode())
    assert re.search(r'data-record="partly">0<', page.content.decode())
    assert re.search(r'data-record="no-answer">1 ', page.content.decode())


def test_a_hidden_rejection_addressed_to_an_official_shows_no_text(
    client: Client, daniel: tuple[Official, Official], moderator: User
) -> None:
    _, chief = daniel
    petition = awaiting_petition(
        action="Sack the Chief Executive, he is a crook", decision_maker="", official_id=chief.pk
    )
    petition_reject(petition_id=petition.pk, reason="libellous", details="", actor=moderator)
    body = text(client.get("/officials/daniel-okafor/"))
    assert "crook" not in body
    assert "Rejected petition" in body


def test_decisions_appear_on_the_officials_page_and_the_petitions_timeline(
    client: Client, daniel: tuple[Official, Official], mayor: Official, moderator: User, administrator: User
) -> None:
    _, chief = daniel
    petition = open_petition(
        moderator=moderator,
        action="Publish the full reasons for the departure",
        decision_maker="",
        official_id=mayor.pk,
    )
    before = client.get(f"/petitions/{petition.pk}/")
    decision_record(
        decided_on=D(2025, 5, 20),
        kind="recommendation",
        title="Appointments panel recommends Daniel Okafor as Chief Executive",
        description="Subject to confirmation by Full Council.",
        decided_by="Appointments Panel",
        official_ids=[chief.pk],
        meeting_id=None,
        petition_ids=[],
        actor=administrator,
    )
    decision_record(
        decided_on=D(2026, 1, 15),
        kind="departure",
        title="Chief Executive leaves the council",
        description="",
        decided_by="Employment Committee",
        official_ids=[chief.pk],
        meeting_id=None,
        petition_ids=[petition.pk],
        actor=administrator,
    )

    official_page = text(client.get("/officials/daniel-okafor/"))
    decisions = official_page.split("Decisions")[1].split("Petitions addressed to them")[0]
    assert (
        decisions.index("20 May 2025")
        < decisions.index("Appointments panel recommends")
        < decisions.index("15 January 2026")
        < decisions.index("Chief Executive leaves the council")
    )
    assert "Recommendation · Appointments Panel" in decisions
    assert "Publish the full reasons for the departure" in decisions

    petition_page = client.get(f"/petitions/{petition.pk}/")
    html = petition_page.content.decode()
    assert re.search(
        r'timeline-event--decision">\s*<span class="timeline-date">15 January 2026</span>\s*'
        r'<span class="timeline-title"><a href="/officials/daniel-okafor/">Chief Executive leaves the council</a>',
        html,
    )
    assert "Appointments panel recommends" not in html
    # The cached copy of the page changes when a decision is linked to it.
    assert petition_page["ETag"] != before["ETag"]


def test_the_official_page_takes_the_same_queries_however_much_it_shows(
    client: Client,
    daniel: tuple[Official, Official],
    moderator: User,
    administrator: User,
    django_assert_num_queries: Any,
) -> None:
    _, chief = daniel
    held = meeting(starts_at=utc(2025, 11, 4, 19))

    def add_one(n: int) -> None:
        petition = open_petition(
            moderator=moderator,
            action=f"Petition number {n} to the Chief Executive",
            decision_maker="",
            official_id=chief.pk,
            creator_email=f"c{n}@example.org",
        )
        reached = utc(2025, 10, 1, 12)
        response(official=chief, petition=petition, reached=reached, published=reached, due_on=D(2025, 10, 31))
        question(official=chief, at=held, verdict=Verdict.ANSWERED)
        decision_record(
            decided_on=D(2025, 7, n),
            kind="other",
            title=f"Decision {n}",
            description="",
            decided_by="",
            official_ids=[chief.pk],
            meeting_id=held.pk,
            petition_ids=[petition.pk],
            actor=administrator,
        )

    add_one(1)
    client.get("/officials/daniel-okafor/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        assert client.get("/officials/daniel-okafor/").status_code == 200
    add_one(2)
    add_one(3)
    with django_assert_num_queries(len(one.captured_queries)):
        page = client.get("/officials/daniel-okafor/")
    assert "Decision 3" in text(page)
    assert len(one.captured_queries) <= 14


def test_petitions_not_yet_public_never_appear(client: Client, daniel: tuple[Official, Official]) -> None:

    _, chief = daniel
    make_petition(action="A petition still waiting for its creator", decision_maker="", official_id=chief.pk)
    assert "still waiting" not in text(client.get("/officials/daniel-okafor/"))
    assert Petition.objects.count() == 1
