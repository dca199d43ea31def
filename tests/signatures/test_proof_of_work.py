"""Proof of work (ALTCHA): staff switch it on under attack, site-wide or per petition."""

from __future__ import annotations

from typing import Any

import altcha
import pytest
from django.core.cache import cache
from django.test import Client

from tests.builders import open_petition
from tests.security import csp_directives, csp_nonce, policy_problems
from townhall.petitions.models import Petition
from townhall.petitions.services import petition_set_proof_of_work
from townhall.schemes.models import Scheme
from townhall.signatures.models import Signature

pytestmark = pytest.mark.django_db
SIGNER = {"name": "Rosa Resident", "email": "rosa@example.org", "postcode": "KM4 4DD", "declared_eligible": "on"}


@pytest.fixture
def petition(scheme: Any, moderator: Any, settings: Any) -> Petition:
    settings.ALTCHA_CHALLENGE = {"cost": 10, "key_prefix": "0"}  # an easy puzzle for tests
    cache.clear()
    return open_petition(moderator=moderator)


def _solved_payload(client: Client) -> str:
    challenge = altcha.Challenge.from_dict(client.get("/altcha/challenge/").json())
    solution = altcha.solve_challenge(challenge, timeout=30)
    assert solution is not None
    return altcha.Payload(challenge, solution).to_base64()


def test_off_by_default(client: Client, petition: Petition) -> None:
    assert "altcha-widget" not in client.get(f"/petitions/{petition.pk}/sign/").content.decode()
    assert client.post(f"/petitions/{petition.pk}/sign/", SIGNER).status_code == 302


def test_per_petition_switch_requires_a_solved_puzzle(client: Client, petition: Petition, admin_user: Any) -> None:
    petition_set_proof_of_work(petition_id=petition.pk, required=True, actor=admin_user)
    page = client.get(f"/petitions/{petition.pk}/sign/").content.decode()
    assert "<altcha-widget" in page
    assert 'type="module"' in page  # an external script, never inline
    assert "Check you are not a robot" in page  # labelled for screen readers
    refused = client.post(f"/petitions/{petition.pk}/sign/", SIGNER)
    assert refused.status_code == 400
    assert "Please complete the ALTCHA verification." in refused.content.decode()
    assert not Signature.objects.filter(email="rosa@example.org").exists()
    forged = client.post(f"/petitions/{petition.pk}/sign/", {**SIGNER, "altcha": "bm90IGEgcGF5bG9hZA=="})
    assert forged.status_code == 400
    assert not Signature.objects.filter(email="rosa@example.org").exists()
    solved = client.post(f"/petitions/{petition.pk}/sign/", {**SIGNER, "altcha": _solved_payload(client)})
    assert solved.status_code == 302
    assert Signature.objects.filter(email="rosa@example.org").exists()


def test_site_wide_switch(client: Client, petition: Petition) -> None:
    Scheme.objects.update(proof_of_work_required=True)
    assert "<altcha-widget" in client.get(f"/petitions/{petition.pk}/sign/").content.decode()
    assert client.post(f"/petitions/{petition.pk}/sign/", SIGNER).status_code == 400


def test_the_widget_may_add_its_style_with_the_pages_nonce(client: Client, petition: Petition) -> None:
    """The widget adds a <style> element carrying the nonce it reads from <meta name="csp-nonce">,
    and solves its puzzle in workers started from blob: URLs."""
    Scheme.objects.update(proof_of_work_required=True)
    response = client.get(f"/petitions/{petition.pk}/sign/")

    policy = csp_directives(response)
    nonce = csp_nonce(policy, "style-src")
    assert nonce
    assert f'<meta name="csp-nonce" content="{nonce}">' in response.content.decode()
    assert csp_nonce(policy, "script-src") is None  # its script is a file
    assert policy["worker-src"] == ["'self'", "blob:"]
    assert policy_problems(policy) == []


def test_without_the_widget_no_nonce_is_given(client: Client, petition: Petition) -> None:
    response = client.get(f"/petitions/{petition.pk}/sign/")

    assert csp_nonce(csp_directives(response), "style-src") is None
    assert "csp-nonce" not in response.content.decode()
