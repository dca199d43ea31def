"""Staff tools for held signatures: criteria that name every selector an alert may name,
release and rejection in bulk through the invalidation machinery, a preview from a link,
and the held groups on the integrity overview."""

from __future__ import annotations

import datetime
import html
import re
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.http import QueryDict
from django.test import Client

from tests.builders import INTEGRITY_NOW, attempt_signature, counted, open_petition
from townhall.accounts.models import User
from townhall.audit.models import AuditEvent
from townhall.core.errors import DomainError, PermissionDeniedError
from townhall.core.net import fingerprint
from townhall.integrity.models import Invalidation, InvalidationAction, InvalidationState
from townhall.integrity.services import (
    HOLD_REASONS,
    Criteria,
    invalidation_preview,
    invalidation_request,
    rejection_request,
    release_request,
    signatures_matching,
)
from townhall.lists.selectors import forget_lists
from townhall.petitions.models import Petition
from townhall.signatures import fraud
from townhall.signatures.fraud import HOLD_ADDRESS_BURST, HOLD_ADDRESS_SUSTAINED, HOLD_DISPOSABLE, HOLD_NETWORK
from townhall.signatures.models import Signature, SignatureState
from townhall.signatures.services import signature_confirm, signature_count_new

pytestmark = pytest.mark.django_db

OFFICE = "203.0.113.7"
CAMPUS = "198.51.100.9"
PAGE = "/integrity/invalidate/"


@pytest.fixture(autouse=True)
def _tight_limits(settings: Any) -> None:
    """Three a minute from one address: every fourth signature from one address holds itself
    and the three before it. Disposable domains are held."""
    forget_lists()
    settings.TOWNHALL = {
        **settings.TOWNHALL,
        "SIGN_RATE_BURST": (3, 60),
        "HOLD_FAST_CONFIRM_SECONDS": 60,
        "DISPOSABLE_EMAIL_POLICY": "hold",
    }


@dataclass(frozen=True)
class World:
    petition: Petition
    office: list[Signature]  # 8 held from one address: 6 confirmed (some quickly), 2 not yet
    campus: list[Signature]  # 4 held from another address, confirmed after ten minutes
    throwaway: list[Signature]  # 2 held for a disposable domain, one confirmed
    ordinary: list[Signature]  # 3 from their own networks, never held, confirmed

    @property
    def held(self) -> list[Signature]:
        return self.office + self.campus + self.throwaway


def _signs(petition: Petition, people: range, *, at: datetime.datetime, ip: str, domain: str = "") -> list[Signature]:
    """People sign a second apart (each from `ip`, or from their own network without one)."""
    signatures = []
    for n in people:
        with time_machine.travel(at + datetime.timedelta(seconds=n - people.start), tick=False):
            outcome = attempt_signature(
                petition,
                n,
                ip=ip or f"192.0.{n % 250}.{n % 200 + 1}",
                email=f"person{n}@{domain}" if domain else None,
            )
        signatures.append(Signature.objects.get(pk=outcome.signature_id))
    return signatures


def _confirm_after(signatures: list[Signature], delays: list[float | None]) -> None:
    """Each confirms `delay` seconds after signing; None leaves it unconfirmed."""
    for signature, delay in zip(signatures, delays, strict=True):
        if delay is None:
            continue
        with time_machine.travel(signature.created_at + datetime.timedelta(seconds=delay), tick=False):
            signature_confirm(signature_id=signature.pk, token=signature.token)


@pytest.fixture
def world(scheme: Any, moderator: User) -> World:
    with time_machine.travel(INTEGRITY_NOW - datetime.timedelta(days=1), tick=False):
        petition = open_petition(moderator=moderator)
        signature_count_new()  # its sponsors
    office = _signs(petition, range(1, 9), at=INTEGRITY_NOW, ip=OFFICE)
    campus = _signs(petition, range(20, 24), at=INTEGRITY_NOW + datetime.timedelta(minutes=5), ip=CAMPUS)
    throwaway = _signs(
        petition, range(40, 42), at=INTEGRITY_NOW + datetime.timedelta(minutes=10), ip="", domain="mailinator.com"
    )
    ordinary = _signs(petition, range(60, 63), at=INTEGRITY_NOW + datetime.timedelta(minutes=15), ip="")
    _confirm_after(office, [5, 20, 59.5, 60, 60.5, 900, None, None])
    _confirm_after(campus, [600] * 4)
    _confirm_after(throwaway, [15, None])
    _confirm_after(ordinary, [10, 100, 1000])
    world = World(petition, office, campus, throwaway, ordinary)
    assert _ids(Signature.objects.exclude(hold_reason="")) == _pks(world.held)
    assert counted(petition) == (3, 6 + 4 + 1)
    return world


