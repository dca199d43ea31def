"""The native API v1, field by field, with its error bodies and rate limit."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
import time_machine
from django.test import Client

from tests.api.world import CREATOR, SECRETS, World
from tests.builders import WORLD_STARTS_AT
from townhall.core.models import RateCounter

# The tests read the world a week after it was built.
NOW = WORLD_STARTS_AT + datetime.timedelta(days=7)  # the `world` fixture's frozen time


def get(client: Client, url: str, **extra: Any) -> tuple[int, Any]:
    response = client.get(url, **extra)
    assert response["Content-Type"].startswith("application/json"), url
    return response.status_code, json.loads(response.content)


def test_scheme_and_thresholds(client: Client, world: World) -> None:
    status, body = get(client, "/api/v1/scheme")
    assert status == 200
    assert body["body"] == {
        "name": "Kingsmere Borough Council",
        "area_name": "the Borough of Kingsmere",
        "population": 300_600,
    }
    assert body["sponsor_count"] == 5
    assert body["duration_months"] == 6
    assert body["response_period_days"] == 20
    assert body["response_period_kind"] == "working"
    assert body["goal_ladder"][:3] == [50, 100, 250]
    assert [(t["kind"], t["count"]) for t in body["thresholds"]] == [
        ("response", 1000),
        ("officer_evidence", 1500),
        ("debate", 3006),
    ]
    assert set(body["thresholds"][0]) == {"id", "name", "kind", "count", "description"}


def test_petition_list_filters_and_pagination(client: Client, world: World) -> None:
    status, body = get(client, "/api/v1/petitions?state=all")
    assert status == 200
    ids = {p["id"] for p in body["results"]}
    # Published only: never the removed or the pending one.
    assert ids == {world.responded.pk, world.other_open.pk, world.hidden.pk}
    assert body["meta"] == {
        "page": 1,
        "page_size": 20,
        "pages": 1,
        "total": 3,
        "has_next": False,
        "has_previous": False,
    }
    hidden = next(p for p in body["results"] if p["id"] == world.hidden.pk)
    assert hidden["action"] is None
    assert hidden["state"] == "rejected"

    _, body = get(client, "/api/v1/petitions?state=open&q=Road")
    assert [p["id"] for p in body["results"]] == [world.responded.pk]
    summary = body["results"][0]
    assert summary == {
        "id": world.responded.pk,
        "action": "Reopen the public toilets on Kingsmere Road",
        "state": "open",
        "signature_count": 1200,
        "signatures_awaiting_checks": 0,
        "decision_maker": "Cllr Helen Marsh, Mayor",
        "opened_at": "2026-02-02T10:00:00Z",
        "deadline_at": world.responded.deadline_at.isoformat().replace("+00:00", "Z"),  # type: ignore[union-attr]
        "closed_at": None,
        "rejected_at": None,
        "response_published_at": "2026-02-05T10:00:00Z",
        "debate_outcome_at": None,
        "url": f"http://testserver/petitions/{world.responded.pk}/",
    }
    _, body = get(client, "/api/v1/petitions?state=responded")
    assert [p["id"] for p in body["results"]] == [world.responded.pk]


def test_petition_detail(client: Client, world: World) -> None:
    status, body = get(client, f"/api/v1/petitions/{world.responded.pk}")
    assert status == 200
    assert body["action"] == "Reopen the public toilets on Kingsmere Road"
    assert body["background"] == "The toilets by the market closed in March."
    assert body["creator_name"] == CREATOR["name"]
    assert body["official"] == {
        "id": world.mayor.pk,
        "person_slug": "cllr-helen-marsh",
        "name": "Cllr Helen Marsh",
        "role": "Mayor",
    }
    assert body["goal"] == 1500
    reached = {t["kind"]: (t["is_reached"], t["reached_at"], t["percent"]) for t in body["thresholds"]}
    assert reached == {
        "response": (True, "2026-02-02T10:00:00Z", 100),
        "officer_evidence": (False, None, 80),
        "debate": (False, None, 39),
    }
    assert body["rejection"] is None
    assert body["response"] == {
        "id": world.response.pk,
        "threshold_reached_at": "2026-02-02T10:00:00Z",
        "due_on": "2026-03-02",
        "days_left": 0,
        "overdue_by": 0,
        "is_overdue": False,
        "is_published": True,
        "published_at": "2026-02-05T10:00:00Z",
        "late_by": 0,
        "body": "We will reopen the toilets in April.",
    }
    assert [(a["kind"], a["meeting_id"], a["outcome"]) for a in body["agenda_items"]] == [
        ("debate", world.meeting.pk, "Agreed to reopen.")
    ]
    kinds = [event["kind"] for event in body["timeline"]]
    assert "opened" in kinds
    assert all(set(event) == {"at", "kind", "title", "detail", "url", "is_future"} for event in body["timeline"])


def test_hidden_rejection_shows_no_text(client: Client, world: World) -> None:
    _, body = get(client, f"/api/v1/petitions/{world.hidden.pk}")
    assert body["action"] is body["background"] is body["additional_details"] is None
    assert body["creator_name"] is None
    assert body["rejection"]["code"] == "libellous"
    assert body["rejection"]["details"] is None
    assert "Defamatory" not in json.dumps(body)


@pytest.mark.parametrize(
    ("url", "status", "code"),
    [
        ("/api/v1/petitions/{removed}", 410, "gone"),
        ("/api/v1/petitions/{pending}", 404, "not_found"),
        ("/api/v1/petitions/999999", 404, "not_found"),
        ("/api/v1/responses/999999", 404, "not_found"),
        ("/api/v1/meetings/999999", 404, "not_found"),
        ("/api/v1/questions/999999", 404, "not_found"),
        ("/api/v1/officials/nobody-here", 404, "not_found"),
        ("/api/v1/questions?official=nobody-here", 404, "not_found"),
        ("/api/v1/no-such-endpoint", 404, "not_found"),
        ("/api/v1/petitions?state=nonsense", 422, "invalid_parameters"),
        ("/api/v1/petitions?page=0", 422, "invalid_parameters"),
        ("/api/v1/petitions/abc", 422, "invalid_parameters"),
        ("/api/v1/petitions/99999999999999999999", 422, "invalid_parameters"),
        ("/api/v1/meetings?when=tomorrow", 422, "invalid_parameters"),
        ("/api/v1/officials/not a slug!", 422, "invalid_parameters"),
    ],
)
def test_error_bodies(client: Client, world: World, url: str, status: int, code: str) -> None:
    got, body = get(client, url.format(removed=world.removed.pk, pending=world.pending.pk))
    assert got == status
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    if status == 422:
        assert body["error"]["fields"][0]["location"] in {"query", "path"}


def test_bad_parameter_names_the_field(client: Client, world: World) -> None:
    _, body = get(client, "/api/v1/petitions?page=0")
    assert body["error"]["fields"] == [
        {"location": "query", "name": "page", "message": "Input should be greater than or equal to 1"}
    ]


def test_read_only(client: Client, world: World) -> None:
    response = client.post("/api/v1/petitions")
    assert response.status_code == 405
    assert response["Allow"] == "GET"
    assert json.loads(response.content)["error"]["code"] == "method_not_allowed"


def test_rate_limit_429_with_retry_after(client: Client, world: World, settings: Any) -> None:
    settings.TOWNHALL = {**settings.TOWNHALL, "API_RATE_LIMIT": (3, 60)}
    for _ in range(3):
        assert client.get("/api/v1/scheme").status_code == 200
    refused = client.get("/api/v1/petitions")
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert json.loads(refused.content)["error"]["code"] == "rate_limited"
    # Per client: another address is not affected.
    assert client.get("/api/v1/scheme", REMOTE_ADDR="203.0.113.9").status_code == 200
    # The window ends: allowed again.
    with time_machine.travel(NOW + datetime.timedelta(seconds=61), tick=False):
        assert client.get("/api/v1/scheme").status_code == 200


def test_rate_limit_keeps_no_address(world: World, settings: Any) -> None:
    settings.TOWNHALL = {**settings.TOWNHALL, "API_RATE_LIMIT": (3, 60)}
    Client(REMOTE_ADDR="198.51.100.77").get("/api/v1/scheme")
    keys = list(RateCounter.objects.values_list("key", flat=True))
    assert keys
    assert not any("198.51.100" in key for key in keys)


def test_responses(client: Client, world: World) -> None:
    _, body = get(client, "/api/v1/responses?status=published")
    assert [r["id"] for r in body["results"]] == [world.response.pk]
    item = body["results"][0]
    assert item["petition_id"] == world.responded.pk
    assert item["official"]["person_slug"] == "cllr-helen-marsh"
    assert item["body"] == "We will reopen the toilets in April."
    _, owed = get(client, "/api/v1/responses?status=owed")
    assert owed["results"] == []
    status, detail = get(client, f"/api/v1/responses/{world.response.pk}")
    assert status == 200
    assert detail == item


def test_meetings_and_agenda(client: Client, world: World) -> None:
    _, body = get(client, "/api/v1/meetings?when=past")
    assert [m["id"] for m in body["results"]] == [world.meeting.pk]
    assert body["results"][0]["committee"] == {
        "id": world.committee.pk,
        "slug": "mayors-question-time",
        "name": "Mayor's Question Time",
        "kind": "question_time",
    }
    _, upcoming = get(client, "/api/v1/meetings?when=upcoming")
    assert upcoming["results"] == []
    _, detail = get(client, f"/api/v1/meetings/{world.meeting.pk}")
    assert detail["state"] == "held"
    assert detail["location"] == "Town Hall"
    assert [a["title"] for a in detail["agenda_items"]] == ["Debate: public toilets"]
    assert [q["id"] for q in detail["questions"]] == [world.question.pk]
    assert detail["verdicts"] == {
        "answered": 0,
        "partly": 1,
        "not_answered": 0,
        "no_answer_given": 0,
        "awaiting": 0,
        "total": 1,
    }
    _, committees = get(client, "/api/v1/committees")
    assert [c["slug"] for c in committees] == ["mayors-question-time"]


def test_questions_answers_and_verdicts(client: Client, world: World) -> None:
    status, question = get(client, f"/api/v1/questions/{world.question.pk}")
    assert status == 200
    assert question == {
        "id": world.question.pk,
        "meeting_id": world.meeting.pk,
        "official": {
            "id": world.mayor.pk,
            "person_slug": "cllr-helen-marsh",
            "name": "Cllr Helen Marsh",
            "role": "Mayor",
        },
        "text": "Why did the Chief Executive leave?",
        "status": "partly",
        "has_meeting_started": True,
        "answer": "The Chief Executive resigned.",
        "answered_at": "2026-01-27T10:00:00Z",
        "supplementary_question": "",
        "supplementary_answer": "",
        "verdict": "partly",
        "verdict_at": "2026-01-29T10:00:00Z",
        "url": f"http://testserver/meetings/{world.meeting.pk}/",
    }
    _, listed = get(client, "/api/v1/questions?official=cllr-helen-marsh")
    assert listed["results"] == [question]
    _, verdicts = get(client, "/api/v1/questions/verdicts?official=cllr-helen-marsh")
    assert verdicts["partly"] == 1
    assert verdicts["total"] == 1
    _, by_meeting = get(client, f"/api/v1/questions/verdicts?meeting={world.meeting.pk}")
    assert by_meeting == verdicts


def test_officials_and_record(client: Client, world: World) -> None:
    _, body = get(client, "/api/v1/officials")
    assert body["results"] == [
        {
            "slug": "cllr-helen-marsh",
            "name": "Cllr Helen Marsh",
            "is_current": True,
            "tenures": [
                {
                    "id": world.mayor.pk,
                    "role": "Mayor",
                    "kind": "elected",
                    "started_on": "2024-05-01",
                    "ended_on": None,
                    "is_current": True,
                }
            ],
            "url": "http://testserver/officials/cllr-helen-marsh/",
        }
    ]
    _, person = get(client, "/api/v1/officials/cllr-helen-marsh")
    assert person["record"] == {
        "responses_published": 1,
        "median_days_to_respond": 3.0,
        "overdue_now": 0,
        "verdicts_answered": 0,
        "verdicts_partly": 1,
        "verdicts_not_answered": 0,
        "no_answer_given": 0,
        "percent_answered": 0,
    }
    assert person["verdicts"]["partly"] == 1


def test_no_personal_data_anywhere(client: Client, world: World) -> None:
    urls = [
        "/api/v1/scheme",
        "/api/v1/petitions?state=all",
        "/api/v1/petitions?state=all&q=toilets",
        *(f"/api/v1/petitions/{p.pk}" for p in (world.responded, world.other_open, world.hidden)),
        "/api/v1/responses",
        f"/api/v1/responses/{world.response.pk}",
        "/api/v1/meetings",
        f"/api/v1/meetings/{world.meeting.pk}",
        "/api/v1/questions",
        f"/api/v1/questions/{world.question.pk}",
        "/api/v1/officials",
        "/api/v1/officials/cllr-helen-marsh",
        "/api/v1/openapi.json",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.content.decode()
        for secret in [*SECRETS, "Secret Lane", "unpublished draft", "trees-secret", "question-token"]:
            assert secret not in text, (url, secret)
        for key in ("email", "postcode", "asker", "ip_hash", "token"):
            assert f'"{key}' not in text, (url, key)


def test_openapi_documents_every_error(client: Client) -> None:
    spec = json.loads(client.get("/api/v1/openapi.json").content)
    detail = spec["paths"]["/api/v1/petitions/{petition_id}"]["get"]["responses"]
    assert set(detail) == {"200", "404", "410", "422", "429"}
    for status in ("404", "410", "422", "429"):
        ref = detail[status]["content"]["application/json"]["schema"]["$ref"]
        assert ref.endswith("/ErrorOut")
    assert detail["429"]["headers"]["Retry-After"]["required"] is True
    for path, operations in spec["paths"].items():
        for operation in operations.values():
            assert {"422", "429"} <= set(operation["responses"]), path


def test_docs_page(client: Client) -> None:
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert b"/api/v1/openapi.json" in response.content
