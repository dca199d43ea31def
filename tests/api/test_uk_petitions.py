"""Contract tests: our JSON has the UK Parliament petitions API's shapes, field by field."""

from __future__ import annotations

import datetime
import json
import re
from typing import Any

import pytest
from django.test import Client

from tests.areas.geography import IN_AREA, OUT_OF_AREA, UNKNOWN
from tests.builders import PETITION_OPENS_AT, frozen_at, make_petition, open_petition, sign_from
from townhall.accounts.models import User
from townhall.meetings.models import AgendaItem, AgendaItemKind, Committee, CommitteeKind, Meeting
from townhall.petitions.models import Petition, ThresholdCrossing
from townhall.petitions.services import petition_reject, petition_remove
from townhall.responses.models import Response
from townhall.schemes.models import Threshold
from townhall.signatures.services import signature_count_new

SPONSORS = 5
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
LIST_ATTRIBUTES = [
    "action", "background", "additional_details", "committee_note", "state", "signature_count",
    "created_at", "updated_at", "rejected_at", "opened_at", "closed_at", "moderation_threshold_reached_at",
    "response_threshold_reached_at", "government_response_at", "debate_threshold_reached_at",
    "debate_scheduled_at", "scheduled_debate_date", "debate_outcome_at", "creator_name", "rejection",
    "government_response", "debate", "departments", "topics",
]  # fmt: skip
DETAIL_EXTRA = [
    "signatures_by_country", "signatures_by_constituency", "signatures_by_region", "other_parliamentary_business",
    "signatures_by_locality", "signatures_by_local_authority", "signatures_by_ward",
]  # fmt: skip


@pytest.fixture(autouse=True)
def frozen_time() -> Any:
    with frozen_at(PETITION_OPENS_AT) as traveller:
        yield traveller


@pytest.fixture
def petition(geography: None, moderator: User, frozen_time: Any) -> Petition:
    petition = open_petition(moderator=moderator)
    sign_from(petition, [IN_AREA, IN_AREA, "KM8 1AA", OUT_OF_AREA, UNKNOWN])
    frozen_time.move_to(PETITION_OPENS_AT + datetime.timedelta(minutes=5, milliseconds=123))
    signature_count_new()
    petition.refresh_from_db()
    return petition


def get_json(client: Client, url: str, status: int = 200) -> Any:
    response = client.get(url)
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    return json.loads(response.content)


@pytest.mark.django_db
def test_petition_json_envelope_and_attributes(client: Client, petition: Petition) -> None:
    body = get_json(client, f"/petitions/{petition.pk}.json")

    assert list(body) == ["links", "data"]
    assert body["links"] == {"self": f"http://testserver/petitions/{petition.pk}.json"}
    assert list(body["data"]) == ["type", "id", "attributes"]
    assert (body["data"]["type"], body["data"]["id"]) == ("petition", petition.pk)
    attributes = body["data"]["attributes"]
    assert list(attributes) == LIST_ATTRIBUTES + DETAIL_EXTRA
    assert attributes["action"] == "Reopen the public toilets on Kingsmere Road"
    assert attributes["background"] == "The toilets by the market closed in March."
    assert attributes["additional_details"] == ""
    assert attributes["committee_note"] is None
    assert attributes["state"] == "open"
    assert attributes["signature_count"] == SPONSORS + 5
    assert attributes["created_at"] == "2025-03-03T09:30:00.000Z"
    assert attributes["opened_at"] == "2025-03-03T09:30:00.000Z"
    assert attributes["updated_at"] == "2025-03-03T09:35:00.123Z"  # the last count
    assert attributes["closed_at"] is None
    assert attributes["rejected_at"] is None
    assert attributes["moderation_threshold_reached_at"] == "2025-03-03T09:30:00.000Z"
    for name in ("response_threshold_reached_at", "government_response_at", "debate_threshold_reached_at",
                 "debate_scheduled_at", "scheduled_debate_date", "debate_outcome_at"):  # fmt: skip
        assert attributes[name] is None, name
    assert attributes["creator_name"] == "Ann Creator"
    assert attributes["rejection"] is None
    assert attributes["government_response"] is None
    assert attributes["debate"] is None
    assert attributes["departments"] == []
    assert attributes["topics"] == []
    assert attributes["signatures_by_country"] == [
        {"name": "United Kingdom", "code": "GB", "signature_count": SPONSORS + 5}
    ]
    assert attributes["signatures_by_constituency"] == [
        {"name": "Kingsmere North", "ons_code": "E14900001", "mp": "Priya Shah MP", "signature_count": SPONSORS + 2},
        {"name": "Kingsmere South", "ons_code": "E14900002", "mp": "Tom Okafor MP", "signature_count": 1},
    ]
    assert attributes["signatures_by_region"] == []
    assert attributes["other_parliamentary_business"] == []
    assert attributes["signatures_by_locality"] == {
        "area": {"name": "Borough of Kingsmere", "ons_code": "E06900001"},
        "in_area": SPONSORS + 3,
        "out_of_area": 1,
        "unknown": 1,
    }
    assert {row["ons_code"]: row["signature_count"] for row in attributes["signatures_by_local_authority"]} == {
        "E06900001": SPONSORS + 3,
        "E08000035": 1,
    }
    assert list(attributes["signatures_by_ward"][0]) == ["name", "ons_code", "signature_count"]
    # No personal data beyond the creator's name on an open petition: no postcodes, no emails.
    text = json.dumps(body)
    assert "KM1 1AA" not in text
    assert "@" not in text


