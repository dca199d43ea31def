"""Fraud controls on signing: held and caught signatures look normal to the sender and are
not counted (held ones until released: tests/signatures/test_holds.py)."""

from __future__ import annotations

import datetime
from typing import Any

import disposable_email_domains
import pytest
import time_machine
from django.conf import settings as django_settings
from django.core import mail
from django.test import Client, RequestFactory

from tests.builders import INTEGRITY_NOW, attempt_signature, make_petition, open_petition
from townhall.areas.models import PetitionHourCount
from townhall.core.errors import DomainError
from townhall.core.net import client_ip, fingerprint
from townhall.lists.models import ListAction, ListEntry, ListKind
from townhall.lists.selectors import forget_lists
from townhall.petitions.models import Petition
from townhall.signatures.models import Signature, SignatureState
from townhall.signatures.services import (
    signature_confirm,
    signature_count_new,
    signature_send_confirmations,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def petition(scheme: Any, moderator: Any) -> Petition:
    with time_machine.travel(INTEGRITY_NOW - datetime.timedelta(days=1), tick=False):
        return open_petition(moderator=moderator)


@pytest.fixture(autouse=True)
def _fresh_lists() -> None:
    forget_lists()


def sign_pending_or_caught(
    petition: Petition, n: int, *, ip: str = "203.0.113.7", email: str | None = None
) -> Signature:
    """Signer `n` signs (unconfirmed); the signature may be caught as fraud, silently."""
    outcome = attempt_signature(petition, n, email=email, postcode="KM1 1AA", ip=ip)
    assert outcome.kind == "created"  # caught or not, the signer is told the same
    return Signature.objects.get(pk=outcome.signature_id)


def test_ip_is_stored_only_hashed_and_truncated(petition: Petition) -> None:
    with time_machine.travel(INTEGRITY_NOW, tick=False):
        signature = sign_pending_or_caught(petition, 1, ip="203.0.113.7")
    assert signature.ip_prefix == "203.0.113.0/24"
    assert "203.0.113.7" not in signature.ip_hash
    assert signature.ip_hash == fingerprint("203.0.113.7").ip_hash != fingerprint("203.0.113.8").ip_hash
    assert fingerprint("2001:db8:1:2::5").ip_prefix == "2001:db8:1::/48"
    assert fingerprint("not an ip").ip_hash == ""


def held(signature: Signature) -> tuple[str, str]:
    signature.refresh_from_db()
    return (signature.state, signature.hold_reason)


def test_burst_over_the_limit_holds_the_source_silently(petition: Petition, settings: Any) -> None:
    settings.TOWNHALL = {**settings.TOWNHALL, "SIGN_RATE_BURST": (3, 60), "SIGN_RATE_SUSTAINED": (100, 3600)}
    with time_machine.travel(INTEGRITY_NOW, tick=False):
        signatures = [sign_pending_or_caught(petition, n) for n in range(8)]
    # The fourth trips the limit: it is held, and so are the address's unconfirmed ones
    # before it in the window, so a burst cannot slip its first minute into the count; the
    # address stays held while it keeps signing within the window.
    assert [held(s) for s in signatures] == [("pending", "rate_address_burst")] * 8
    assert not Signature.objects.filter(state=SignatureState.FRAUDULENT).exists()
    # Another address is unaffected; so is the same address a minute later (held ones do
    # not count towards the limit).
    with time_machine.travel(INTEGRITY_NOW, tick=False):
        assert held(sign_pending_or_caught(petition, 10, ip="198.51.100.1")) == ("pending", "")
    with time_machine.travel(INTEGRITY_NOW + datetime.timedelta(seconds=61), tick=False):
        assert held(sign_pending_or_caught(petition, 11)) == ("pending", "")


def test_a_confirmed_signature_is_never_held_afterwards(petition: Petition, settings: Any) -> None:
    settings.TOWNHALL = {**settings.TOWNHALL, "SIGN_RATE_BURST": (2, 60)}
    with time_machine.travel(INTEGRITY_NOW, tick=False):
        first = sign_pending_or_caught(petition, 1)
        signature_confirm(signature_id=first.pk, token=first.token)  # told it counts
        second, third = sign_pending_or_caught(petition, 2), sign_pending_or_caught(petition, 3)
    assert held(first) == ("verified", "")
    assert held(second) == held(third) == ("pending", "rate_address_burst")


def test_held_and_caught_signatures_get_the_same_email_but_are_not_counted(petition: Petition, settings: Any) -> None:
    settings.TOWNHALL = {**settings.TOWNHALL, "SIGN_RATE_BURST": (1, 60)}
    with time_machine.travel(INTEGRITY_NOW, tick=False):
        honest = sign_pending_or_caught(petition, 1, ip="198.51.100.1")
        first, second = sign_pending_or_caught(petition, 2), sign_pending_or_caught(petition, 3)
        mail.outbox = []
        signature_send_confirmations()
        bodies = {}
        for signature in (honest, first, second):
            [letter] = [m for m in mail.outbox if m.to == [signature.email]]
            bodies[signature.pk] = (letter.subject, letter.body.replace(signature.name, "X").split("http")[0])
        assert bodies[honest.pk] == bodies[first.pk] == bodies[second.pk]
        for signature in (honest, first, second):
            assert signature_confirm(signature_id=signature.pk, token=signature.token).kind == "confirmed"
        signature_count_new()
    petition.refresh_from_db()
    sponsors = Signature.objects.filter(petition=petition, is_sponsor=True).count()
    assert petition.signature_count == sponsors + 1
    assert held(first) == held(second) == ("verified", "rate_address_burst")


def test_sustained_limit(petition: Petition, settings: Any) -> None:
    settings.TOWNHALL = {**settings.TOWNHALL, "SIGN_RATE_BURST": (100, 60), "SIGN_RATE_SUSTAINED": (4, 3600)}
    signatures = []
    for n in range(6):
        with time_machine.travel(INTEGRITY_NOW + datetime.timedelta(minutes=5 * n), tick=False):
            signatures.append(sign_pending_or_caught(petition, n))
    # The fifth trips the limit and holds the four before it; the sixth starts afresh.
    assert [held(s) for s in signatures] == [("pending", "rate_address_sustained")] * 5 + [("pending", "")]


def test_limits_grow_with_the_petition(petition: Petition, settings: Any) -> None:
    settings.TOWNHALL = {**settings.TOWNHALL, "SIGN_RATE_NETWORK": (2, 60), "SIGN_RATE_SCALE_AT": 1000}
    Petition.objects.filter(pk=petition.pk).update(signature_count=2000)  # three times the limit
    with time_machine.travel(INTEGRITY_NOW, tick=False):
        first = [sign_pending_or_caught(petition, n, ip=f"203.0.113.{n}") for n in range(7)]
    # 2 + 2 for each 1,000 counted: six are taken, the seventh trips the limit.
    assert [held(s) for s in first] == [("pending", "rate_network")] * 7
    with time_machine.travel(INTEGRITY_NOW + datetime.timedelta(minutes=2), tick=False):
        later = [sign_pending_or_caught(petition, n, ip=f"203.0.113.{n}") for n in range(10, 16)]
    assert [held(s) for s in later] == [("pending", "")] * 6


def test_an_address_far_beyond_any_household_is_caught(petition: Petition, settings: Any) -> None:
    settings.TOWNHALL = {**settings.TOWNHALL, "SIGN_RATE_BURST": (2, 60), "SIGN_CAP_ADDRESS": 5}
    with time_machine.travel(INTEGRITY_NOW, tick=False):
        signatures = [sign_pending_or_caught(petition, n) for n in range(7)]
    assert [held(s)[0] for s in signatures] == ["pending"] * 5 + ["fraudulent"] * 2
    assert signatures[-1].fraud_reason == "address_cap"


@pytest.mark.parametrize(
    ("kind", "value", "email", "reason"),
    [
        (ListKind.IP, "203.0.113.0/24", "a@example.org", "blocked_ip"),
        (ListKind.EMAIL_DOMAIN, "spam.example", "a@spam.example", "blocked_domain"),
        (ListKind.EMAIL, "a@example.org", "A@Example.org", "blocked_email"),
    ],
)
def test_block_lists(petition: Petition, kind: str, value: str, email: str, reason: str) -> None:
    ListEntry.objects.create(kind=kind, action=ListAction.BLOCK, value=value)
    with time_machine.travel(INTEGRITY_NOW, tick=False):
        signature = sign_pending_or_caught(petition, 1, email=email)
    assert (signature.state, signature.fraud_reason) == (SignatureState.FRAUDULENT, reason)


def test_allow_list_skips_rate_limits(petition: Petition, settings: Any) -> None:
    settings.TOWNHALL = {**settings.TOWNHALL, "SIGN_RATE_BURST": (1, 60)}
    ListEntry.objects.create(kind=ListKind.IP, action=ListAction.ALLOW, value="203.0.113.0/24", note="Town hall")
    with time_machine.travel(INTEGRITY_NOW, tick=False):
        assert {held(sign_pending_or_caught(petition, n)) for n in range(4)} == {("pending", "")}


@pytest.mark.parametrize(
    ("hours_ago", "counted", "signs_before_hold"),
    [
        (None, 0, 3),  # a quiet petition: the base limit
        (0, 2000, 6),  # 2,000 counted this hour: the limit once more
        (1, 4000, 9),  # the hour before counts too: twice more
        (2, 4000, 3),  # two hours before this one began: not recent
    ],
)
def test_the_limits_grow_with_the_petitions_recent_rate(
    petition: Petition, settings: Any, hours_ago: int | None, counted: int, signs_before_hold: int
) -> None:
    settings.TOWNHALL = {
        **settings.TOWNHALL,
        "SIGN_RATE_BURST": (3, 60),
        "SIGN_RATE_SUSTAINED": (1000, 3600),
        "SIGN_RATE_NETWORK": (1000, 60),
        "SIGN_RATE_SCALE_RECENT": 2000,
    }
    if hours_ago is not None:
        hour = INTEGRITY_NOW.replace(minute=0, second=0, microsecond=0) - datetime.timedelta(hours=hours_ago)
        PetitionHourCount.objects.create(petition=petition, hour=hour, signature_count=counted)
    with time_machine.travel(INTEGRITY_NOW, tick=False):
        free = [sign_pending_or_caught(petition, n) for n in range(signs_before_hold)]
        assert {held(s) for s in free} == {("pending", "")}
        tripping = sign_pending_or_caught(petition, signs_before_hold)
    assert held(tripping) == ("pending", "rate_address_burst")


@pytest.mark.parametrize("limit", ["SIGN_RATE_BURST", "SIGN_RATE_SUSTAINED", "SIGN_RATE_NETWORK"])
def test_a_known_shared_network_has_its_factor_times_each_limit(petition: Petition, settings: Any, limit: str) -> None:
    """Each rate limit, alone set to 2: behind a shared network of factor 3 the address signs
    6 before it is held; the seventh trips it, and the burst is held as anywhere else. An
    address outside the network is held at the third."""
    loose = {"SIGN_RATE_BURST": (1000, 60), "SIGN_RATE_SUSTAINED": (1000, 3600), "SIGN_RATE_NETWORK": (1000, 60)}
    settings.TOWNHALL = {**settings.TOWNHALL, **loose, limit: (2, loose[limit][1])}
    ListEntry.objects.create(
        kind=ListKind.IP, action=ListAction.SHARED, value="203.0.113.0/24", limit_factor=3, note="Hospital"
    )
    with time_machine.travel(INTEGRITY_NOW, tick=False):
        inside = [sign_pending_or_caught(petition, n, ip="203.0.113.7") for n in range(6)]
        assert {held(s) for s in inside} == {("pending", "")}
        seventh = sign_pending_or_caught(petition, 6, ip="203.0.113.7")
        outside = [sign_pending_or_caught(petition, 100 + n, ip="198.51.100.7") for n in range(2)]
        assert {held(s) for s in outside} == {("pending", "")}
        third_outside = sign_pending_or_caught(petition, 102, ip="198.51.100.7")
    assert held(seventh)[1].startswith("rate_")
    assert {held(s)[1] for s in inside} == {held(seventh)[1]}  # the trip holds the burst before it too
    assert held(third_outside)[1].startswith("rate_")


def test_a_shared_networks_address_cap_is_its_factor_times_the_cap(petition: Petition, settings: Any) -> None:
    settings.TOWNHALL = {**settings.TOWNHALL, "SIGN_RATE_BURST": (1, 60), "SIGN_CAP_ADDRESS": 2}
    ListEntry.objects.create(kind=ListKind.IP, action=ListAction.SHARED, value="203.0.113.0/24", limit_factor=2)
    with time_machine.travel(INTEGRITY_NOW, tick=False):
        signatures = [sign_pending_or_caught(petition, n) for n in range(5)]
    # Limits and cap both doubled: two sign, the third is held, the fifth is beyond 2 × 2 a day.
    assert [s.state for s in signatures[:4]] == [SignatureState.PENDING] * 4
    assert (signatures[4].state, signatures[4].fraud_reason) == (SignatureState.FRAUDULENT, "address_cap")


@pytest.mark.parametrize(
    ("policy", "state", "hold"),
    [
        ("flag", "pending", ""),
        ("hold", "pending", "disposable_domain"),
        ("block", "fraudulent", ""),
        ("allow", "pending", ""),
    ],
)
def test_disposable_domains_by_policy(petition: Petition, settings: Any, policy: str, state: str, hold: str) -> None:
    settings.TOWNHALL = {**settings.TOWNHALL, "DISPOSABLE_EMAIL_POLICY": policy}
    with time_machine.travel(INTEGRITY_NOW, tick=False):
        signature = sign_pending_or_caught(petition, 1, email="someone@mailinator.com")
    assert held(signature) == (state, hold)
    assert signature.fraud_reason == ("" if policy == "allow" else "disposable_domain")


def test_client_ip_trusts_only_configured_proxies(settings: Any) -> None:
    factory = RequestFactory()
    forged = factory.get("/", REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip(forged) == "198.51.100.9"  # no trusted proxies: the header is ignored
    settings.TOWNHALL = {**settings.TOWNHALL, "TRUSTED_PROXIES": ["10.0.0.0/8"]}
    proxied = factory.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.50, 10.0.0.3")
    # The right-most address not a trusted proxy; "1.2.3.4" could be forged by the client.
    assert client_ip(proxied) == "203.0.113.50"
    assert client_ip(factory.get("/", REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_FOR="1.2.3.4")) == "198.51.100.9"


def test_signing_over_http_records_the_client_network(client: Client, petition: Petition) -> None:
    with time_machine.travel(INTEGRITY_NOW, tick=False):
        response = client.post(
            f"/petitions/{petition.pk}/sign/",
            {"name": "Rosa", "email": "rosa@example.org", "postcode": "KM4 4DD", "declared_eligible": "on"},
            REMOTE_ADDR="192.0.2.44",
        )
    assert response.status_code == 302
    assert Signature.objects.get(email="rosa@example.org").ip_prefix == "192.0.2.0/24"


def test_creation_is_rate_limited_per_address(scheme: Any, settings: Any) -> None:
    settings.TOWNHALL = {**settings.TOWNHALL, "CREATE_RATE": (2, 3600)}
    with time_machine.travel(INTEGRITY_NOW, tick=False):
        make_petition(ip="192.0.2.1")
        make_petition(ip="192.0.2.1")
        with pytest.raises(DomainError) as excinfo:
            make_petition(ip="192.0.2.1")
        make_petition(ip="192.0.2.2")
    assert excinfo.value.code == "create_rate_limited"
    assert "try again later" in excinfo.value.message
    assert Petition.objects.count() == 3


def test_the_limits_read_nothing_more_of_the_petition(petition: Petition, settings: Any) -> None:
    """The limits grow with the count, which the one narrow read of the petition carries:
    signing still reads the petition once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with time_machine.travel(INTEGRITY_NOW, tick=False), CaptureQueriesContext(connection) as queries:
        sign_pending_or_caught(petition, 1)
    petition_reads = [q["sql"] for q in queries if 'FROM "petitions_petition"' in q["sql"]]
    assert len(petition_reads) == 1, petition_reads


def test_a_source_stays_held_while_it_keeps_signing_and_not_after(petition: Petition, settings: Any) -> None:
    settings.TOWNHALL = {**settings.TOWNHALL, "SIGN_RATE_NETWORK": (3, 60), "SIGN_RATE_BURST": (100, 60)}
    burst = []
    for n in range(30):  # one every 10 seconds from one network: the limit trips at the fourth
        with time_machine.travel(INTEGRITY_NOW + datetime.timedelta(seconds=10 * n), tick=False):
            burst.append(sign_pending_or_caught(petition, n, ip=f"203.0.113.{n + 1}"))
    assert [held(s) for s in burst] == [("pending", "rate_network")] * 30
    # Quiet for a window: the network starts afresh. Another network was never held.
    with time_machine.travel(INTEGRITY_NOW + datetime.timedelta(seconds=10 * 29 + 61), tick=False):
        assert held(sign_pending_or_caught(petition, 100, ip="203.0.113.200")) == ("pending", "")
        assert held(sign_pending_or_caught(petition, 101, ip="198.51.100.1")) == ("pending", "")


# --- Privacy relays ---------------------------------------------------------------------------

# Every relay domain in the setting is tested under every policy.
RELAY_DOMAINS = django_settings.TOWNHALL["RELAY_EMAIL_DOMAINS"]


@pytest.mark.parametrize(
    ("policy", "hold", "reason"),
    [("flag", "", "relay_domain"), ("hold", "relay_domain", "relay_domain"), ("allow", "", "")],
)
def test_relay_domains_by_policy(petition: Petition, settings: Any, policy: str, hold: str, reason: str) -> None:
    # Blocking disposable domains blocks no relay: a relay address is a real person's mailbox.
    settings.TOWNHALL = {**settings.TOWNHALL, "RELAY_EMAIL_POLICY": policy, "DISPOSABLE_EMAIL_POLICY": "block"}
    assert RELAY_DOMAINS
    for n, domain in enumerate(RELAY_DOMAINS):
        with time_machine.travel(INTEGRITY_NOW, tick=False):
            signature = sign_pending_or_caught(petition, n, email=f"x7f3k{n}@{domain}", ip=f"10.{n}.0.1")
        assert (held(signature), signature.fraud_reason) == (("pending", hold), reason), domain


@pytest.mark.parametrize(
    ("email", "is_relay"),
    [
        ("petitions@ann.anonaddy.me", True),  # addy.io gives each user a subdomain
        ("petitions@ann.addy.io", True),
        ("petitions@ann.anonaddy.com", True),
        ("petitions@ann.mozmail.com", True),  # as does Firefox Relay
        ("petitions@notanonaddy.me", False),
        ("petitions@anonaddy.me.example.org", False),
        ("petitions@example.org", False),
    ],
)
def test_a_relay_domain_covers_its_subdomains(petition: Petition, email: str, is_relay: bool) -> None:
    with time_machine.travel(INTEGRITY_NOW, tick=False):
        signature = sign_pending_or_caught(petition, 1, email=email)
    assert signature.fraud_reason == ("relay_domain" if is_relay else "")


def test_a_relay_that_is_also_disposable_follows_the_relay_policy(
    petition: Petition, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(disposable_email_domains, "blocklist", {*disposable_email_domains.blocklist, "duck.com"})
    settings.TOWNHALL = {**settings.TOWNHALL, "DISPOSABLE_EMAIL_POLICY": "block", "RELAY_EMAIL_POLICY": "hold"}
    with time_machine.travel(INTEGRITY_NOW, tick=False):
        relay = sign_pending_or_caught(petition, 1, email="someone@duck.com")
        disposable = sign_pending_or_caught(petition, 2, email="someone@mailinator.com")
    assert (held(relay), relay.fraud_reason) == (("pending", "relay_domain"), "relay_domain")
    assert (held(disposable), disposable.fraud_reason) == (("fraudulent", ""), "disposable_domain")


@pytest.mark.parametrize(
    ("allowed", "email"),
    [
        ("duck.com", "someone@duck.com"),
        ("anonaddy.me", "petitions@ann.anonaddy.me"),  # a domain entry covers its subdomains
        ("ann.anonaddy.me", "petitions@ann.anonaddy.me"),
        ("mailinator.com", "someone@mailinator.com"),  # as it exempts a disposable domain
    ],
)
def test_an_allow_listed_domain_exempts_a_relay(petition: Petition, settings: Any, allowed: str, email: str) -> None:
    settings.TOWNHALL = {**settings.TOWNHALL, "RELAY_EMAIL_POLICY": "hold", "DISPOSABLE_EMAIL_POLICY": "hold"}
    ListEntry.objects.create(kind=ListKind.EMAIL_DOMAIN, action=ListAction.ALLOW, value=allowed)
    with time_machine.travel(INTEGRITY_NOW, tick=False):
        signature = sign_pending_or_caught(petition, 1, email=email)
    assert (held(signature), signature.fraud_reason) == (("pending", ""), "")
