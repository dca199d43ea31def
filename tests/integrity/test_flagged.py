"""Signatures the fraud controls flagged and let count (a disposable domain or a privacy relay
under the policy "flag"): a criterion that selects them by why they were marked, and the
section of the integrity overview that shows them, with links that select exactly them."""

from __future__ import annotations

import datetime
import html
import re
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.http import QueryDict
from django.test import Client

from tests.builders import INTEGRITY_NOW, attempt_signature, open_petition
from townhall.accounts.models import User
from townhall.core.errors import DomainError
from townhall.integrity.services import Criteria, flagged_groups, signatures_matching
from townhall.lists.selectors import forget_lists
from townhall.petitions.models import Petition
from townhall.signatures.fraud import HOLD_ADDRESS_BURST, HOLD_DISPOSABLE, HOLD_RELAY
from townhall.signatures.models import Signature
from townhall.signatures.services import signature_confirm

pytestmark = pytest.mark.django_db

NOW = INTEGRITY_NOW
PAGE = "/integrity/invalidate/"


@dataclass(frozen=True)
class World:
    petition: Petition
    other: Petition
    disposable: list[Signature]  # flagged this week: 3, two confirmed
    relay: list[Signature]  # flagged this week: 2, one confirmed
    old: list[Signature]  # flagged eight days ago
    held: list[Signature]  # a relay address held (policy "hold" that day)
    ordinary: list[Signature]
    elsewhere: list[Signature]  # flagged this week on the other petition


_people = iter(range(1, 10_000))


def _sign(petition: Petition, email: str, *, at: datetime.datetime, confirm: bool = False) -> Signature:
    n = next(_people)
    with time_machine.travel(at, tick=False):
        outcome = attempt_signature(petition, n, email=email.format(n=n), ip=f"10.{n}.0.1")
    signature = Signature.objects.get(pk=outcome.signature_id)
    if confirm:
        with time_machine.travel(at + datetime.timedelta(minutes=20), tick=False):
            signature_confirm(signature_id=signature.pk, token=signature.token)
    return signature


@pytest.fixture
def world(scheme: Any, moderator: User, settings: Any) -> World:
    forget_lists()
    with time_machine.travel(NOW - datetime.timedelta(days=10), tick=False):
        petition = open_petition(moderator=moderator)
        other = open_petition(moderator=moderator, action="Keep the library open on Sundays")
    day_ago, days_ago = NOW - datetime.timedelta(days=1), NOW - datetime.timedelta(days=2)
    disposable = [
        _sign(petition, "p{n}@mailinator.com", at=day_ago, confirm=True),
        _sign(petition, "p{n}@mailinator.com", at=day_ago, confirm=True),
        _sign(petition, "p{n}@yopmail.com", at=day_ago),
    ]
    relay = [
        _sign(petition, "p{n}@privaterelay.appleid.com", at=days_ago, confirm=True),
        _sign(petition, "p{n}@ann.anonaddy.me", at=days_ago),
    ]
    old = [_sign(petition, "p{n}@duck.com", at=NOW - datetime.timedelta(days=8), confirm=True)]
    ordinary = [_sign(petition, "p{n}@example.org", at=day_ago, confirm=True)]
    elsewhere = [_sign(other, "p{n}@mozmail.com", at=day_ago, confirm=True)]
    settings.TOWNHALL = {**settings.TOWNHALL, "RELAY_EMAIL_POLICY": "hold"}
    held = [_sign(petition, "p{n}@duck.com", at=day_ago, confirm=True)]
    world = World(petition, other, disposable, relay, old, held, ordinary, elsewhere)
    reasons = dict(Signature.objects.values_list("pk", "fraud_reason"))
    assert {reasons[s.pk] for s in disposable} == {HOLD_DISPOSABLE}
    assert {reasons[s.pk] for s in relay + old + held + elsewhere} == {HOLD_RELAY}
    assert {s.hold_reason for s in held} == {HOLD_RELAY}
    return world


def _pks(signatures: list[Signature]) -> set[int]:
    return {signature.pk for signature in signatures}


def matching(**criteria: Any) -> set[int]:
    return set(signatures_matching(Criteria(**criteria)).values_list("pk", flat=True))


# --- The criterion -------------------------------------------------------------------------------