def _pks(signatures: list[Signature]) -> set[int]:
    return {signature.pk for signature in signatures}


def _ids(query: Any) -> set[int]:
    return set(query.values_list("pk", flat=True))


def matching(**criteria: Any) -> set[int]:
    return _ids(signatures_matching(Criteria(**criteria)))


def snapshot() -> tuple[Any, ...]:
    """Everything a GET must leave as it was."""
    return (
        sorted(Signature.objects.values_list("pk", "state", "hold_reason", "released_at", "counted_at")),
        Invalidation.objects.count(),
        AuditEvent.objects.count(),
        sorted(Petition.objects.values_list("pk", "signature_count", "awaiting_count")),
    )


def field_errors(response: Any, field: str) -> list[str]:
    return [str(error) for error in response.context["form"].errors.get(field, [])]


# --- The criteria ----------------------------------------------------------------------------


def test_ip_hash_selects_that_address_alone(world: World) -> None:
    office_hash = fingerprint(OFFICE).ip_hash
    assert matching(ip_hash=office_hash) == _pks(world.office)
    assert matching(ip_hash=office_hash) == matching(ip=OFFICE)
    assert matching(ip_hash=f"  {office_hash.upper()} ") == _pks(world.office)
    assert matching(petition_id=world.petition.pk, ip_hash=fingerprint(CAMPUS).ip_hash) == _pks(world.campus)
    assert matching(ip_hash=fingerprint("192.0.2.200").ip_hash) == set()


@pytest.mark.parametrize("value", ["abc", "g" * 32, OFFICE, "a" * 31, "a" * 33, "203.0.113.0/24"])
def test_anything_but_a_stored_address_hash_is_refused(world: World, value: str) -> None:
    with pytest.raises(DomainError) as excinfo:
        signatures_matching(Criteria(ip_hash=value))
    assert excinfo.value.code == "criteria_ip_hash"
    assert "32" in excinfo.value.message


def test_a_stored_network_selects_its_signatures(world: World) -> None:
    assert matching(cidr="203.0.113.0/24") == _pks(world.office)
    assert matching(cidr="198.51.100.0/24", held="only") == _pks(world.campus)


def test_held_is_any_only_held_or_only_not_held(world: World) -> None:
    everyone = _ids(Signature.objects.filter(petition=world.petition))
    sponsors = _ids(Signature.objects.filter(petition=world.petition, is_sponsor=True))
    assert matching(petition_id=world.petition.pk) == everyone
    assert matching(petition_id=world.petition.pk, held="only") == _pks(world.held)
    assert matching(petition_id=world.petition.pk, held="not") == _pks(world.ordinary) | sponsors
    assert matching(held="only") == _pks(world.held)  # held alone is a criterion
    with pytest.raises(DomainError) as excinfo:
        signatures_matching(Criteria(held="maybe"))
    assert excinfo.value.code == "criteria_held"


def test_hold_reason_selects_what_that_rule_held(world: World) -> None:
    rates = _pks(world.office + world.campus)
    assert matching(hold_reason=(HOLD_ADDRESS_BURST,)) == rates
    assert matching(hold_reason=(HOLD_DISPOSABLE,)) == _pks(world.throwaway)
    assert matching(hold_reason=(HOLD_ADDRESS_BURST, HOLD_DISPOSABLE)) == _pks(world.held)
    assert matching(hold_reason=(HOLD_NETWORK,)) == set()
    assert matching(hold_reason=(HOLD_ADDRESS_SUSTAINED,), ip_hash=fingerprint(OFFICE).ip_hash) == set()
    with pytest.raises(DomainError) as excinfo:
        signatures_matching(Criteria(hold_reason=("address_cap",)))
    assert excinfo.value.code == "criteria_hold_reason"


def test_every_hold_reason_of_the_fraud_rules_has_words() -> None:
    reasons = {value for name, value in vars(fraud).items() if name.startswith("HOLD_") and isinstance(value, str)}
    assert reasons == set(HOLD_REASONS)
    assert all(str(words) for words in HOLD_REASONS.values())


