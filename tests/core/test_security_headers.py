"""Every response carries the site's Content-Security-Policy, Permissions-Policy and
Cross-Origin-Opener-Policy. (tests/end_to_end/test_every_page_policy.py walks every route.)"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.security import csp_directives

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/", "/help/", "/staff/login/", "/petitions.csv", "/no-such-page/"])
def test_every_response_gets_the_strict_policy(client: Client, scheme: Any, url: str) -> None:
    response = client.get(url)

    policy = csp_directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]  # no nonce unless the page used one
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"  # the same rule for older browsers


@pytest.mark.parametrize("url", ["/", "/staff/login/", "/petitions.json", "/no-such-page/"])
def test_every_response_denies_powerful_features_and_isolates_its_window(client: Client, scheme: Any, url: str) -> None:
    response = client.get(url)

    denied = dict(part.strip().split("=", 1) for part in response["Permissions-Policy"].split(","))
    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "browsing-topics"):
        assert denied[feature] == "()", feature
    assert set(denied.values()) == {"()"}
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