def test_fraud_reason_selects_what_each_rule_marked_held_or_not(world: World) -> None:
    relays = _pks(world.relay + world.old + world.held + world.elsewhere)
    assert matching(fraud_reason=(HOLD_RELAY,)) == relays
    assert matching(fraud_reason=(HOLD_DISPOSABLE,)) == _pks(world.disposable)
    assert matching(fraud_reason=(HOLD_DISPOSABLE, HOLD_RELAY)) == _pks(world.disposable) | relays
    assert matching(fraud_reason=(HOLD_RELAY,), held="not", petition_id=world.petition.pk) == _pks(
        world.relay + world.old
    )
    assert matching(fraud_reason=(HOLD_ADDRESS_BURST,)) == set()


@pytest.mark.parametrize("reasons", [("address_cap",), ("blocked_email",), (HOLD_RELAY, "nonsense")])
def test_an_unknown_fraud_reason_is_refused_with_the_reasons_there_are(reasons: tuple[str, ...]) -> None:
    with pytest.raises(DomainError) as excinfo:
        signatures_matching(Criteria(fraud_reason=reasons))
    assert excinfo.value.code == "criteria_fraud_reason"
    assert "Choose why the fraud controls marked the signatures from the list:" in excinfo.value.message
    assert "A privacy relay address" in excinfo.value.message


def test_fraud_reason_round_trips_through_a_query_string_and_storage() -> None:
    criteria = Criteria(petition_id=3, held="not", fraud_reason=(HOLD_DISPOSABLE, HOLD_RELAY), since="2026-05-01")
    assert Criteria.from_query(QueryDict(criteria.as_query())) == criteria
    assert Criteria.from_dict(criteria.as_dict()) == criteria
    assert criteria.as_dict()["fraud_reason"] == [HOLD_DISPOSABLE, HOLD_RELAY]  # JSON
    repeated = f"fraud_reason={HOLD_RELAY}&fraud_reason=+{HOLD_RELAY}+&fraud_reason="
    assert Criteria.from_query(QueryDict(repeated)) == Criteria(fraud_reason=(HOLD_RELAY,))


def test_the_form_refuses_an_unknown_fraud_reason_on_its_field(client: Client, administrator: User) -> None:
    client.force_login(administrator)
    response = client.get(PAGE, {"petition_id": "1", "fraud_reason": "nonsense"})
    assert response.status_code == 400
    assert response.context["form"].errors["fraud_reason"]


# --- The overview --------------------------------------------------------------------------------


def test_flagged_groups_count_each_petition_through_its_own_selection(world: World) -> None:
    groups, total = flagged_groups(now=NOW)
    assert total == 2
    first, second = groups
    assert (first.petition_id, first.disposable, first.relay, first.total, first.confirmed) == (
        world.petition.pk,
        3,
        2,
        5,
        3,
    )
    assert (second.petition_id, second.total) == (world.other.pk, 1)
    assert set(signatures_matching(first.criteria).values_list("pk", flat=True)) == _pks(world.disposable + world.relay)
    assert set(signatures_matching(second.criteria).values_list("pk", flat=True)) == _pks(world.elsewhere)
    assert flagged_groups(now=NOW, limit=1) == (groups[:1], 2)
    # A week later, nothing of these is recent.
    assert flagged_groups(now=NOW + datetime.timedelta(days=9)) == ([], 0)


def _links(page: str, label: str) -> list[str]:
    return [html.unescape(href) for href in re.findall(rf'<a href="([^"]+)"[^>]*>{re.escape(label)}</a>', page)]


def test_the_overview_shows_flagged_signatures_with_links_that_select_exactly_them(
    world: World, client: Client, administrator: User
) -> None:
    with time_machine.travel(NOW, tick=False):
        client.force_login(administrator)
        page = client.get("/integrity/").content.decode()
        assert "Counted with a flag" in page
        section = page[page.index("Counted with a flag") :].split("<h2>")[0]
        [row] = [row for row in re.findall(r"<tr>.*?</tr>", section, re.DOTALL) if world.petition.action in row]
        cells = [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL)]
        assert cells[1:5] == ["3", "2", "5", "3"]  # disposable, relay, in all, confirmed
        links = [link for link in _links(section, "See these signatures…") if "fraud_reason" in link]
        assert len(links) == 2
        [link] = [link for link in links if f"petition_id={world.petition.pk}&" in link]
        preview = client.get(link)
        assert preview.status_code == 200
        assert "5 signatures match." in preview.content.decode()
        followed = Criteria.from_query(QueryDict(link.partition("?")[2]))
        assert set(signatures_matching(followed).values_list("pk", flat=True)) == _pks(world.disposable + world.relay)


def test_the_overview_says_when_nothing_is_flagged(client: Client, administrator: User) -> None:
    client.force_login(administrator)
    page = client.get("/integrity/").content.decode()
    assert "No signature of the last 7 days is flagged." in page
