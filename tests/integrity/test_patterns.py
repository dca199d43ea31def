"""Email and name patterns in the invalidation tools: `#` is one or more digits, `*` anything;
a name pattern ignores case and spacing. The shape of an address or a name (what the
templated-signing alert groups by) selects, as a pattern, exactly the values of that shape,
on SQLite and PostgreSQL alike."""

from __future__ import annotations

import re
import sys
from typing import Any

import pytest
from django.http import QueryDict
from django.test import Client
from django.utils import timezone

from tests.builders import open_petition
from townhall.accounts.models import User
from townhall.core.errors import DomainError
from townhall.integrity.rules import (
    email_pattern_regex,
    email_shape,
    fold_letter,
    letter_variants,
    name_key,
    name_pattern_regex,
    name_shape,
)
from townhall.integrity.services import Criteria, signatures_matching
from townhall.petitions.models import Petition
from townhall.signatures.models import Signature, SignatureState

pytestmark = pytest.mark.django_db

EMAILS = [
    "voter1@example.net",
    "voter17@example.net",
    "voter2024@example.net",
    "voter@example.net",  # no digits: no shape
    "voter1a@example.net",  # voter#a@example.net
    "avoter1@example.net",
    "voter1@example.org",  # another domain, another shape
    "voter1@mail2.example.net",  # digits in the domain stay as they are
    "12345@example.net",
    "7@example.net",
    "1voter2@example.net",
    "voter#1@example.net",  # a literal # cannot be spelt by a pattern: no shape
    "voter*1@example.net",
    "voter.1@example.net",
    "voterx1@example.net",
]
NAMES = [
    "Test User 12",
    "TEST  user 7",
    "test user 2024",
    "Test User",  # no digits: no shape
    "Test User 12b",
    "Test Users 1",
    "Test\u00a0User 3",  # a no-break space is spacing too
    "Zoë Test 4",
    "ZOË TEST 5",
    "Straße 1",
    "STRASSE 1",  # "ß" is not folded into "ss": another shape
    "\u212aelvin 1",  # the Kelvin sign is not the letter K
    "Kelvin 2",
    "İlker 3",
    "ilker 4",
    "Σίσυφος 1",
    "σίσυφος 2",
    "Agent 007",
    "Agent #7",  # a literal # cannot be spelt: no shape
    "R2 D2",
    "r22 d2",
]


@pytest.fixture
def petition(scheme: Any, moderator: Any) -> Petition:
    return open_petition(moderator=moderator)


def _store(petition: Petition, values: list[tuple[str, str]]) -> dict[int, tuple[str, str]]:
    now = timezone.now()
    rows = Signature.objects.bulk_create(
        Signature(
            petition=petition,
            petition_version_id=petition.current_version_id,
            name=name,
            email=email,
            email_canonical=email,
            postcode="KM1 1AA",
            token="t",
            state=SignatureState.VERIFIED,
            created_at=now,
            verified_at=now,
            link_expires_at=now,
            email_pending=False,
        )
        for name, email in values
    )
    return {row.pk: (row.name, row.email_canonical) for row in rows}


def _selected(criteria: Criteria) -> set[int]:
    return set(signatures_matching(criteria).values_list("pk", flat=True))


def test_each_shape_as_a_pattern_selects_exactly_the_values_of_that_shape(petition: Petition) -> None:
    stored = _store(petition, [(f"Person {chr(65 + i)}", email) for i, email in enumerate(EMAILS)])
    stored |= _store(petition, [(name, f"person.{chr(97 + i)}@example.com") for i, name in enumerate(NAMES)])
    email_shapes = {shape for _, email in stored.values() if (shape := email_shape(email))}
    name_shapes = {shape for name, _ in stored.values() if (shape := name_shape(name))}
    assert "voter#@example.net" in email_shapes
    assert {"test user #", "zoë test #", "straße #", "strasse #", "\u212aelvin #", "kelvin #"} <= name_shapes
    for shape in email_shapes:
        expected = {pk for pk, (_, email) in stored.items() if email_shape(email) == shape}
        assert _selected(Criteria(petition_id=petition.pk, email_pattern=shape)) == expected, shape
    for shape in name_shapes:
        expected = {pk for pk, (name, _) in stored.items() if name_shape(name) == shape}
        assert _selected(Criteria(petition_id=petition.pk, name_pattern=shape)) == expected, shape


