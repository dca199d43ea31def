"""The petition page shows proof of locality, the ward map, the table and the chart."""

from __future__ import annotations

import datetime
import json
import re
from typing import Any

import pytest
import time_machine
from django.test import Client

from tests.areas.geography import IN_AREA, OUT_OF_AREA, UNKNOWN
from tests.builders import PETITION_OPENS_AT, open_petition, sign_from
from townhall.accounts.models import User
from townhall.signatures.services import signature_count_new


@pytest.mark.django_db
def test_petition_page_shows_locality_map_table_and_chart(client: Client, geography: None, moderator: User) -> None:
    with time_machine.travel(PETITION_OPENS_AT, tick=False) as clock:
        petition = open_petition(moderator=moderator)
        sign_from(petition, [IN_AREA, "KM8 1AA", OUT_OF_AREA, UNKNOWN])
        signature_count_new()
        clock.move_to(PETITION_OPENS_AT + datetime.timedelta(days=2))
        sign_from(petition, ["KM8 2AB"])
        signature_count_new()

        html = client.get(f"/petitions/{petition.pk}/").content.decode()

    assert "8 of 10 from postcodes in Borough of Kingsmere" in html
    assert "Outside the area: 1" in html
    assert "Postcode not recognised: 1" in html
    # The map: one shaded path per ward, each with an accessible name and count.
    paths = re.findall(r'<path class="area-shape area-shade-(\d)" d="M[^"]+"><title>([^<]+)</title>', html)
    assert sorted(title for _, title in paths) == [
        "Castle: 6 signatures",
        "Kingsmere Park: 0 signatures",
        "Market: 0 signatures",
        "Riverside: 0 signatures",
        "Southfields: 2 signatures",
    ]
    assert {t.split(":")[0]: int(s) for s, t in paths}["Castle"] == 4
    assert {t.split(":")[0]: int(s) for s, t in paths}["Market"] == 0
    assert 'role="img"' in html
    assert "<desc" in html
    # The same numbers as a table.
    assert re.search(r'<th scope="row">Castle</th><td>E05900001</td><td class="numeric">6</td>', html)
    assert re.search(r'<th scope="row">Southfields</th><td>E05900005</td><td class="numeric">2</td>', html)
    # The chart: a bar per day with signatures, and its description.
    assert len(re.findall(r'<rect class="series-bar"', html)) == 2
    assert "the busiest day was 3 March 2025 with 9" in html
    # No inline styles or scripts; a stylesheet link is used.
    assert "style=" not in html
    assert "<style" not in html
    assert "areas/areas.css" in html
    assert "<script>" not in html


@pytest.mark.django_db
def test_the_page_has_no_panel_without_signatures_or_geography(client: Client, scheme: Any, moderator: User) -> None:
    petition = open_petition(moderator=moderator)
    html = client.get(f"/petitions/{petition.pk}/").content.decode()
    assert "Where signatures come from" not in html
    body = json.loads(client.get(f"/petitions/{petition.pk}/count.json").content)
    assert body["signatures_by_locality"] is None
