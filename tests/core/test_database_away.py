"""While the database is unreachable (a restart, a failover, a network blip) every page and
API call answers 503 with Retry-After and a plain explanation, not a 500: nothing was saved,
and trying again in a few seconds works."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import InterfaceError, OperationalError
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def database_away(monkeypatch: Any) -> None:
    """Every view fails as it would with PostgreSQL down (the first query raises)."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise OperationalError('connection failed: connection to server at "127.0.0.1", port 5432 failed')

    monkeypatch.setattr("django.db.backends.utils.CursorWrapper.execute", refuse)
    monkeypatch.setattr("django.db.backends.utils.CursorWrapper.executemany", refuse)


@pytest.mark.parametrize("error", [OperationalError("server closed the connection"), InterfaceError("closed")])
def test_a_lost_connection_in_a_view_is_a_503_page_with_retry_after(monkeypatch: Any, error: Exception) -> None:
    def fail(*args: Any, **kwargs: Any) -> None:
        raise error

    monkeypatch.setattr("django.db.backends.utils.CursorWrapper.execute", fail)
    response = Client().get("/petitions/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Cache-Control"] == "no-store"
    page = response.content.decode()
    assert "Nothing you sent was saved" in page
    assert "try again in a few seconds" in page


def test_a_form_post_while_the_database_is_away_says_nothing_was_saved(database_away: None) -> None:
    response = Client().post("/petitions/1/sign/", {"name": "Ann", "email": "ann@example.org"})
    assert response.status_code == 503
    assert "Nothing you sent was saved" in response.content.decode()


def test_the_api_answers_json_503(database_away: None) -> None:
    response = Client().get("/api/v1/petitions")
    assert response.status_code == 503
    assert response["Content-Type"].startswith("application/json")
    assert response["Retry-After"] == "5"
    assert response.json()["error"]["code"] == "database_unavailable"


PUBLIC = [
    "/",
    "/petitions/",
    "/petitions/1/",
    "/petitions/1/count.json",
    "/petitions.json",
    "/feeds/petitions.atom",
    "/meetings/",
    "/api/v1/petitions",
    "/api/v1/meetings",
]


@pytest.mark.parametrize("url", PUBLIC)
def test_no_page_answers_500_while_the_database_is_away(database_away: None, url: str) -> None:
    response = Client().get(url)
    assert response.status_code == 503, (url, response.status_code)
    assert response["Retry-After"] == "5"
