"""HTTP caching: public reads are briefly cacheable and revalidate with
ETag/Last-Modified; pages with personal links or forms are never stored."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils.http import http_date

from tests.builders import PETITION_OPENS_AT, frozen_at, make_petition, open_petition, sign
from townhall.accounts.models import User
from townhall.petitions.models import Petition
from townhall.signatures.models import Signature
from townhall.signatures.services import signature_count_new

pytestmark = pytest.mark.django_db

PUBLIC_CACHE = "public, max-age=5, stale-while-revalidate=30"


@pytest.fixture(autouse=True)
def frozen_time() -> Iterator[time_machine.Traveller]:
    """Frozen time: the body is set up the day before the petition opens."""
    with frozen_at(PETITION_OPENS_AT - datetime.timedelta(days=1)) as traveller:
        yield traveller


@pytest.fixture
def petition(scheme: Any, moderator: User, frozen_time: time_machine.Traveller) -> Petition:
    frozen_time.move_to(PETITION_OPENS_AT)
    return open_petition(moderator=moderator)


def _urls(petition: Petition) -> list[str]:
    return [f"/petitions/{petition.pk}/", f"/petitions/{petition.pk}/count.json"]


@pytest.mark.parametrize("which", [0, 1], ids=["detail", "count.json"])
def test_public_reads_are_briefly_cacheable_with_validators(client: Client, petition: Petition, which: int) -> None:
    response = client.get(_urls(petition)[which])

    assert response.status_code == 200
    assert response["Cache-Control"] == PUBLIC_CACHE
    assert response["ETag"].startswith('"')
    assert response["ETag"].endswith('"')
    assert len(response["ETag"]) > 2
    assert response["Last-Modified"] == http_date(PETITION_OPENS_AT.timestamp())


@pytest.mark.parametrize("which", [0, 1], ids=["detail", "count.json"])
def test_if_none_match_with_the_current_etag_answers_304(client: Client, petition: Petition, which: int) -> None:
    url = _urls(petition)[which]
    first = client.get(url)

    again = client.get(url, headers={"If-None-Match": first["ETag"]})

    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]
    assert again["Cache-Control"] == PUBLIC_CACHE


@pytest.mark.parametrize("which", [0, 1], ids=["detail", "count.json"])
def test_if_none_match_uses_weak_comparison(client: Client, petition: Petition, which: int) -> None:
    # A compressing proxy marks the ETag weak (W/"..."); browsers send it back that way.
    # If-None-Match compares weakly (RFC 9110 §13.1.2), so the copy is still current.
    url = _urls(petition)[which]
    etag = client.get(url)["ETag"]

    response = client.get(url, headers={"If-None-Match": f'"other", W/{etag}'})

    assert response.status_code == 304


def test_if_none_match_star_answers_304(client: Client, petition: Petition) -> None:
    assert client.get(f"/petitions/{petition.pk}/count.json", headers={"If-None-Match": "*"}).status_code == 304


@pytest.mark.parametrize("which", [0, 1], ids=["detail", "count.json"])
def test_if_none_match_with_another_etag_gets_the_full_page(client: Client, petition: Petition, which: int) -> None:
    url = _urls(petition)[which]
    first = client.get(url)

    response = client.get(url, headers={"If-None-Match": '"not-the-etag", "nor-this"'})

    assert response.status_code == 200
    assert response.content == first.content


def test_if_modified_since_the_last_change_answers_304(client: Client, petition: Petition) -> None:
    url = f"/petitions/{petition.pk}/count.json"
    last_modified = client.get(url)["Last-Modified"]

    assert client.get(url, headers={"If-Modified-Since": last_modified}).status_code == 304
    earlier = http_date((PETITION_OPENS_AT - datetime.timedelta(minutes=1)).timestamp())
    assert client.get(url, headers={"If-Modified-Since": earlier}).status_code == 200


@pytest.mark.parametrize("which", [0, 1], ids=["detail", "count.json"])
def test_a_changed_count_changes_the_etag_and_last_modified(
    client: Client, petition: Petition, which: int, frozen_time: time_machine.Traveller
) -> None:
    url = _urls(petition)[which]
    frozen_time.move_to(PETITION_OPENS_AT + datetime.timedelta(minutes=5))
    signature_count_new()  # count the sponsors, so the page shows a settled count
    before = client.get(url)

    sign(petition, 1)
    counted_at = PETITION_OPENS_AT + datetime.timedelta(hours=1)
    frozen_time.move_to(counted_at)
    assert signature_count_new().counted == 1
    after = client.get(url, headers={"If-None-Match": before["ETag"]})

    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    assert after["Last-Modified"] == http_date(counted_at.timestamp())
    assert client.get(url, headers={"If-None-Match": after["ETag"]}).status_code == 304


def test_confirming_without_counting_leaves_the_etag_alone(client: Client, petition: Petition) -> None:
    # Requests never write the count, so a confirmation alone changes nothing public.
    url = f"/petitions/{petition.pk}/count.json"
    before = client.get(url)

    sign(petition, 1)

    assert client.get(url, headers={"If-None-Match": before["ETag"]}).status_code == 304


def test_count_json_body_has_the_signature_count(
    client: Client, petition: Petition, frozen_time: time_machine.Traveller
) -> None:
    sponsors = Signature.objects.filter(petition=petition).count()
    sign(petition, 1)
    sign(petition, 2)
    counted_at = PETITION_OPENS_AT + datetime.timedelta(hours=2)
    frozen_time.move_to(counted_at)
    signature_count_new()

    response = client.get(f"/petitions/{petition.pk}/count.json")

    assert response["Content-Type"] == "application/json"
    body = json.loads(response.content)
    assert body == {
        "id": petition.pk,
        "state": "open",
        "signature_count": sponsors + 2,
        "signatures_awaiting_checks": 0,
        # UTC with milliseconds, as the UK Parliament petitions API writes times.
        "updated_at": counted_at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        # No eligible area is named in this scheme, so there is no proof of locality.
        "signatures_by_locality": None,
    }


def test_count_json_before_any_count_has_no_update_time(client: Client, petition: Petition) -> None:
    body = json.loads(client.get(f"/petitions/{petition.pk}/count.json").content)

    assert body["signature_count"] == 0
    assert body["updated_at"] is None


def test_unpublished_petitions_are_not_served_or_cached(client: Client, scheme: Any) -> None:
    petition = make_petition()

    for url in [f"/petitions/{petition.pk}/", f"/petitions/{petition.pk}/count.json"]:
        response = client.get(url)
        assert response.status_code == 404
        assert response["Cache-Control"] == "no-store"
        assert "ETag" not in response


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/petitions/",
        "/help/",
        "/petitions/{pk}/",
        "/petitions/{pk}/count.json",
    ],
)
def test_head_works_on_public_pages(client: Client, petition: Petition, path: str) -> None:
    url = path.format(pk=petition.pk)
    get = client.get(url)

    head = client.head(url)

    assert head.status_code == 200
    assert head.content == b""
    assert head["Content-Type"] == get["Content-Type"]
    if "ETag" in get:
        assert head["ETag"] == get["ETag"]


def test_public_pages_refuse_writes(client: Client, petition: Petition) -> None:
    assert client.post(f"/petitions/{petition.pk}/").status_code == 405
    assert client.post(f"/petitions/{petition.pk}/count.json").status_code == 405


def test_sign_confirm_and_create_pages_are_never_stored(client: Client, petition: Petition) -> None:
    signature = sign(petition, name="Pat Signer", email="pat@example.org", confirm=False)
    urls = [
        "/petitions/new/",
        f"/petitions/{petition.pk}/sign/",
        f"/petitions/{petition.pk}/sign/check-your-email/",
        f"/signatures/{signature.pk}/confirm/{signature.token}/",
        f"/petitions/{petition.pk}/creator/{petition.creator_token}/",
        f"/petitions/{petition.pk}/sponsor/{petition.sponsor_token}/",
    ]

    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == "no-store", url
        assert "ETag" not in response, url


def test_form_errors_on_no_store_pages_are_not_stored_either(client: Client, petition: Petition) -> None:
    response = client.post(f"/petitions/{petition.pk}/sign/", {"name": ""})

    assert response.status_code == 400
    assert response["Cache-Control"] == "no-store"


def test_confirm_post_is_not_stored(client: Client, petition: Petition) -> None:
    signature = sign(petition, name="Pat Signer", email="pat@example.org", confirm=False)

    response = client.post(f"/signatures/{signature.pk}/confirm/{signature.token}/")

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    signature.refresh_from_db()
    assert signature.state == "verified"
