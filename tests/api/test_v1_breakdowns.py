"""GET /api/v1/petitions/{id}/breakdowns: locality and counts by area, never postcodes."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.areas.geography import IN_AREA, OUT_OF_AREA, UNKNOWN
from tests.builders import open_petition, sign_from
from townhall.signatures.services import signature_count_new

pytestmark = pytest.mark.django_db


@pytest.mark.usefixtures("geography")
def test_breakdowns_match_the_counts(client: Client, moderator: Any) -> None:
    petition = open_petition(moderator=moderator)
    sign_from(petition, [IN_AREA, IN_AREA, IN_AREA, OUT_OF_AREA, UNKNOWN])
    signature_count_new()
    petition.refresh_from_db()
    body = client.get(f"/api/v1/petitions/{petition.pk}/breakdowns").json()
    locality = body["locality"]
    assert locality["total"] == petition.signature_count
    assert locality["in_area"] + locality["out_of_area"] + locality["unknown"] == locality["total"]
    assert locality["unknown"] >= 1
    assert locality["out_of_area"] >= 1
    by_kind: dict[str, int] = {}
    for area in body["areas"]:
        by_kind[area["kind"]] = by_kind.get(area["kind"], 0) + area["signature_count"]
    # Every recognised signature is in exactly one area of each kind it falls in.
    assert max(by_kind.values()) <= petition.signature_count - locality["unknown"]
    text = str(body)
    for postcode in (IN_AREA, OUT_OF_AREA, UNKNOWN):
        assert postcode not in text


def test_unknown_petition_is_a_json_404(client: Client, scheme: Any) -> None:
    response = client.get("/api/v1/petitions/999/breakdowns")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
