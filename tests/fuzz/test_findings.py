"""What the fuzz drill found, one rule each: a NUL byte is refused before any view runs,
numbers in the address are ASCII digits only, feeds hold only what XML can, and CSV
cells never start a formula."""

from __future__ import annotations

import csv
import io
from typing import Any
from xml.etree import ElementTree

import pytest
from django.test import Client

from tests.builders import open_petition
from townhall.accounts.models import User
from townhall.core.http import whole_number
from townhall.moderation.models import ModerationNote, SecondOpinion
from townhall.petitions.models import Petition
from townhall.signatures.models import Signature

pytestmark = pytest.mark.django_db

# What XML cannot hold, but a database can (PostgreSQL cannot store NUL, refused on the way in).
CONTROLS = "".join(chr(c) for c in range(1, 32) if chr(c) not in "\t\n\r") + "\x7f\x85\x9f"


@pytest.fixture
def petition(scheme: Any, moderator: User) -> Petition:
    return open_petition(moderator=moderator)


@pytest.mark.parametrize("address", ["/questions/?official=%00", "/petitions/?q=a%00b", "/api/v1/petitions?q=%00"])
def test_a_nul_byte_in_the_query_is_refused_with_a_400(client: Client, address: str) -> None:
    response = client.get(address)
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


def test_a_nul_byte_in_a_form_is_a_field_error_and_nothing_is_signed(client: Client, petition: Petition) -> None:
    before = Signature.objects.count()
    response = client.post(
        f"/petitions/{petition.pk}/sign/",
        {"name": "Ann\x00 Example", "email": "ann@example.org", "postcode": "KM3 3DE", "uk_resident": "on"},
    )
    assert response.status_code == 400
    assert "hidden characters" in response.content.decode()
    assert Signature.objects.count() == before


def test_a_nul_byte_in_the_staff_sign_in_is_a_form_error(client: Client, superuser: User) -> None:
    response = client.post("/staff/login/", {"username": "root\x00", "password": "x"})
    assert response.status_code in (200, 400)
    assert "_auth_user_id" not in client.session


def test_a_nul_byte_in_the_path_is_refused(client: Client) -> None:
    assert client.get("/signatures/1/confirm/abc%00def/").status_code == 400


def test_only_ascii_digits_choose_a_meeting(client: Client, scheme: Any) -> None:
    assert client.get("/questions/ask/?meeting=%C2%B2").status_code == 200  # ²
    assert client.get("/questions/ask/?meeting=%D9%A3").status_code == 200  # ٣: not meeting 3
    assert client.get("/questions/ask/?meeting=3")["Location"] == "/meetings/3/questions/ask/"


@pytest.mark.parametrize("page", ["%D9%A3", "%C2%B2", "+3", "3_0", "%EF%BC%92"])
def test_a_page_number_is_ascii_digits_only(client: Client, scheme: Any, page: str) -> None:
    assert client.get(f"/petitions/?page={page}").status_code == 200
    response = client.get(f"/petitions.json?page={page}")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_page"


def test_the_petitions_feed_drops_what_xml_cannot_hold(client: Client, petition: Petition) -> None:
    Petition.objects.filter(pk=petition.pk).update(
        action=f"Fix{CONTROLS} the lights", background=f"Dark{CONTROLS}\tat\nnight"
    )
    response = client.get("/feeds/petitions.atom")
    assert response.status_code == 200
    feed = ElementTree.fromstring(response.content)  # noqa: S314 (our own feed, in a test)
    atom = "{http://www.w3.org/2005/Atom}"
    entry = feed.find(f"{atom}entry")
    assert entry is not None
    assert entry.findtext(f"{atom}title") == "Fix the lights"
    assert entry.findtext(f"{atom}summary") == "Dark\tat\nnight"


def test_the_petitions_csv_never_starts_a_formula(client: Client, petition: Petition) -> None:
    Petition.objects.filter(pk=petition.pk).update(action='=HYPERLINK("http://evil")', decision_maker="@SUM(A1)")
    response = client.get("/petitions.csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0]["action"] == '\'=HYPERLINK("http://evil")'
    assert rows[0]["decision_maker"] == "'@SUM(A1)"


@pytest.mark.parametrize(
    ("raw", "number"),
    [("12", 12), ("0", 0), ("²", None), ("٣", None), ("１", None), ("+3", None), (" 3", None), ("", None)],
)
def test_whole_number_takes_ascii_digits_only(raw: str, number: int | None) -> None:
    assert whole_number(raw) == number


@pytest.mark.parametrize(
    "address",
    ["/petitions/{pk}/sign/", "/petitions/{pk}/contact/"],
    ids=["sign", "contact"],
)
def test_an_email_longer_than_254_characters_is_a_form_error(client: Client, petition: Petition, address: str) -> None:
    data = {
        "name": "Ann Example",
        "email": "a" * 250 + "@example.org",
        "postcode": "KM3 3DE",
        "uk_resident": "on",
        "action": "Plant more trees",
        "background": "No shade.",
        "message": "Hello",
    }
    response = client.post(address.format(pk=petition.pk), data)
    assert response.status_code == 400
    assert "254" in response.content.decode()


@pytest.mark.parametrize(("address", "field"), [("notes", "body"), ("second-opinion", "reason")])
def test_a_nul_byte_in_a_staff_note_is_refused(
    client: Client, superuser: User, petition: Petition, address: str, field: str
) -> None:
    client.force_login(superuser)
    before = (ModerationNote.objects.count(), SecondOpinion.objects.count())
    response = client.post(f"/moderation/{petition.pk}/{address}/", {field: "a\x00b"}, follow=True)
    assert response.status_code == 200  # back on the petition, with the refusal as a message
    assert "NUL" in response.content.decode()
    assert (ModerationNote.objects.count(), SecondOpinion.objects.count()) == before
