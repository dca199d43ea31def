"""The staff schedule of signatories names each signatory's ward (or local authority)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.areas.geography import IN_AREA, OUT_OF_AREA, UNKNOWN
from tests.builders import open_petition, sign_from

pytestmark = pytest.mark.django_db


@pytest.mark.usefixtures("geography")
def test_schedule_prints_the_area(client: Client, moderator: Any) -> None:
    petition = open_petition(moderator=moderator)
    sign_from(petition, [IN_AREA, OUT_OF_AREA, UNKNOWN])
    client.force_login(moderator)
    response = client.get(f"/petitions/{petition.pk}/signatories.csv")
    assert response.status_code == 200
    lines = b"".join(response.streaming_content).decode().splitlines()  # type: ignore[attr-defined]
    assert lines[0].split(",")[:5] == ["number", "name", "postcode", "area", "confirmed_at"]
    by_postcode = {line.split(",")[2]: line.split(",")[3] for line in lines[1:]}
    assert by_postcode[IN_AREA] == "Castle"  # the ward
    assert by_postcode[OUT_OF_AREA] != ""  # a neighbouring local authority
    assert by_postcode[UNKNOWN] == ""