def test_patterns_match_whole_values_with_hash_for_digits_and_star_for_anything(petition: Petition) -> None:
    stored = _store(petition, [(name, email) for name, email in zip(NAMES, EMAILS, strict=False)])
    by_email = {email: pk for pk, (_, email) in stored.items()}
    by_name = {name: pk for pk, (name, _) in stored.items()}

    def emails(pattern: str) -> set[str]:
        chosen = _selected(Criteria(petition_id=petition.pk, email_pattern=pattern))
        return {email for email, pk in by_email.items() if pk in chosen}

    def names(pattern: str) -> set[str]:
        chosen = _selected(Criteria(petition_id=petition.pk, name_pattern=pattern))
        return {name for name, pk in by_name.items() if pk in chosen}

    assert emails("voter#@example.net") == {"voter1@example.net", "voter17@example.net", "voter2024@example.net"}
    assert emails("VOTER#@EXAMPLE.NET") == emails("voter#@example.net")  # addresses are kept in lower case
    assert emails("voter#*@example.net") == {
        "voter1@example.net",
        "voter17@example.net",
        "voter2024@example.net",
        "voter1a@example.net",
    }
    assert emails("#@example.net") == {"12345@example.net", "7@example.net"}
    assert emails("voter#1@example.net") == set()  # # is a run of digits, never the character itself
    assert names("  test   USER # ") == {"Test User 12", "TEST  user 7", "test user 2024", "Test\u00a0User 3"}
    assert names("test user *") == names("test user #") | {"Test User 12b"}
    assert names("zoë test #") == {"Zoë Test 4", "ZOË TEST 5"}


@pytest.mark.parametrize(
    ("criteria", "code"),
    [
        (Criteria(email_pattern="voter##@example.net"), "criteria_email_pattern"),
        (Criteria(email_pattern="voter #@example.net"), "criteria_email_pattern"),
        (Criteria(email_pattern="voter\u200b#@example.net"), "criteria_email_pattern"),
        (Criteria(email_pattern="v" * 250 + "@x.net"), "criteria_email_pattern"),
        (Criteria(name_pattern="test user ##"), "criteria_name_pattern"),
        (Criteria(name_pattern="test\x00user"), "criteria_name_pattern"),
        (Criteria(name_pattern="test\u202euser #"), "criteria_name_pattern"),
        (Criteria(name_pattern="   "), "criteria_name_pattern"),
        (Criteria(name_pattern="n" * 101), "criteria_name_pattern"),
    ],
)
def test_a_malformed_pattern_is_refused_with_a_reason(criteria: Criteria, code: str) -> None:
    with pytest.raises(DomainError) as excinfo:
        signatures_matching(criteria)
    assert excinfo.value.code == code
    assert str(excinfo.value)


def test_patterns_round_trip_through_a_link_and_storage() -> None:
    criteria = Criteria(
        petition_id=4,
        email_pattern="voter#@example.net",
        name_pattern="test user #",
        since="2026-06-01T09:00:00+00:00",
        until="2026-06-01T09:15:00+00:00",
    )
    query = criteria.as_query()
    assert "email_pattern=voter%23%40example.net" in query
    assert "name_pattern=test+user+%23" in query
    assert Criteria.from_query(QueryDict(query)) == criteria
    assert Criteria.from_dict(criteria.as_dict()) == criteria


def test_the_form_takes_a_name_pattern_from_a_link_and_shows_a_refusal_on_its_field(
    petition: Petition, client: Client, administrator: User
) -> None:
    _store(petition, [("Test User 1", "a1@example.net"), ("Test User 22", "b@example.net"), ("Ann", "c@x.net")])
    client.force_login(administrator)
    page = client.get("/integrity/invalidate/", {"petition_id": petition.pk, "name_pattern": "test user #"})
    assert page.status_code == 200
    assert page.context["preview"] == 2
    assert page.context["form"]["name_pattern"].value() == "test user #"
    refused = client.get("/integrity/invalidate/", {"petition_id": petition.pk, "name_pattern": "user ##"})
    assert refused.status_code == 400
    assert "name_pattern" in refused.context["form"].errors
    refused = client.get("/integrity/invalidate/", {"petition_id": petition.pk, "email_pattern": "a b@x.net"})
    assert "email_pattern" in refused.context["form"].errors


def test_folding_is_one_letter_to_one_and_every_letter_is_in_its_own_class() -> None:
    # Over every character: folding twice is folding once, and the class a pattern letter
    # becomes in the database holds every character that folds to it (and only those).
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        folded = fold_letter(char)
        assert len(folded) == 1
        assert fold_letter(folded) == folded, hex(code)
        assert char in letter_variants(folded), hex(code)
    assert name_key("  Ann \t SMITH\u3000 ") == "ann smith"


@pytest.mark.parametrize("name", NAMES)
def test_a_name_matches_the_pattern_of_its_own_shape_in_python_too(name: str) -> None:
    shape = name_shape(name)
    if shape is not None:
        assert re.search(name_pattern_regex(shape), name)
        assert not re.search(name_pattern_regex(shape), name + "x")


@pytest.mark.parametrize("email", EMAILS)
def test_an_address_matches_the_pattern_of_its_own_shape_in_python_too(email: str) -> None:
    shape = email_shape(email)
    if shape is not None:
        assert re.search(email_pattern_regex(shape), email)
