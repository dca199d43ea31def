"""The officer evidence route: the scheme's guidance is shown where a petition about a
senior officer is written (the creation page) and where it is judged (the moderator's page)."""

from __future__ import annotations

from html import unescape

import pytest
from django.test import Client

from tests.builders import awaiting_petition
from townhall.accounts.models import User
from townhall.schemes.models import OFFICER_EVIDENCE_GUIDANCE, Scheme

pytestmark = pytest.mark.django_db

CUSTOM = "Petitions about an officer must be about decisions taken in the role. Complaints go to complaints@."


def page(response: object) -> str:
    return unescape(response.content.decode())  # type: ignore[attr-defined]


def test_the_creation_page_shows_the_schemes_guidance_near_the_decision_maker(client: Client, scheme: Scheme) -> None:
    html = page(client.get("/petitions/new/"))
    assert "Is your petition about a senior officer?" in html
    assert OFFICER_EVIDENCE_GUIDANCE in html
    # Next to the decision maker field, with the threshold that leads to evidence at scrutiny.
    assert html.index('name="addressed_to"') < html.index("Is your petition about a senior officer?")
    assert html.index("Is your petition about a senior officer?") < html.index('name="creator_name"')
    count = scheme.thresholds.get(kind="officer_evidence").count
    assert f"At {count} signatures the officer gives evidence at a scrutiny meeting." in html


def test_the_creation_page_shows_the_bodys_own_wording_and_keeps_it_after_a_refusal(
    client: Client, scheme: Scheme
) -> None:
    Scheme.objects.filter(pk=scheme.pk).update(officer_evidence_guidance=CUSTOM)
    refused = client.post("/petitions/new/", {"action": ""})
    assert refused.status_code == 400
    assert CUSTOM in page(refused)
    assert OFFICER_EVIDENCE_GUIDANCE not in page(refused)


def test_no_guidance_no_block(client: Client, scheme: Scheme) -> None:
    Scheme.objects.filter(pk=scheme.pk).update(officer_evidence_guidance="")
    assert "Is your petition about a senior officer?" not in page(client.get("/petitions/new/"))


def test_the_moderators_page_shows_the_guidance_also_after_a_refused_rejection(
    client: Client, scheme: Scheme, moderator: User
) -> None:
    petition = awaiting_petition()
    client.force_login(moderator)
    detail = page(client.get(f"/moderation/{petition.pk}/"))
    assert "If the petition is about a senior officer" in detail
    assert OFFICER_EVIDENCE_GUIDANCE in detail
    refused = client.post(f"/moderation/{petition.pk}/reject/", {"details": "no reason chosen"})
    assert refused.status_code == 400
    assert OFFICER_EVIDENCE_GUIDANCE in page(refused)
