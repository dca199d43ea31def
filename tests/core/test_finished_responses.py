"""The finished-response cache in front of Django (townhall.core.wsgi): what it keeps,
whom it answers from a copy, and when a copy goes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from tests.builders import open_petition, sign
from tests.core.conftest import CacheClock
from townhall.accounts.models import User
from townhall.core.wsgi import FinishedResponses
from townhall.petitions.models import Petition
from townhall.schemes.models import Scheme
from townhall.signatures.services import signature_count_new

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Iterator[None]:
    """Django closes "old" connections at the start and end of each request; inside a test's
    transaction that would close the test's own connection (Django's test client disconnects
    the same handler while it runs a request)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def app(settings: Any) -> FinishedResponses:
    settings.TOWNHALL = {**settings.TOWNHALL, "PUBLIC_READ_CACHE_SECONDS": 1.0}
    return FinishedResponses(WSGIHandler())


@pytest.fixture
def petition(scheme: Scheme, moderator: User) -> Petition:
    petition = open_petition(moderator=moderator)
    signature_count_new()
    return petition


class Answer:
    def __init__(self, status: str, headers: list[tuple[str, str]], body: bytes, queries: int) -> None:
        self.status = int(status.split()[0])
        self.headers = {name.lower(): value for name, value in headers}
        self.body = body
        self.queries = queries


def get(app: FinishedResponses, path: str, *, method: str = "GET", query: str = "", **headers: str) -> Answer:
    environ = RequestFactory()._base_environ(PATH_INFO=path, REQUEST_METHOD=method, QUERY_STRING=query, **headers)
    sent: dict[str, Any] = {}

    def start_response(status: str, response_headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        sent["status"], sent["headers"] = status, response_headers

    with CaptureQueriesContext(connection) as queries:
        result: Iterable[bytes] = app(environ, start_response)
        body = b"".join(result)
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return Answer(sent["status"], sent["headers"], body, len(queries))


@pytest.mark.parametrize("suffix", ["", "count.json"])
def test_anonymous_readers_get_the_kept_copy_byte_for_byte(
    app: FinishedResponses, petition: Petition, suffix: str
) -> None:
    path = f"/petitions/{petition.pk}/{suffix}"
    first = get(app, path)
    assert first.status == 200
    assert first.queries > 0
    again = get(app, path)
    assert again.queries == 0
    assert again.body == first.body
    assert again.headers == first.headers  # every middleware's headers included
    assert "public" in again.headers["cache-control"]
    if suffix:
        assert again.headers["access-control-allow-origin"] == "*"
    head = get(app, path, method="HEAD")
    assert (head.status, head.body, head.queries) == (200, b"", 0)


@pytest.mark.parametrize("suffix", ["", "count.json"])
def test_revalidation_is_answered_304_from_the_copy(app: FinishedResponses, petition: Petition, suffix: str) -> None:
    path = f"/petitions/{petition.pk}/{suffix}"
    first = get(app, path)
    same = get(app, path, HTTP_IF_NONE_MATCH=first.headers["etag"])
    assert (same.status, same.body, same.queries) == (304, b"", 0)
    assert same.headers["etag"] == first.headers["etag"]
    assert "content-length" not in same.headers
    weak = get(app, path, HTTP_IF_NONE_MATCH=f"W/{first.headers['etag']}")
    assert weak.status == 304
    since = get(app, path, HTTP_IF_MODIFIED_SINCE=first.headers["last-modified"])
    assert since.status == 304
    stale = get(app, path, HTTP_IF_NONE_MATCH='"something-else"')
    assert (stale.status, stale.body) == (200, first.body)


def test_a_copy_lasts_its_lifetime_then_the_count_moves(
    app: FinishedResponses, petition: Petition, cache_clock: CacheClock
) -> None:
    path = f"/petitions/{petition.pk}/count.json"
    before = get(app, path).body
    petition.refresh_from_db()
    sign(petition, name="Kept Copy", email="kept.copy@example.org", postcode="SW1A 1AA")
    signature_count_new()
    assert get(app, path).body == before  # still the copy
    cache_clock.shift(1.1)
    after = get(app, path)
    assert after.queries > 0
    assert after.body != before
    assert b'"signature_count": ' + str(petition.signature_count + 1).encode() in after.body


def test_staff_people_with_notices_and_query_strings_get_a_fresh_page(
    app: FinishedResponses, petition: Petition, moderator: User
) -> None:
    path = f"/petitions/{petition.pk}/"
    get(app, path)  # now kept
    staff = Client()
    staff.force_login(moderator)
    session = staff.cookies["sessionid"].value
    assert get(app, path, HTTP_COOKIE=f"sessionid={session}").queries > 0
    assert get(app, path, HTTP_COOKIE="messages=anything").queries > 0
    assert get(app, path, query="from=home").queries > 0
    # Cookies that say nothing about the reader (the CSRF cookie) do not matter.
    assert get(app, path, HTTP_COOKIE="csrftoken=abc").queries == 0
    assert get(app, path).queries == 0


def test_only_shareable_responses_are_kept(app: FinishedResponses, petition: Petition) -> None:
    missing = "/petitions/999999/count.json"
    assert get(app, missing).status == 404
    assert get(app, missing).queries > 0
    sign = f"/petitions/{petition.pk}/sign/"  # a form with one visitor's CSRF token
    first = get(app, sign)
    assert first.status == 200
    assert "set-cookie" in first.headers
    assert get(app, sign).queries > 0


def test_off_means_every_read_enters_django(settings: Any, petition: Petition) -> None:
    settings.TOWNHALL = {**settings.TOWNHALL, "PUBLIC_READ_CACHE_SECONDS": 0.0}
    app = FinishedResponses(WSGIHandler())
    path = f"/petitions/{petition.pk}/count.json"
    get(app, path)
    assert get(app, path).queries > 0


def test_the_production_entry_point_is_wrapped() -> None:
    from config import wsgi

    assert isinstance(wsgi.application, FinishedResponses)