def _confirmed_within_is_exact(world: World) -> None:
    """The database's answer is the one Python gives from the stored times, at every bound."""
    rows = Signature.objects.filter(petition=world.petition).values_list("pk", "created_at", "verified_at")
    for seconds in (1, 6, 20, 59, 60, 61, 900, 901, 86_400):
        within = datetime.timedelta(seconds=seconds)
        expected = {pk for pk, created, verified in rows if verified is not None and verified - created < within}
        assert matching(petition_id=world.petition.pk, confirmed_within_seconds=seconds) == expected, seconds
    # Strictly within: 59.5 s counts as within 60, 60 s does not; never-confirmed never does.
    office = world.office
    assert matching(ip_hash=fingerprint(OFFICE).ip_hash, confirmed_within_seconds=60) == _pks(office[:3])
    assert matching(ip_hash=fingerprint(OFFICE).ip_hash, confirmed_within_seconds=61) == _pks(office[:5])
    assert matching(held="only", confirmed_within_seconds=60) == _pks(office[:3] + world.throwaway[:1])


def test_confirmed_within_seconds_selects_exactly_the_quick_ones(world: World) -> None:
    _confirmed_within_is_exact(world)


@pytest.mark.postgres
def test_confirmed_within_seconds_on_postgresql(world: World) -> None:
    assert connection.vendor == "postgresql"
    _confirmed_within_is_exact(world)


@pytest.mark.parametrize("seconds", [0, -5, 86_401, 10**20])
def test_confirmed_within_seconds_out_of_range_is_refused(world: World, seconds: int) -> None:
    with pytest.raises(DomainError) as excinfo:
        signatures_matching(Criteria(confirmed_within_seconds=seconds))
    assert excinfo.value.code == "criteria_confirmed_within"


@pytest.mark.parametrize("raw", ["abc", "-5", "4.5", "4 5", "٣", "²", "0"])
def test_confirmed_within_seconds_from_a_link_must_be_a_whole_number(raw: str) -> None:
    def read_and_match() -> None:
        signatures_matching(Criteria.from_query(QueryDict(f"confirmed_within_seconds={raw}")))

    with pytest.raises(DomainError) as excinfo:
        read_and_match()
    assert excinfo.value.code == "criteria_confirmed_within"


@pytest.mark.parametrize("raw", ["twelve", "99999999999999999999999999999999"])
def test_a_petition_number_that_cannot_be_one_is_refused(raw: str) -> None:
    def read_and_match() -> None:
        signatures_matching(Criteria.from_query(QueryDict(f"petition_id={raw}")))

    with pytest.raises(DomainError) as excinfo:
        read_and_match()
    assert excinfo.value.code == "criteria_petition"


def test_criteria_round_trip_through_a_query_string() -> None:
    criteria = Criteria(
        petition_id=3,
        ip_hash="0123456789abcdef0123456789abcdef",
        cidr="203.0.113.0/24",
        domain="mailinator.com",
        since="2026-06-01T09:00",
        until="2026-06-01 18:00",
        held="only",
        hold_reason=(HOLD_ADDRESS_BURST, HOLD_ADDRESS_SUSTAINED),
        confirmed_within_seconds=45,
    )
    assert Criteria.from_query(QueryDict(criteria.as_query())) == criteria
    assert Criteria.from_query(QueryDict("")) == Criteria()
    assert Criteria().as_query() == ""
    link = "petition_id=3&since=2026-06-01T09:00&held=only&confirmed_within_seconds=45&action=release&page=2"
    assert Criteria.from_query(QueryDict(link)) == Criteria(
        petition_id=3, since="2026-06-01T09:00", held="only", confirmed_within_seconds=45
    )
    # Stored with the invalidation (JSON) and read back the same.
    assert Criteria.from_dict(criteria.as_dict()) == criteria


# --- Release and reject ------------------------------------------------------------------------


