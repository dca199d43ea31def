"""/healthz: what nginx or a load balancer asks each web node."""

from __future__ import annotations

import pytest
from django.db import DatabaseError
from django.db.backends.utils import CursorWrapper
from django.test import Client

pytestmark = pytest.mark.django_db


def test_a_node_that_reaches_its_database_is_healthy() -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert response["Content-Type"].startswith("text/plain")
    assert response["Cache-Control"] == "no-store"


def test_a_node_that_cannot_reach_its_database_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: CursorWrapper, sql: str, params: object = None) -> None:
        raise DatabaseError("connection refused")

    monkeypatch.setattr(CursorWrapper, "execute", refuse)
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.content == b"database unavailable\n"


def test_only_reads_are_allowed() -> None:
    assert Client().post("/healthz").status_code == 405
