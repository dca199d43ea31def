"""Fraud controls on signing: caught signatures look normal to the sender and never count."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client, RequestFactory

from tests.builders import INTEGRITY_NOW, attempt_signature, make_petition, open_petition
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


def test_burst_over_the_limit_is_silently_fraudulent(petition: Petition, settings: Any) -> None:
    settings.TOWNHALL = {**settings.TOWNHALL, "SIGN_RATE_BURST": (3, 60), "SIGN_RATE_SUSTAINED": (100, 3600)}
    with time_machine.travel(INTEGRITY_NOW, tick=False):
        signatures = [sign_pending_or_caught(petition, n) for n in range(5)]
    assert [s.state for s in signatures] == ["pending"] * 3 + ["fraudulent"] * 2
    assert signatures[-1].fraud_reason == "rate_limit_burst"
    # Another address is unaffected; so is the same address a minute later.
    with time_machine.travel(INTEGRITY_NOW, tick=False):
        assert sign_pending_or_caught(petition, 10, ip="198.51.100.1").state == SignatureState.PENDING
    with time_machine.travel(INTEGRITY_NOW + datetime.timedelta(seconds=61), tick=False):
        assert sign_pending_or_caught(petition, 11).state == SignatureState.PENDING


def test_caught_signatures_get_the_same_email_and_confirm_page_but_never_count(
    petition: Petition, settings: Any
) -> None:
    settings.TOWNHALL = {**settings.TOWNHALL, "SIGN_RATE_BURST": (1, 60)}
    with time_machine.travel(INTEGRITY_NOW, tick=False):
        honest, caught = sign_pending_or_caught(petition, 1), sign_pending_or_caught(petition, 2)
        mail.outbox = []
        signature_send_confirmations()
        [to_honest] = [m for m in mail.outbox if m.to == [honest.email]]
        [to_caught] = [m for m in mail.outbox if m.to == [caught.email]]
        assert to_honest.subject == to_caught.subject
        assert (
            to_honest.body.replace(honest.name, "X").split("http")[0]
            == to_caught.body.replace(caught.name, "X").split("http")[0]
        )
        assert signature_confirm(signature_id=caught.pk, token=caught.token).kind == "confirmed"
        assert signature_confirm(signature_id=honest.pk, token=honest.token).kind == "confirmed"
        signature_count_new()
    petition.refresh_from_db()
    sponsors = Signature.objects.filter(petition=petition, is_sponsor=True).count()
    assert petition.signature_count == sponsors + 1
    assert Signature.objects.get(pk=caught.pk).state == SignatureState.FRAUDULENT


def test_sustained_limit(petition: Petition, settings: Any) -> None:
    settings.TOWNHALL = {**settings.TOWNHALL, "SIGN_RATE_BURST": (100, 60), "SIGN_RATE_SUSTAINED": (4, 3600)}
    states = []
    for n in range(6):
        with time_machine.travel(INTEGRITY_NOW + datetime.timedelta(minutes=5 * n), tick=False):
            states.append(sign_pending_or_caught(petition, n).state)
    assert states == ["pending"] * 4 + ["fraudulent"] * 2


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
        assert {sign_pending_or_caught(petition, n).state for n in range(4)} == {SignatureState.PENDING}


@pytest.mark.parametrize(("policy", "state"), [("flag", "pending"), ("block", "fraudulent"), ("allow", "pending")])
def test_disposable_domains_by_policy(petition: Petition, settings: Any, policy: str, state: str) -> None:
    settings.TOWNHALL = {**settings.TOWNHALL, "DISPOSABLE_EMAIL_POLICY": policy}
    with time_machine.travel(INTEGRITY_NOW, tick=False):
        signature = sign_pending_or_caught(petition, 1, email="someone@mailinator.com")
    assert signature.state == state
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