def test_release_counts_the_held_confirmed_after_release_and_never_before(
    world: World, administrator: User, django_capture_on_commit_callbacks: Any
) -> None:
    untouched = sorted(
        Signature.objects.exclude(pk__in=_pks(world.office)).values_list(
            "pk", "state", "hold_reason", "released_at", "counted_at"
        )
    )
    criteria = Criteria(petition_id=world.petition.pk, ip_hash=fingerprint(OFFICE).ip_hash, held="only")
    assert invalidation_preview(criteria=criteria, action=InvalidationAction.RELEASE) == 8
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        release = release_request(criteria=criteria, note="Council offices", actor=administrator)
    assert counted(world.petition) == (3, 11)  # requested, not yet run: nothing counts
    for callback in callbacks:
        callback()
    release.refresh_from_db()
    assert (release.action, release.state) == (InvalidationAction.RELEASE, InvalidationState.FINISHED)
    assert (release.matched, release.processed, release.invalidated) == (8, 8, 8)
    assert counted(world.petition) == (3 + 6, 4 + 1)
    assert counted(world.petition) == (3 + 6, 4 + 1)  # counted once
    office = Signature.objects.filter(pk__in=_pks(world.office))
    assert set(office.values_list("hold_reason", "released_by")) == {("", "staff")}
    assert not office.filter(released_at=None).exists()
    # The two not yet confirmed count once they are confirmed, and only then.
    _confirm_after(world.office[6:], [3000, 3000])
    assert counted(world.petition) == (3 + 8, 4 + 1)
    # Nothing else was touched.
    assert (
        sorted(
            Signature.objects.exclude(pk__in=_pks(world.office)).values_list(
                "pk", "state", "hold_reason", "released_at", "counted_at"
            )
        )
        == untouched
    )
    requested = AuditEvent.objects.get(action="signatures.release_requested")
    assert requested.actor == administrator
    assert requested.target_id == str(release.pk)
    assert requested.data["matched"] == 8
    assert requested.data["criteria"] == criteria.as_dict()
    done = AuditEvent.objects.get(action="signatures.released")
    assert (done.target_id, done.data["released"]) == (str(release.pk), 8)


def test_release_selects_only_held_signatures(
    world: World, administrator: User, django_capture_on_commit_callbacks: Any
) -> None:
    criteria = Criteria(petition_id=world.petition.pk)
    assert invalidation_preview(criteria=criteria, action=InvalidationAction.RELEASE) == 14
    assert invalidation_preview(criteria=criteria) == 14 + 3 + 5  # removing takes every one
    with django_capture_on_commit_callbacks(execute=True):
        release = release_request(criteria=criteria, note="", actor=administrator)
    release.refresh_from_db()
    assert release.invalidated == 14
    assert counted(world.petition) == (3 + 6 + 4 + 1, 0)
    nothing_held = Criteria(petition_id=world.petition.pk, held="not")
    with pytest.raises(DomainError) as excinfo:
        release_request(criteria=nothing_held, note="", actor=administrator)
    assert excinfo.value.code == "criteria_no_match"


def test_rejected_signatures_are_never_counted(
    world: World, administrator: User, django_capture_on_commit_callbacks: Any
) -> None:
    criteria = Criteria(petition_id=world.petition.pk, ip_hash=fingerprint(CAMPUS).ip_hash, held="only")
    with django_capture_on_commit_callbacks(execute=True):
        rejection = rejection_request(criteria=criteria, note="Script confirming at once", actor=administrator)
    rejection.refresh_from_db()
    assert (rejection.action, rejection.state, rejection.invalidated) == (
        InvalidationAction.REJECT,
        InvalidationState.FINISHED,
        4,
    )
    campus = Signature.objects.filter(pk__in=_pks(world.campus))
    assert set(campus.values_list("state", "fraud_reason", "counted_at")) == {
        (SignatureState.FRAUDULENT, "rejected_after_checks", None)
    }
    assert counted(world.petition) == (3, 6 + 1)
    # Releasing them afterwards finds nothing held.
    assert invalidation_preview(criteria=criteria, action=InvalidationAction.RELEASE) == 0
    assert counted(world.petition) == (3, 6 + 1)
    requested = AuditEvent.objects.get(action="signatures.rejection_requested")
    assert (requested.actor, requested.data["matched"]) == (administrator, 4)
    assert AuditEvent.objects.get(action="signatures.rejected").data["rejected"] == 4


def test_the_public_reason_is_required_only_to_remove(world: World, administrator: User) -> None:
    criteria = Criteria(petition_id=world.petition.pk, held="only")
    with pytest.raises(DomainError) as excinfo:
        invalidation_request(criteria=criteria, reason="", note="", actor=administrator)
    assert excinfo.value.code == "reason_invalid"
    assert release_request(criteria=criteria, note="", actor=administrator).reason == ""


