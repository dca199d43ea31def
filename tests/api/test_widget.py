"""The embeddable count widget: framable (that page only), no script, cached like count.json."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.builders import open_petition, staff
from tests.security import csp_directives, policy_problems
from townhall.accounts.models import Role, User
from townhall.petitions.models import Petition
from townhall.petitions.services import petition_remove, petition_tally_add
from townhall.schemes.models import Scheme


@pytest.fixture
def petition(scheme: Scheme, moderator: User) -> Petition:
    from django.utils import timezone

    petition = open_petition(moderator=moderator, action="Save the Kingsmere lido")
    petition_tally_add(increments={petition.pk: 1_234}, at=timezone.now())
    petition.refresh_from_db()
    return petition


def test_widget_shows_the_count_and_may_be_framed(client: Client, petition: Petition) -> None:
    response = client.get(f"/petitions/{petition.pk}/widget/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Save the Kingsmere lido" in html
    assert "1,234" in html
    assert "Let&#x27;s get to 1,500!" in html or "Let's get to 1,500!" in html
    assert f'href="http://testserver/petitions/{petition.pk}/"' in html
    assert "<script" not in html
    assert "style=" not in html
    # Framing allowed here only.
    assert "X-Frame-Options" not in response
    assert csp_directives(response)["frame-ancestors"] == ["*"]
    assert client.get(f"/petitions/{petition.pk}/")["X-Frame-Options"] == "DENY"
    assert client.get("/petitions.csv")["X-Frame-Options"] == "DENY"


def test_widget_is_cached_like_count_json(client: Client, petition: Petition) -> None:
    response = client.get(f"/petitions/{petition.pk}/widget/")
    count = client.get(f"/petitions/{petition.pk}/count.json")
    assert response["Cache-Control"] == count["Cache-Control"]
    assert response["Last-Modified"] == count["Last-Modified"]
    again = client.get(f"/petitions/{petition.pk}/widget/", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    assert "X-Frame-Options" not in again
    assert csp_directives(again)["frame-ancestors"] == ["*"]


def test_widget_policy_is_the_sites_except_who_may_frame_it(client: Client, petition: Petition) -> None:
    """Framed by any site, but still no script, no inline style, nothing from elsewhere."""
    policy = csp_directives(client.get(f"/petitions/{petition.pk}/widget/"))

    assert policy_problems(policy, frameable=True) == []
    assert {**policy, "frame-ancestors": ["'none'"]} == csp_directives(client.get(f"/petitions/{petition.pk}/"))


def test_widget_of_removed_petition_is_gone(client: Client, petition: Petition, moderator: User) -> None:
    admin = staff("boss", Role.ADMINISTRATOR)
    petition_remove(petition_id=petition.pk, actor=admin)
    assert client.get(f"/petitions/{petition.pk}/widget/").status_code == 410
