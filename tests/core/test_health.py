"""/healthz: what nginx or a load balancer asks each web node."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import DatabaseError
from django.db.backends.utils import CursorWrapper
from django.tasks import TaskResultStatus
from django.test import Client, override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from townhall.mail.models import QueuedEmail

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


def test_a_missing_cache_table_makes_the_node_unhealthy_and_names_the_cache() -> None:
    # Production's cache is the database cache; here its table was never created.
    database_cache = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "townhall_nothere"}
    }
    with override_settings(CACHES=database_cache):
        response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.content == b"cache unavailable\n"


def test_a_present_cache_table_is_healthy() -> None:
    database_cache = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "townhall_cache"}
    }
    with override_settings(CACHES=database_cache):
        call_command("createcachetable", verbosity=0)
        response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"


def test_deep_reports_the_oldest_unsent_email_and_the_task_workers_last_work() -> None:
    now = timezone.now()
    QueuedEmail.objects.create(
        dedupe_key="a", to="a@example.org", subject="s", body="b", created_at=now - timedelta(minutes=5)
    )
    QueuedEmail.objects.create(
        dedupe_key="b", to="b@example.org", subject="s", body="b", created_at=now - timedelta(minutes=1)
    )
    QueuedEmail.objects.create(
        dedupe_key="c",
        to="c@example.org",
        subject="s",
        body="b",
        created_at=now - timedelta(hours=9),
        sent_at=now,
        status="sent",
    )
    QueuedEmail.objects.create(
        dedupe_key="d", to="d@example.org", subject="s", body="b", created_at=now, status="refused", gave_up_at=now
    )
    finished = now - timedelta(seconds=30)
    DBTaskResult.objects.create(
        status=TaskResultStatus.SUCCESSFUL,
        args_kwargs={"args": [], "kwargs": {}},
        task_path="townhall.mail.tasks.queued_emails_drain",
        backend_name="default",
        run_after=now,
        started_at=finished - timedelta(seconds=1),
        finished_at=finished,
    )

    response = Client().get("/healthz?deep")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"] == {"database": "ok", "cache": "ok"}
    assert 5 * 60 <= body["oldest_queued_email_age_seconds"] < 6 * 60
    assert body["outbox"] == {"queued": 2, "deferred": 0, "refused": 1, "failed": 0}
    worker = body["task_worker"]
    assert worker["last_finished_at"] == finished.isoformat()
    assert 30 <= worker["last_finished_age_seconds"] < 90
    assert worker["running"] == 0


def test_deep_with_nothing_queued_and_no_work_done_says_so() -> None:
    body = Client().get("/healthz?deep").json()
    assert body["oldest_queued_email_age_seconds"] is None
    assert body["task_worker"] == {
        "last_started_at": None,
        "last_finished_at": None,
        "last_finished_age_seconds": None,
        "running": 0,
        "ready": 0,
    }


def test_deep_names_the_failing_part_with_a_503() -> None:
    database_cache = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "townhall_nothere"}
    }
    with override_settings(CACHES=database_cache):
        response = Client().get("/healthz?deep")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"] == {"database": "ok", "cache": "unavailable"}