def test_a_typed_address_is_kept_only_as_its_hash(
    world: World, client: Client, administrator: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        release = release_request(criteria=Criteria(ip=OFFICE), note="", actor=administrator)
    release.refresh_from_db()
    assert release.criteria == {"ip_hash": fingerprint(OFFICE).ip_hash}
    assert release.invalidated == 8
    assert OFFICE not in str(AuditEvent.objects.filter(target_id=str(release.pk)).values_list("data", flat=True))
    client.force_login(administrator)
    assert OFFICE not in client.get("/integrity/").content.decode()


@pytest.mark.parametrize("role", ["moderator", "clerk", "responder"])
def test_only_administrators_release_or_reject(
    world: World, role: str, client: Client, request: pytest.FixtureRequest
) -> None:
    member: User = request.getfixturevalue(role)
    client.force_login(member)
    criteria = Criteria(petition_id=world.petition.pk, held="only")
    before = snapshot()
    for service in (release_request, rejection_request):
        with pytest.raises(PermissionDeniedError):
            service(criteria=criteria, note="", actor=member)
    link = f"{PAGE}?action=release&{criteria.as_query()}"
    assert client.get(link).status_code == 403
    for action in ("release", "reject", "invalidate"):
        posted = client.post(PAGE, {"action": action, "held": "only", "reason": "fraud", "confirm": action})
        assert posted.status_code == 403
    assert snapshot() == before


# --- The page ----------------------------------------------------------------------------------


def test_a_link_prefills_the_form_and_previews_without_changing_anything(
    world: World, client: Client, administrator: User
) -> None:
    client.force_login(administrator)
    before = snapshot()
    # 10:00 UTC is 11:00 in London (BST): the whole world signed after it.
    link = f"{PAGE}?petition_id={world.petition.pk}&since=2026-05-04T11:00&held=only&confirmed_within_seconds=45"
    page = client.get(link)
    assert page.status_code == 200
    text = page.content.decode()
    assert "3 signatures match." in text  # office: 5 s and 20 s; the throwaway: 15 s
    assert f'value="{world.petition.pk}"' in text
    assert 'value="45"' in text
    assert re.search(r'<input[^>]*value="only"[^>]*checked', text)
    assert re.search(r'<input[^>]*name="action"[^>]*value="invalidate"[^>]*checked', text)
    assert snapshot() == before
    # The action a link names is chosen, and the preview counts what it would change.
    release = client.get(f"{PAGE}?action=release&petition_id={world.petition.pk}")
    assert "14 signatures match." in release.content.decode()
    assert re.search(r'<input[^>]*name="action"[^>]*value="release"[^>]*checked', release.content.decode())
    assert snapshot() == before
    # Without criteria the page is the empty form.
    empty = client.get(PAGE)
    assert empty.status_code == 200
    assert "match." not in empty.content.decode()


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("ip_hash", "203.0.113.7", "32"),
        ("ip_hash", "not-a-hash", "32"),
        ("confirmed_within_seconds", "soon", "whole number"),
        ("confirmed_within_seconds", "0", "whole number"),
        ("confirmed_within_seconds", "999999999999999999999999", "whole number"),
    ],
)
def test_a_bad_hash_or_delay_is_refused_on_its_field(
    world: World, client: Client, administrator: User, method: str, field: str, value: str, words: str
) -> None:
    client.force_login(administrator)
    before = snapshot()
    data = {"action": "release", "petition_id": world.petition.pk, field: value}
    if method == "post":
        data["confirm"] = "release"
    response = getattr(client, method)(PAGE, data)
    assert response.status_code == 400
    [message] = field_errors(response, field)
    assert words in message
    assert snapshot() == before


