"""Staff land on a page listing exactly the work their roles allow (the permission matrix)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.builders import staff
from townhall.accounts.models import Role

pytestmark = pytest.mark.django_db

LINKS = {
    Role.MODERATOR: ["/moderation/", "/moderation/updates/", "/questions/moderation/"],
    Role.RESPONDER: ["/responses/", "/questions/answers/"],
    Role.CLERK: ["/meetings/clerk/"],
    Role.ADMINISTRATOR: ["/integrity/", "/admin/"],
}


@pytest.mark.parametrize("role", list(Role))
def test_each_role_sees_its_own_work(client: Client, role: Role, scheme: Any) -> None:
    user = staff(f"u-{role.value}", role, email="u@example.org")
    login = client.post("/staff/login/", {"username": user.username, "password": "correct-horse-battery"})
    assert login.status_code == 302
    assert login["Location"] == "/staff/"
    page = client.get("/staff/").content.decode()
    expected = set(LINKS[role])
    if role == Role.ADMINISTRATOR:  # administrators hold every staff power
        expected = {link for links in LINKS.values() for link in links}
    for link in {link for links in LINKS.values() for link in links}:
        assert (f'href="{link}"' in page) == (link in expected), (role, link)
    for link in expected:
        assert client.get(link).status_code in (200, 302), link


def test_anonymous_visitors_are_sent_to_sign_in(client: Client) -> None:
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/")
