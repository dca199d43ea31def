"""The signature search at /staff/signatures/: each criterion selects exactly what it should,
in any state; bad values are refused on their field with nothing listed; paging, sorting,
the administrators' audited CSV, who may see it, and never a full IP address."""

from __future__ import annotations

import csv
import datetime
import io
import re
from typing import Any
from urllib.parse import urlencode

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.builders import INTEGRITY_NOW, open_petition, sign
from townhall.accounts.models import User
from townhall.audit.models import AuditEvent
from townhall.core.net import fingerprint
from townhall.core.tokens import link_token
from townhall.integrity.services import SEARCH_PAGE_SIZE, Criteria
from townhall.petitions.models import Petition
from townhall.signatures.models import Signature, SignatureState
from townhall.signatures.services import signature_withdraw

pytestmark = pytest.mark.django_db

URL = "/staff/signatures/"
CSV_URL = "/staff/signatures.csv"
FULL_IP = re.compile(r"\b(?:198\.51\.100|203\.0\.113)\.(?!0\b)\d{1,3}\b")


@pytest.fixture
def petition(scheme: Any, moderator: User) -> Petition:
    with time_machine.travel(INTEGRITY_NOW - datetime.timedelta(days=1), tick=False):
        return open_petition(moderator=moderator, action="Fix the =HYPERLINK lights")


@pytest.fixture
def signatures(petition: Petition, settings: Any) -> dict[str, Signature]:
    """Seven signers in different states, places and networks, each named for what sets them apart."""
    settings.TOWNHALL = {**settings.TOWNHALL, "SIGN_RATE_NETWORK": (100, 60), "SIGN_RATE_BURST": (100, 60)}
    with time_machine.travel(INTEGRITY_NOW, tick=False):
        made = {
            "gmail": sign(petition, name="Jane Smith", email="jsmith@gmail.com", ip="198.51.100.7", postcode="KM1 1AA"),
            "pending": sign(petition, name="Paul Pending", email="paul@example.org", ip="203.0.113.5", confirm=False),
            "other": sign(
                petition, name="Olive Other", email="olive@example.org", ip="203.0.113.9", postcode="KM2 2AB"
            ),
            "formula": sign(petition, name="Frank Formula", email="=cmd@example.org", ip="192.0.2.1"),
        }
    with time_machine.travel(INTEGRITY_NOW + datetime.timedelta(days=2), tick=False):
        made["late"] = sign(petition, name="Laura Late", email="laura@example.org", ip="192.0.2.2")
    Signature.objects.filter(pk=made["formula"].pk).update(name="=HYPERLINK(1)")
    with time_machine.travel(INTEGRITY_NOW, tick=False):
        withdrawn = sign(petition, name="Wendy Withdrawn", email="wendy@example.org", ip="192.0.2.3")
        signature_withdraw(signature_id=withdrawn.pk, token=link_token(withdrawn.token, "withdraw"))
        fraud = sign(petition, name="Fred Fraud", email="fred@example.org", ip="192.0.2.4")
    made["withdrawn"] = withdrawn
    Signature.objects.filter(pk=fraud.pk).update(state=SignatureState.FRAUDULENT, fraud_reason="rate_network")
    made["fraud"] = fraud
    Signature.objects.filter(pk=made["other"].pk).update(hold_reason="rate_network")
    return made


@pytest.fixture
def admin_client(client: Client, administrator: User) -> Client:
    client.force_login(administrator)
    return client


