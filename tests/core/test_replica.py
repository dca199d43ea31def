"""Read replica routing: anonymous public reads use the replica; writes, staff pages and the
sign/confirm pages never touch it.

The test settings define a `replica` alias that mirrors the test database (a second
connection to the same data), switched off unless a test turns READ_REPLICA_ENABLED on.
Queries are captured per connection, so each test sees exactly which alias served what.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.core.cache.backends.db import DatabaseCache
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.builders import open_petition
from tests.conftest import links_in
from tests.core.test_settings import GOOD_PROD_ENV, _import, _refusal
from townhall.accounts.models import User
from townhall.core.replica import ReplicaRouter, request_may_use_replica
from townhall.petitions.models import Petition
from townhall.signatures.models import Signature, SignatureState
from townhall.signatures.tasks import confirmation_emails_dispatch

BOTH = ["default", "replica"]
pytestmark = pytest.mark.django_db(transaction=True, databases=BOTH)


@contextmanager
def queries() -> Iterator[dict[str, CaptureQueriesContext]]:
    captured = {alias: CaptureQueriesContext(connections[alias]) for alias in BOTH}
    for context in captured.values():
        context.__enter__()
    try:
        yield captured
    finally:
        for context in captured.values():
            context.__exit__(None, None, None)


@pytest.fixture
def replica_on(settings: Any) -> None:
    settings.READ_REPLICA_ENABLED = True


@pytest.fixture
def petition(scheme: Any, moderator: User) -> Petition:
    return open_petition(moderator=moderator)


PUBLIC_READS = [
    "/",
    "/petitions/",
    "/petitions/{pk}/",
    "/petitions/{pk}/count.json",
    "/petitions.json",
    "/petitions/{pk}.json",
    "/api/v1/petitions",
    "/api/v1/petitions/{pk}",
]


@pytest.mark.parametrize("path", PUBLIC_READS)
@pytest.mark.usefixtures("replica_on")
def test_anonymous_public_reads_use_the_replica(petition: Petition, path: str) -> None:
    url = path.format(pk=petition.pk)
    with queries() as captured:
        response = Client().get(url)
    assert response.status_code == 200, url
    assert len(captured["replica"]) > 0, url
    # Nothing about a public page is read from the primary; the API's rate counter is a
    # write, so it goes there (townhall/core/ratelimit.py).
    on_primary = [q["sql"] for q in captured["default"].captured_queries if "core_ratecounter" not in q["sql"]]
    assert on_primary == []


@pytest.mark.usefixtures("replica_on")
def test_a_head_request_uses_the_replica_too(petition: Petition) -> None:
    with queries() as captured:
        response = Client().head(f"/petitions/{petition.pk}/count.json")
    assert response.status_code == 200
    assert len(captured["replica"]) > 0


@pytest.mark.usefixtures("replica_on")
def test_signing_and_confirming_never_touch_the_replica(petition: Petition) -> None:
    resident = Client(enforce_csrf_checks=False)
    sign_url = f"/petitions/{petition.pk}/sign/"
    with queries() as captured:
        assert resident.get(sign_url).status_code == 200
        signed = resident.post(
            sign_url,
            {"name": "Rosa Signer", "email": "rosa@example.org", "postcode": "KM2 2BB", "declared_eligible": "on"},
            REMOTE_ADDR="198.51.100.7",
        )
        assert signed.status_code == 302
        # The page that follows reads what was just written: from the primary.
        assert resident.get(signed["Location"]).status_code == 200
        assert confirmation_emails_dispatch() is True
        signature = Signature.objects.get(email="rosa@example.org")
        [confirm_url] = [
            link.removeprefix("http://testserver") for link in links_in(_last_mail_body()) if "/confirm/" in link
        ]
        assert resident.get(confirm_url).status_code == 200
        confirmed = resident.post(confirm_url)
        assert confirmed.status_code == 200
    signature.refresh_from_db()
    assert signature.state == SignatureState.VERIFIED
    assert len(captured["default"]) > 0
    assert captured["replica"].captured_queries == []


@pytest.mark.usefixtures("replica_on")
def test_staff_reading_a_public_page_use_the_primary(petition: Petition, moderator: User) -> None:
    staff = Client()
    staff.force_login(moderator)
    with queries() as captured:
        assert staff.get(f"/petitions/{petition.pk}/").status_code == 200
        assert staff.get("/moderation/").status_code == 200
    assert len(captured["default"]) > 0
    assert captured["replica"].captured_queries == []


@pytest.mark.usefixtures("replica_on")
def test_a_post_to_a_public_path_uses_the_primary(petition: Petition) -> None:
    with queries() as captured:
        response = Client().post(f"/petitions/{petition.pk}/count.json")
    assert response.status_code == 405
    assert captured["replica"].captured_queries == []


def test_without_a_replica_everything_reads_from_the_primary(petition: Petition) -> None:
    with queries() as captured:
        assert Client().get(f"/petitions/{petition.pk}/count.json").status_code == 200
    assert len(captured["default"]) > 0
    assert captured["replica"].captured_queries == []


def test_work_outside_requests_uses_the_primary(petition: Petition, settings: Any) -> None:
    # The task worker and the scheduler never pass through the middleware.
    settings.READ_REPLICA_ENABLED = True
    with queries() as captured:
        assert Petition.objects.filter(pk=petition.pk).exists()
    assert captured["replica"].captured_queries == []


def test_the_router_sends_every_write_and_migration_to_the_primary(settings: Any) -> None:
    settings.READ_REPLICA_ENABLED = True
    router = ReplicaRouter()
    assert router.db_for_write(Petition) == "default"
    assert router.allow_migrate("replica", "petitions") is False
    assert router.allow_migrate("default", "petitions") is None
    # Outside a marked request, reads are not routed at all.
    assert router.db_for_read(Petition) is None


def test_the_shared_cache_is_always_read_from_the_primary(settings: Any) -> None:
    # Rate limits and replay protection must see the latest counts, never a lagging copy.
    from townhall.core import replica

    settings.READ_REPLICA_ENABLED = True
    cache_model = DatabaseCache("townhall_cache", {}).cache_model_class
    token = replica._reads_from_replica.set(True)
    try:
        assert ReplicaRouter().db_for_read(Petition) == "replica"
        assert ReplicaRouter().db_for_read(cache_model) is None
    finally:
        replica._reads_from_replica.reset(token)


@pytest.mark.parametrize(
    ("method", "path", "eligible"),
    [
        ("GET", "/petitions/7/", True),
        ("HEAD", "/petitions/7/count.json", True),
        ("GET", "/api/v1/petitions/7/breakdowns", True),
        ("POST", "/petitions/7/", False),
        ("GET", "/petitions/7/sign/", False),
        ("GET", "/petitions/7/sign/check-your-email/", False),
        ("GET", "/signatures/7/confirm/abc/", False),
        ("GET", "/petitions/new/", False),
        ("GET", "/moderation/", False),
        ("GET", "/staff/", False),
        ("GET", "/admin/", False),
        ("GET", "/outbox/", False),
    ],
)
def test_which_requests_may_use_the_replica(rf: Any, method: str, path: str, eligible: bool) -> None:
    from django.contrib.auth.models import AnonymousUser

    request = rf.generic(method, path)
    request.user = AnonymousUser()
    assert request_may_use_replica(request) is eligible


@pytest.mark.django_db(transaction=False, databases=[])
def test_a_replica_url_adds_the_alias_and_switches_routing_on() -> None:
    result = _import(
        "config.settings.prod",
        {**GOOD_PROD_ENV, "TOWNHALL_REPLICA_DATABASE_URL": "postgres://reader@10.0.0.2:5432/townhall"},
        "r = s.DATABASES['replica']; print(r['HOST'], r['TEST']['MIRROR'], s.READ_REPLICA_ENABLED)",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["10.0.0.2", "default", "True"]


@pytest.mark.django_db(transaction=False, databases=[])
def test_without_a_replica_url_nothing_changes() -> None:
    result = _import("config.settings.prod", GOOD_PROD_ENV, "print(sorted(s.DATABASES), s.READ_REPLICA_ENABLED)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["['default']", "False"]


@pytest.mark.django_db(transaction=False, databases=[])
def test_production_refuses_a_replica_that_is_not_postgresql(tmp_path: Any) -> None:
    result = _import(
        "config.settings.prod",
        {**GOOD_PROD_ENV, "TOWNHALL_REPLICA_DATABASE_URL": f"sqlite:///{tmp_path / 'r.sqlite3'}"},
    )
    assert "TOWNHALL_REPLICA_DATABASE_URL must point at a PostgreSQL replica (or be empty)" in _refusal(result)


@pytest.mark.django_db(transaction=False, databases=[])
def test_behind_pgbouncer_no_server_side_cursors_or_prepared_statements() -> None:
    code = "d = s.DATABASES['default']; print(d['DISABLE_SERVER_SIDE_CURSORS'], d['OPTIONS']['prepare_threshold'])"
    result = _import("config.settings.prod", {**GOOD_PROD_ENV, "TOWNHALL_DATABASE_PGBOUNCER": "true"}, code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "None"]


def _last_mail_body() -> str:
    from django.core import mail

    body: str = mail.outbox[-1].body
    return body