def test_confirming_on_the_page_runs_the_previewed_action(
    world: World, client: Client, administrator: User, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(administrator)
    data = {"action": "reject", "petition_id": world.petition.pk, "hold_reason": HOLD_DISPOSABLE, "held": "only"}
    preview = client.post(PAGE, {**data, "preview": "1"})
    text = preview.content.decode()
    assert "2 signatures match." in text
    assert 'name="confirm" value="reject"' in text
    # A confirmation for another action than the one chosen only previews again.
    before = snapshot()
    mixed = client.post(PAGE, {**data, "confirm": "release"})
    assert mixed.status_code == 200
    assert "2 signatures match." in mixed.content.decode()
    assert snapshot() == before
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(PAGE, {**data, "confirm": "reject"})
    assert done.status_code == 302
    rejection = Invalidation.objects.get()
    assert (rejection.action, rejection.invalidated, rejection.requested_by) == ("reject", 2, administrator)
    overview = client.get("/integrity/").content.decode()
    assert "2 / 2" in overview


# --- The overview ------------------------------------------------------------------------------


def _links(page: str, label: str) -> list[str]:
    return [html.unescape(href) for href in re.findall(rf'<a href="([^"]+)"[^>]*>{re.escape(label)}</a>', page)]


def test_the_overview_lists_held_groups_with_links_that_preview_them(
    world: World, client: Client, administrator: User
) -> None:
    client.force_login(administrator)
    page = client.get("/integrity/").content.decode()
    assert "Held signatures" in page
    office_hash = fingerprint(OFFICE).ip_hash
    assert office_hash in page
    assert "Many signatures from one address" in page
    assert "A disposable email domain" in page
    # No address is ever shown in full.
    assert OFFICE not in page
    assert CAMPUS not in page
    for label, action in (("Release…", "release"), ("Reject…", "reject"), ("Remove…", "invalidate")):
        links = _links(page, label)
        assert len(links) == 3  # office, campus, the throwaway domain
        [office_link] = [link for link in links if office_hash in link]
        assert f"action={action}" in office_link
        preview = client.get(office_link)
        assert preview.status_code == 200
        assert "8 signatures match." in preview.content.decode()
        [throwaway_link] = [link for link in links if HOLD_DISPOSABLE in link]
        assert "2 signatures match." in client.get(throwaway_link).content.decode()


def test_the_overview_shows_each_groups_evidence(world: World, client: Client, administrator: User) -> None:
    client.force_login(administrator)
    page = client.get("/integrity/").content.decode()
    office_hash = fingerprint(OFFICE).ip_hash
    [row] = [row for row in re.findall(r"<tr>.*?</tr>", page, re.DOTALL) if office_hash in row]
    cells = [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL)]
    # held, confirmed, confirmed within 60 s (3 of the 6), first and last signed (11:00:00 and 11:00:07 BST)
    assert "8" in cells
    assert "6" in cells
    assert "50%" in cells
    assert any("4 May 2026 11:00:00" in cell for cell in cells)
    assert any("4 May 2026 11:00:07" in cell for cell in cells)


def test_a_network_group_links_to_exactly_its_signatures(
    scheme: Any, moderator: User, client: Client, administrator: User, settings: Any
) -> None:
    """A network's group is its network-held signatures, even when one of its addresses was
    also held on its own."""
    settings.TOWNHALL = {**settings.TOWNHALL, "SIGN_RATE_NETWORK": (5, 60)}
    with time_machine.travel(INTEGRITY_NOW - datetime.timedelta(days=1), tick=False):
        petition = open_petition(moderator=moderator)
    one_address = _signs(petition, range(1, 5), at=INTEGRITY_NOW, ip="203.0.113.7")  # burst: all 4 held
    network = [
        *_signs(petition, range(10, 12), at=INTEGRITY_NOW + datetime.timedelta(seconds=10), ip="203.0.113.8"),
        *_signs(petition, range(20, 22), at=INTEGRITY_NOW + datetime.timedelta(seconds=12), ip="203.0.113.9"),
        *_signs(petition, range(30, 32), at=INTEGRITY_NOW + datetime.timedelta(seconds=14), ip="203.0.113.10"),
    ]
    by_reason = dict(Signature.objects.exclude(hold_reason="").values_list("pk", "hold_reason"))
    assert {by_reason[s.pk] for s in one_address} == {HOLD_ADDRESS_BURST}
    network_held = {s.pk for s in network if by_reason.get(s.pk) == HOLD_NETWORK}
    assert network_held
    client.force_login(administrator)
    page = client.get("/integrity/").content.decode()
    [link] = [link for link in _links(page, "Release…") if "203.0.113.0%2F24" in link]
    text = client.get(link).content.decode()
    count = len(network_held)
    assert f"{count} signature{'s match' if count != 1 else ' matches'}." in text
    [address_link] = [link for link in _links(page, "Release…") if fingerprint("203.0.113.7").ip_hash in link]
    assert "4 signatures match." in client.get(address_link).content.decode()
