"""Petition-wide alerts: a surge against the petition's own usual rate, and confirmations
faster than people read email; each alert's selection is exactly what it counts."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.test import Client

from tests.builders import ATTACK_STARTS_AT, attempt_signature, letters_keyed, open_petition
from townhall.accounts.models import User
from townhall.integrity.anomalies import anomalies_detect
from townhall.integrity.models import AlertKind, TrendAlert
from townhall.integrity.services import alert_criteria, alert_link, signatures_matching, trending_detect
from townhall.petitions.models import Petition
from townhall.signatures.models import Signature
from townhall.signatures.services import signature_confirm, signature_count_new

pytestmark = pytest.mark.django_db

START = ATTACK_STARTS_AT


@pytest.fixture
def petition(scheme: Any, moderator: Any) -> Petition:
    with time_machine.travel(START - datetime.timedelta(days=2), tick=False):
        petition = open_petition(moderator=moderator)
        signature_count_new()
    return petition


@pytest.fixture(autouse=True)
def _quick_settings(settings: Any) -> None:
    settings.TOWNHALL = {
        **settings.TOWNHALL,
        "SIGN_RATE_NETWORK": (1000, 60),
        "ANOMALY_WINDOW_MINUTES": 15,
        "ANOMALY_MIN_SIGNATURES": 20,
        "ANOMALY_RATE_FACTOR": 5,
        "ANOMALY_BASELINE_FLOOR": 4,
        "ANOMALY_FAST_SHARE_PERCENT": 40,
        "HOLD_FAST_CONFIRM_SECONDS": 60,
    }


def signers(
    petition: Petition, count: int, *, start: datetime.datetime, every: float, delay: float, first: int = 0
) -> list[int]:
    """`count` people from their own networks, one every `every` seconds, each confirming
    `delay` seconds after signing."""
    ids = []
    for n in range(first, first + count):
        at = start + datetime.timedelta(seconds=(n - first) * every)
        with time_machine.travel(at, tick=False):
            outcome = attempt_signature(petition, n, ip=f"10.{n // 250}.{n % 250}.9")
        signature = Signature.objects.get(pk=outcome.signature_id)
        with time_machine.travel(at + datetime.timedelta(seconds=delay), tick=False):
            signature_confirm(signature_id=signature.pk, token=signature.token)
        ids.append(signature.pk)
    return ids


def detect(at: datetime.datetime) -> list[TrendAlert]:
    with time_machine.travel(at, tick=False):
        signature_count_new()
        return anomalies_detect()


def test_a_quiet_petition_raises_nothing(petition: Petition) -> None:
    signers(petition, 24, start=START - datetime.timedelta(hours=24), every=3600, delay=400, first=5000)
    signers(petition, 10, start=START, every=60, delay=20)
    assert detect(START + datetime.timedelta(minutes=15)) == []


def test_a_new_petitions_launch_is_no_surge(petition: Petition) -> None:
    signers(petition, 60, start=START, every=14, delay=300)
    assert detect(START + datetime.timedelta(minutes=15)) == []


def test_bots_confirming_at_once_raise_both_alerts_and_name_exactly_themselves(petition: Petition) -> None:
    # A usual day: a few an hour, people confirming minutes later.
    signers(petition, 24, start=START - datetime.timedelta(hours=24), every=3600, delay=400, first=5000)
    people = signers(petition, 6, start=START, every=150, delay=300, first=6000)
    bots = signers(petition, 60, start=START, every=14, delay=20)
    alerts = detect(START + datetime.timedelta(minutes=15))
    assert {a.kind for a in alerts} == {AlertKind.SURGE, AlertKind.FAST_CONFIRMS}
    fast = next(a for a in alerts if a.kind == AlertKind.FAST_CONFIRMS)
    selected = set(signatures_matching(alert_criteria(fast)).values_list("pk", flat=True))
    assert selected == set(bots)
    assert fast.count == len(bots)
    assert (fast.counted, fast.held) == (len(bots), 0)
    assert fast.criteria["confirmed_within_seconds"] == 30
    assert "60 of the 66 signatures in 15 minutes were confirmed within 30 seconds" in fast.summary
    surge = next(a for a in alerts if a.kind == AlertKind.SURGE)
    assert set(signatures_matching(alert_criteria(surge)).values_list("pk", flat=True)) == set(bots) | set(people)
    assert letters_keyed("trend-alerts:").count() == 1  # one email for the new alerts


def test_an_episode_is_one_alert_that_grows(petition: Petition) -> None:
    bots = signers(petition, 60, start=START, every=14, delay=20)
    detect(START + datetime.timedelta(minutes=15))
    more = signers(petition, 60, start=START + datetime.timedelta(minutes=15), every=14, delay=25, first=100)
    assert letters_keyed("trend-alerts:").count() == 1
    assert detect(START + datetime.timedelta(minutes=30)) == []  # extended, not new: no second email
    assert letters_keyed("trend-alerts:").count() == 1
    fast = TrendAlert.objects.get(kind=AlertKind.FAST_CONFIRMS)
    assert set(signatures_matching(alert_criteria(fast)).values_list("pk", flat=True)) == set(bots) | set(more)
    assert fast.count == 120


def test_a_crowd_of_people_is_a_surge_but_not_fast(petition: Petition) -> None:
    signers(petition, 24, start=START - datetime.timedelta(hours=24), every=3600, delay=400, first=5000)
    delays = [70, 90, 120, 180, 240, 300, 420, 600]
    for n in range(48):
        signers(petition, 1, start=START + datetime.timedelta(seconds=n * 15), every=1, delay=delays[n % 8], first=n)
    alerts = detect(START + datetime.timedelta(minutes=20))
    assert {a.kind for a in alerts} == {AlertKind.SURGE}
    assert "times this petition's usual rate" in alerts[0].summary


def test_every_alert_links_to_a_search_that_selects_exactly_what_it_names(
    petition: Petition, client: Client, superuser: User, settings: Any
) -> None:
    settings.TOWNHALL = {**settings.TOWNHALL, "TREND_MIN_SIGNATURES": 20}
    signers(petition, 24, start=START - datetime.timedelta(hours=24), every=3600, delay=400, first=5000)
    signers(petition, 60, start=START, every=14, delay=20)  # from many networks, confirming at once
    office = []
    for n in range(40):  # and an office behind one address, at people's pace
        with time_machine.travel(START + datetime.timedelta(seconds=20 * n), tick=False):
            office.append(attempt_signature(petition, 9000 + n, ip="198.18.10.5").signature_id)
    alerts = detect(START + datetime.timedelta(minutes=15))
    with time_machine.travel(START + datetime.timedelta(minutes=16), tick=False):
        alerts += trending_detect()
    kinds = {alert.kind for alert in alerts}
    assert {AlertKind.SURGE, AlertKind.FAST_CONFIRMS, AlertKind.IP, AlertKind.NETWORK} <= kinds
    client.force_login(superuser)
    page = client.get("/integrity/").content.decode()
    for alert in TrendAlert.objects.all():
        alert.refresh_from_db()
        named = signatures_matching(alert_criteria(alert)).count()
        link = alert_link(alert).removeprefix("http://testserver")
        assert link.split("?", 1)[1].replace("&", "&amp;") in page
        preview = client.get(link)
        assert preview.status_code == 200
        assert preview.context["preview"] == named, alert.kind
        if alert.summary:
            assert named == alert.count
