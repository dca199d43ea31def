"""The site comes up: every public page renders for a configured body, whichever app serves it."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.builders import open_petition


@pytest.mark.django_db
def test_public_pages_render(client: Client, scheme: Any, moderator: Any) -> None:
    petition = open_petition(moderator=moderator)
    for url in ["/", "/petitions/", "/help/", "/petitions/new/", f"/petitions/{petition.pk}/"]:
        response = client.get(url)
        assert response.status_code == 200, url
    assert "Reopen the public toilets" in client.get("/").content.decode()


@pytest.mark.django_db
def test_the_privacy_notice_says_what_is_kept(client: Client, scheme: Any) -> None:
    page = client.get("/privacy/").content.decode()
    assert "The address itself is never stored" in page
    assert "12 months after a petition closes" in page
    assert 'href="/privacy/"' in client.get("/").content.decode()