@pytest.mark.django_db
def test_a_third_party_petition_map_reads_the_right_totals(client: Client, petition: Petition) -> None:
    """Read the JSON the way petition maps do: key constituencies on ons_code, sum signature_count."""
    data = get_json(client, f"/petitions/{petition.pk}.json")["data"]
    by_code: dict[str, int] = {}
    for constituency in data["attributes"]["signatures_by_constituency"]:
        by_code[constituency["ons_code"]] = by_code.get(constituency["ons_code"], 0) + constituency["signature_count"]
    total = sum(country["signature_count"] for country in data["attributes"]["signatures_by_country"])

    # Castle (KM1, the sponsors' KM2) and Riverside are North; Southfields (KM8) South.
    assert by_code == {"E14900001": SPONSORS + 2, "E14900002": 1}
    # The mapped total is everyone in a known constituency: all but the out-of-area and unknown.
    assert sum(by_code.values()) == data["attributes"]["signature_count"] - 2
    assert total == data["attributes"]["signature_count"]


@pytest.mark.django_db
def test_response_and_debate_are_mapped(client: Client, petition: Petition, frozen_time: Any) -> None:
    response_at = datetime.datetime(2025, 4, 1, 14, 0, 0, 250_000, tzinfo=datetime.UTC)
    response_threshold = Threshold.objects.get(kind="response")
    debate_threshold = Threshold.objects.get(kind="debate")
    ThresholdCrossing.objects.create(
        petition=petition, threshold=response_threshold, reached_at=PETITION_OPENS_AT, signature_count=10
    )
    ThresholdCrossing.objects.create(
        petition=petition,
        threshold=debate_threshold,
        reached_at=PETITION_OPENS_AT + datetime.timedelta(days=1),
        signature_count=10,
    )
    Response.objects.create(
        petition=petition, threshold_reached_at=PETITION_OPENS_AT, due_on=datetime.date(2025, 4, 2),
        body="We will reopen them in May.\n\nThe contract is signed.", published_at=response_at,
    )  # fmt: skip
    committee = Committee.objects.create(name="Full Council", slug="full-council", kind=CommitteeKind.FULL_COUNCIL)
    meeting = Meeting.objects.create(
        committee=committee, starts_at=datetime.datetime(2025, 5, 6, 18, 0, tzinfo=datetime.UTC),
        state="held", minutes_url="https://example.org/minutes", video_url="https://example.org/video",
    )  # fmt: skip
    AgendaItem.objects.create(
        meeting=meeting, kind=AgendaItemKind.DEBATE, title="Toilets", petition=petition,
        scheduled_at=meeting.starts_at, created_at=datetime.datetime(2025, 4, 20, 9, tzinfo=datetime.UTC),
        outcome="Council agreed to reopen them.",
        outcome_recorded_at=datetime.datetime(2025, 5, 7, tzinfo=datetime.UTC),
    )  # fmt: skip
    Petition.objects.filter(pk=petition.pk).update(
        response_published_at=response_at, debate_outcome_at=datetime.datetime(2025, 5, 7, tzinfo=datetime.UTC)
    )

    attributes = get_json(client, f"/petitions/{petition.pk}.json")["data"]["attributes"]

    assert attributes["response_threshold_reached_at"] == "2025-03-03T09:30:00.000Z"
    assert attributes["debate_threshold_reached_at"] == "2025-03-04T09:30:00.000Z"
    assert attributes["government_response_at"] == "2025-04-01T14:00:00.250Z"
    assert attributes["government_response"] == {
        "responded_on": "2025-04-01",
        "summary": "We will reopen them in May.",
        "details": "We will reopen them in May.\n\nThe contract is signed.",
        "created_at": "2025-04-01T14:00:00.250Z",
        "updated_at": "2025-04-01T14:00:00.250Z",
    }
    assert attributes["debate_scheduled_at"] == "2025-04-20T09:00:00.000Z"
    assert attributes["scheduled_debate_date"] == "2025-05-06"
    assert attributes["debate_outcome_at"] == "2025-05-07T00:00:00.000Z"
    assert attributes["debate"] == {
        "debated_on": "2025-05-06",
        "transcript_url": "https://example.org/minutes",
        "video_url": "https://example.org/video",
        "debate_pack_url": None,
        "public_engagement_url": None,
        "debate_summary_url": None,
        "overview": "Council agreed to reopen them.",
    }


