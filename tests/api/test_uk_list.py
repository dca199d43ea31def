"""/petitions.json: the UK Parliament list shape, filters and pagination links."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from tests.api.test_uk_petitions import LIST_ATTRIBUTES, get_json
from tests.builders import open_petition
from townhall.accounts.models import User
from townhall.petitions.models import Petition


def query(url: str | None) -> dict[str, list[str]]:
    assert url is not None
    parts = urlsplit(url)
    assert parts.path == "/petitions.json"
    return parse_qs(parts.query)


@pytest.fixture
def petitions(scheme: Any, moderator: User) -> list[Petition]:
    return [
        open_petition(moderator=moderator, action=f"Plant {n} trees on the green", creator_email=f"c{n}@example.org")
        for n in range(5)
    ]


@pytest.mark.django_db
def test_list_shape_and_pagination_links(client: Client, petitions: list[Petition]) -> None:
    body = get_json(client, "/petitions.json?count=2&page=2&state=open")

    assert list(body) == ["links", "data"]
    assert list(body["links"]) == ["self", "first", "last", "next", "prev"]
    assert body["links"]["self"] == "http://testserver/petitions.json?count=2&page=2&state=open"
    assert query(body["links"]["first"]) == {"page": ["1"], "state": ["open"], "count": ["2"]}
    assert query(body["links"]["last"]) == {"page": ["3"], "state": ["open"], "count": ["2"]}
    assert query(body["links"]["next"])["page"] == ["3"]
    assert query(body["links"]["prev"])["page"] == ["1"]
    assert len(body["data"]) == 2
    item = body["data"][0]
    assert list(item) == ["type", "id", "links", "attributes"]
    assert item["type"] == "petition"
    assert item["links"] == {"self": f"http://testserver/petitions/{item['id']}.json"}
    assert list(item["attributes"]) == LIST_ATTRIBUTES  # no signatures_by_* in lists, as on the UK site

    last = get_json(client, "/petitions.json?count=2&page=3&state=open")
    assert last["links"]["next"] is None
    assert len(last["data"]) == 1
    first = get_json(client, "/petitions.json?count=2")
    assert first["links"]["prev"] is None
    beyond = get_json(client, "/petitions.json?count=2&page=9")
    assert beyond["data"] == []
    assert beyond["links"]["next"] is None


@pytest.mark.django_db
def test_every_petition_appears_once_across_pages(client: Client, petitions: list[Petition]) -> None:
    seen: list[int] = []
    url: str | None = "/petitions.json?count=2"
    while url:
        body = get_json(client, url)
        seen += [item["id"] for item in body["data"]]
        url = body["links"]["next"]
    assert sorted(seen) == sorted(p.pk for p in petitions)


@pytest.mark.django_db
def test_search_and_state_filters(client: Client, petitions: list[Petition], moderator: User) -> None:
    other = open_petition(moderator=moderator, action="Fix the potholes", creator_email="x@example.org")
    found = get_json(client, "/petitions.json?q=potholes")
    assert [item["id"] for item in found["data"]] == [other.pk]
    assert query(found["links"]["first"])["q"] == ["potholes"]
    assert get_json(client, "/petitions.json?state=closed")["data"] == []
    assert get_json(client, "/petitions.json?state=with_response")["data"] == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "code"),
    [("count=51", "bad_count"), ("count=0", "bad_count"), ("count=x", "bad_count"), ("page=0", "bad_page"),
     ("state=bogus", "bad_state")],
)  # fmt: skip
def test_bad_parameters_get_a_400_with_a_code(client: Client, scheme: Any, params: str, code: str) -> None:
    body = get_json(client, f"/petitions.json?{params}", 400)
    assert body["error"]["code"] == code
    assert body["error"]["message"]