def _names(client: Client, **query: Any) -> list[str]:
    response = client.get(URL, query)
    assert response.status_code == 200, response.content.decode()[:2000]
    page = response.context["page"]
    return sorted(signature.name for signature in page.object_list) if page is not None else []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"name": "smith"}, ["Jane Smith"]),
        ({"name": "WITHDRAWN"}, ["Wendy Withdrawn"]),
        # Typed with dots, a +tag and the other Gmail domain: the same mailbox.
        ({"email": "J.Smith+petitions@GoogleMail.com"}, ["Jane Smith"]),
        ({"postcode": "km1"}, ["Jane Smith"]),
        ({"postcode": "KM2 2AB"}, ["Olive Other"]),
        ({"state": "pending"}, ["Paul Pending"]),
        ({"state": "withdrawn"}, ["Wendy Withdrawn"]),
        ({"state": "fraudulent"}, ["Fred Fraud"]),
        ({"state": "invalidated"}, []),
        ({"cidr": "203.0.113.0/24"}, ["Olive Other", "Paul Pending"]),
        ({"ip_hash": fingerprint("198.51.100.7").ip_hash}, ["Jane Smith"]),
        ({"held": "only"}, ["Olive Other"]),
        ({"hold_reason": "rate_network"}, ["Olive Other"]),
        ({"fraud_reason": "rate_network"}, ["Fred Fraud"]),
        ({"since": "2026-05-05", "name": "la"}, ["Laura Late"]),
        ({"until": "2026-05-05", "name": "l"}, ["=HYPERLINK(1)", "Olive Other", "Paul Pending"]),
    ],
)
def test_each_criterion_selects_exactly_its_signatures(
    admin_client: Client, signatures: dict[str, Signature], query: dict[str, str], expected: list[str]
) -> None:
    assert _names(admin_client, **query) == expected


def test_the_petition_number_selects_its_signatures(
    admin_client: Client, signatures: dict[str, Signature], petition: Petition
) -> None:
    assert len(_names(admin_client, petition_id=petition.pk)) == Signature.objects.filter(petition=petition).count()
    assert _names(admin_client, petition_id=petition.pk + 1000) == []


def test_an_ip_typed_as_text_is_searched_by_its_hash_and_never_kept(
    admin_client: Client, signatures: dict[str, Signature]
) -> None:
    response = admin_client.get(URL, {"ip": "198.51.100.7"})
    assert response.status_code == 302
    assert "198.51.100" not in response["Location"]
    assert fingerprint("198.51.100.7").ip_hash in response["Location"]
    followed = admin_client.get(response["Location"])
    assert [s.name for s in followed.context["page"].object_list] == ["Jane Smith"]


def test_a_trend_alerts_link_is_read_whole(admin_client: Client, signatures: dict[str, Signature]) -> None:
    query = Criteria(cidr="203.0.113.0/24", held="only", since="2026-05-04 00:00").as_query()
    response = admin_client.get(f"{URL}?{query}")
    assert [s.name for s in response.context["page"].object_list] == ["Olive Other"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email", "not an address"),
        ("state", "lost"),
        ("postcode", "12345"),
        ("cidr", "203.0.113.7/30"),
        ("ip", "nope"),
        ("ip_hash", "xyz"),
        ("since", "yesterday"),
        ("until", "tomorrow"),
        ("name", "x" * 101),
        ("area", "NOWHERE"),
        ("sort", "password"),
    ],
)
def test_a_bad_value_is_refused_on_its_field_and_nothing_is_listed(
    admin_client: Client, signatures: dict[str, Signature], field: str, value: str
) -> None:
    response = admin_client.get(URL, {field: value, "name": "a"} if field != "name" else {field: value})
    assert response.status_code == 400
    assert response.context["page"] is None
    assert response.context["form"].errors[field]
    assert "<table" not in response.content.decode()


def test_an_empty_form_shows_the_form_and_no_results(admin_client: Client, signatures: dict[str, Signature]) -> None:
    response = admin_client.get(URL)
    assert response.status_code == 200
    assert response.context["page"] is None
    assert 'name="email"' in response.content.decode()
    assert 'autocomplete="off"' in response.content.decode()