@pytest.mark.django_db
def test_rejected_petitions_carry_the_rejection_and_hide_hidden_text(
    client: Client, geography: None, moderator: User
) -> None:
    duplicate = open_petition(moderator=moderator, action="Fix the lights", creator_email="d@example.org")
    Petition.objects.filter(pk=duplicate.pk).update(state="awaiting_moderation")
    petition_reject(petition_id=duplicate.pk, reason="no_action", details="Say what you want.", actor=moderator)
    libel = open_petition(moderator=moderator, action="Sack him", creator_email="l@example.org")
    Petition.objects.filter(pk=libel.pk).update(state="awaiting_moderation")
    petition_reject(petition_id=libel.pk, reason="libellous", details="Names a person.", actor=moderator)

    first = get_json(client, f"/petitions/{duplicate.pk}.json")["data"]["attributes"]
    hidden = get_json(client, f"/petitions/{libel.pk}.json")["data"]["attributes"]

    assert first["state"] == "rejected"
    assert first["rejection"] == {"code": "no-action", "details": "Say what you want."}
    assert TIMESTAMP.match(first["rejected_at"])
    assert first["creator_name"] is None
    assert hidden["rejection"] == {"code": "libellous", "details": None}
    assert (hidden["action"], hidden["background"], hidden["additional_details"]) == (None, None, None)


@pytest.mark.django_db
def test_removed_is_410_and_unpublished_is_404_with_cors(client: Client, petition: Petition, moderator: User) -> None:
    pending = make_petition(creator_email="p@example.org")
    assert get_json(client, f"/petitions/{pending.pk}.json", 404)["error"]["code"] == "not_found"
    assert get_json(client, "/petitions/999999.json", 404)["error"]["code"] == "not_found"
    petition_remove(petition_id=petition.pk, actor=moderator)
    assert get_json(client, f"/petitions/{petition.pk}.json", 410)["error"]["code"] == "gone"


@pytest.mark.django_db
def test_count_json_has_the_uk_signature_count_and_locality(client: Client, petition: Petition) -> None:
    body = get_json(client, f"/petitions/{petition.pk}/count.json")
    assert body["signature_count"] == SPONSORS + 5
    assert body["updated_at"] == "2025-03-03T09:35:00.123Z"
    assert body["signatures_by_locality"] == {
        "area": {"name": "Borough of Kingsmere", "ons_code": "E06900001"},
        "in_area": SPONSORS + 3,
        "out_of_area": 1,
        "unknown": 1,
    }
    response = client.get(f"/petitions/{petition.pk}/count.json")
    assert response["Cache-Control"].startswith("public, max-age=")
    again = client.get(f"/petitions/{petition.pk}/count.json", headers={"If-None-Match": response["ETag"]})
    assert again.status_code == 304
    assert again["Access-Control-Allow-Origin"] == "*"


@pytest.mark.django_db
def test_petition_json_is_cacheable_and_answers_304(client: Client, petition: Petition) -> None:
    first = client.get(f"/petitions/{petition.pk}.json")
    assert first["Cache-Control"].startswith("public, max-age=")
    again = client.get(f"/petitions/{petition.pk}.json", headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304
