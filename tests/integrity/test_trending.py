"""Hourly detection of sources behind an unusual share of a petition's signatures."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.core import mail

from tests.builders import INTEGRITY_NOW, open_petition
from townhall.accounts.models import Role, User
from townhall.core.net import fingerprint
from townhall.integrity.models import AlertKind, TrendAlert
from townhall.integrity.services import trending_detect
from townhall.petitions.models import Petition
from townhall.signatures.models import Signature

pytestmark = pytest.mark.django_db


def _rows(petition: Petition, n: int, *, ip: str, domain: str, offset: int) -> list[Signature]:
    client = fingerprint(ip)
    return [
        Signature(
            petition=petition,
            petition_version_id=petition.current_version_id,
            name="X",
            email=f"s{offset + i}@{domain}",
            email_canonical=f"s{offset + i}@{domain}",
            postcode="KM1 1AA",
            token="t",
            created_at=INTEGRITY_NOW + datetime.timedelta(minutes=i % 60),
            link_expires_at=INTEGRITY_NOW,
            ip_hash=client.ip_hash,
            ip_prefix=client.ip_prefix,
        )
        for i in range(n)
    ]


@pytest.fixture
def petition(scheme: Any, moderator: Any) -> Petition:
    return open_petition(moderator=moderator)


def test_unusual_sources_raise_one_alert_each_and_staff_hear(
    petition: Petition, moderator: User, django_capture_on_commit_callbacks: Any
) -> None:
    User.objects.filter(pk=moderator.pk).update(roles=[Role.MODERATOR])
    rows = []
    for n in range(60):  # ordinary: different networks, common domains
        rows += _rows(petition, 1, ip=f"198.51.{n}.9", domain="gmail.com", offset=n)
    rows += _rows(petition, 40, ip="203.0.113.5", domain="throwaway.example", offset=1000)
    Signature.objects.bulk_create(rows)
    with time_machine.travel(INTEGRITY_NOW + datetime.timedelta(minutes=70), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            alerts = trending_detect()
        assert trending_detect() == []  # once per source and hour
    kinds = {(a.kind, a.value) for a in alerts}
    assert (AlertKind.IP, fingerprint("203.0.113.5").ip_hash) in kinds
    assert (AlertKind.NETWORK, "203.0.113.0/24") in kinds
    assert (AlertKind.EMAIL_DOMAIN, "throwaway.example") in kinds
    assert not any(value == "gmail.com" for _, value in kinds)  # a big provider is not a trend
    assert TrendAlert.objects.count() == 3
    [notice] = [m for m in mail.outbox if moderator.email in m.to]
    assert "203.0.113.0/24" in notice.body
    assert "203.0.113.5" not in notice.body  # the address itself is never shown


def test_quiet_petitions_raise_nothing(petition: Petition) -> None:
    Signature.objects.bulk_create(_rows(petition, 20, ip="203.0.113.5", domain="throwaway.example", offset=0))
    with time_machine.travel(INTEGRITY_NOW + datetime.timedelta(minutes=30), tick=False):
        assert trending_detect() == []