def test_pages_of_fifty_sorted_newest_first_or_as_asked(admin_client: Client, petition: Petition) -> None:
    when = INTEGRITY_NOW
    Signature.objects.bulk_create(
        Signature(
            petition=petition,
            petition_version=petition.versions.first(),
            name=f"Bulk {n:03d}",
            email=f"bulk{n}@example.org",
            email_canonical=f"bulk{n}@example.org",
            postcode="KM1 1AA",
            token="t",
            created_at=when + datetime.timedelta(minutes=n),
            link_expires_at=when + datetime.timedelta(days=30),
        )
        for n in range(SEARCH_PAGE_SIZE + 5)
    )
    first = admin_client.get(URL, {"name": "bulk"})
    assert first.context["page"].paginator.count == SEARCH_PAGE_SIZE + 5
    names = [s.name for s in first.context["page"].object_list]
    assert len(names) == SEARCH_PAGE_SIZE
    assert names[0] == f"Bulk {SEARCH_PAGE_SIZE + 4:03d}"
    second = admin_client.get(URL, {"name": "bulk", "page": "2"})
    assert len(second.context["page"].object_list) == 5
    by_name = admin_client.get(URL, {"name": "bulk", "sort": "name"})
    assert [s.name for s in by_name.context["page"].object_list][:2] == ["Bulk 000", "Bulk 001"]
    assert "sort=name" in by_name.content.decode()


def test_the_page_makes_the_same_queries_whatever_the_number_of_rows(
    admin_client: Client, signatures: dict[str, Signature]
) -> None:
    admin_client.get(URL, {"name": "jane"})  # warm the session and caches
    with CaptureQueriesContext(connection) as one:
        assert admin_client.get(URL, {"name": "jane"}).status_code == 200
    with CaptureQueriesContext(connection) as many:
        assert admin_client.get(URL, {"name": "e"}).status_code == 200
    assert len(many.captured_queries) == len(one.captured_queries) <= 8


def test_administrators_download_every_match_as_csv_audited_and_safe(
    admin_client: Client, signatures: dict[str, Signature], administrator: User
) -> None:
    response = admin_client.get(CSV_URL, {"name": "hyperlink"})
    body = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][:3] == ["petition", "petition_action", "name"]
    names = {row[2] for row in rows[1:]}
    assert names == {"'=HYPERLINK(1)"}
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    assert not FULL_IP.search(body)
    event = AuditEvent.objects.get(action="signatures.search_exported")
    assert event.actor == administrator
    assert event.data["rows"] == 1
    assert event.data["criteria"] == {"name": "hyperlink"}


def test_an_exported_ip_is_audited_only_as_its_hash(admin_client: Client, signatures: dict[str, Signature]) -> None:
    response = admin_client.get(CSV_URL, {"ip": "198.51.100.7"})
    assert "jsmith@gmail.com" in b"".join(response.streaming_content).decode()
    event = AuditEvent.objects.get(action="signatures.search_exported")
    assert event.data["criteria"] == {"ip_hash": fingerprint("198.51.100.7").ip_hash}


def test_moderators_search_but_get_no_csv(client: Client, moderator: User, signatures: dict[str, Signature]) -> None:
    client.force_login(moderator)
    response = client.get(URL, {"name": "smith"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "signatures.csv" not in page
    assert "/integrity/invalidate/" not in page
    assert client.get(CSV_URL, {"name": "smith"}).status_code == 403
    assert not AuditEvent.objects.filter(action="signatures.search_exported").exists()


def test_administrators_get_the_csv_and_invalidation_links_with_the_criteria(
    admin_client: Client, signatures: dict[str, Signature]
) -> None:
    page = admin_client.get(URL, {"name": "smith", "state": "verified"}).content.decode()
    query = urlencode([("state", "verified"), ("name", "smith")]).replace("&", "&amp;")
    assert f"/integrity/invalidate/?{query}" in page
    assert f"/staff/signatures.csv?{query}" in page


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 302), ("responder", 403), ("clerk", 403), ("moderator", 200), ("administrator", 200)],
)
def test_who_may_search(client: Client, request: pytest.FixtureRequest, scheme: Any, who: str, status: int) -> None:
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    response = client.get(URL, {"name": "x"})
    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith("/staff/login/")


def test_no_full_ip_address_is_shown(admin_client: Client, signatures: dict[str, Signature]) -> None:
    page = admin_client.get(URL, {"name": "e"}).content.decode()
    assert "198.51.100.0/24" in page
    assert not FULL_IP.search(page)


def test_the_staff_home_and_the_overview_link_here(admin_client: Client, client: Client, moderator: User) -> None:
    assert URL in admin_client.get("/integrity/").content.decode()
    assert URL in admin_client.get("/staff/").content.decode()
