"""Petition-wide alerts: a surge against the petition's own usual rate, confirmations faster
than people read email, one email provider far above its usual share, and addresses or names
made from one template; each alert's selection is exactly what it counts."""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.test import Client

from scripts.attack_lab.populations import (
    Campus,
    Households,
    PrivacyMinded,
    Residents,
    SharedAddress,
    Surge,
    mailbox,
    person_name,
)
from tests.builders import ATTACK_STARTS_AT, attempt_signature, letters_keyed, open_petition
from townhall.accounts.models import User
from townhall.integrity.anomalies import anomalies_detect, shapes_over
from townhall.integrity.models import AlertKind, TrendAlert
from townhall.integrity.services import (
    alert_criteria,
    alert_link,
    invalidation_request,
    signatures_matching,
    trending_detect,
)
from townhall.petitions.models import Petition
from townhall.residents.services import email_canonical
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


Identity = Callable[[int], tuple[str, str]]  # signer number -> (name, email address)

# The big providers in roughly the shares people use them (the attack laboratory's mix):
# gmail.com 40%, outlook.com 15%, hotmail.co.uk 10%, icloud.com 10%, btinternet.com 10%,
# sky.com 10%, yahoo.co.uk 5%.
MIX = ["gmail.com"] * 8 + ["outlook.com"] * 3 + ["hotmail.co.uk", "icloud.com", "btinternet.com", "sky.com"] * 2
MIX += ["yahoo.co.uk"]


def people(domains: list[str] | None = None, *, seed: int = 1) -> Identity:
    """Realistic people (the attack laboratory's names and mailboxes), their providers in
    turn from `domains` (the usual mix by default)."""
    rng = random.Random(seed)
    domains = domains or MIX

    def identity(n: int) -> tuple[str, str]:
        name = person_name(rng)
        return name, mailbox(rng, name, n, domains[n % len(domains)])

    return identity


def signers(
    petition: Petition,
    count: int,
    *,
    start: datetime.datetime,
    every: float,
    delay: float | None,
    first: int = 0,
    identity: Identity | None = None,
) -> list[int]:
    """`count` people from their own networks, one every `every` seconds, each confirming
    `delay` seconds after signing (None: never). They have realistic names and mailboxes with
    the usual providers (`people`) unless `identity` says otherwise: numbered ones ("Signer
    12", signer12@) are what the templated-signing alert looks for."""
    identity = identity or people(seed=first)
    ids = []
    for n in range(first, first + count):
        at = start + datetime.timedelta(seconds=(n - first) * every)
        name, email = identity(n)
        with time_machine.travel(at, tick=False):
            outcome = attempt_signature(petition, n, name=name, email=email, ip=f"10.{n // 250}.{n % 250}.9")
        signature = Signature.objects.get(pk=outcome.signature_id)
        ids.append(signature.pk)
        if delay is None:
            continue
        with time_machine.travel(at + datetime.timedelta(seconds=delay), tick=False):
            signature_confirm(signature_id=signature.pk, token=signature.token)
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


def test_the_fast_confirmations_selection_keeps_to_the_minutes_the_script_crowds_into(petition: Petition) -> None:
    """People who happen to confirm within seconds are spread over the day, one here and one
    there; a script's confirmations crowd together. The alert's selection keeps to the
    crowded minutes, so removing it takes the script and not the quick people around it."""
    signers(petition, 24, start=START - datetime.timedelta(hours=24), every=3600, delay=400, first=5000)
    quick_people = signers(petition, 3, start=START - datetime.timedelta(seconds=50), every=55, delay=20, first=6000)
    bots = signers(petition, 60, start=START + datetime.timedelta(minutes=3), every=6, delay=20)
    later_quick = signers(petition, 2, start=START + datetime.timedelta(minutes=11), every=60, delay=20, first=7000)
    alerts = detect(START + datetime.timedelta(minutes=15))
    fast = next(a for a in alerts if a.kind == AlertKind.FAST_CONFIRMS)
    assert selected(fast) == set(bots)
    assert not selected(fast) & set(quick_people + later_quick)
    assert (fast.criteria["since"], fast.criteria["until"]) == (
        (START + datetime.timedelta(minutes=3)).isoformat(timespec="seconds"),
        (START + datetime.timedelta(minutes=9)).isoformat(timespec="seconds"),
    )
    assert fast.count == len(bots)


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


# --- One email provider far above its usual share ---------------------------------------------


def usual_day(petition: Petition) -> list[int]:
    """A usual day before the attack: 100 people over 24 hours, with the usual mix."""
    return signers(
        petition, 100, start=START - datetime.timedelta(hours=24), every=860, delay=400, first=5000, identity=people()
    )


def selected(alert: TrendAlert) -> set[int]:
    return set(signatures_matching(alert_criteria(alert)).values_list("pk", flat=True))


def alert_emails() -> int:
    """How many emails about new alerts staff were sent (each is one letter per member of staff)."""
    return len({key.split(":to:")[0] for key in letters_keyed("trend-alerts:").values_list("dedupe_key", flat=True)})


def follow_link(client: Client, alert: TrendAlert) -> int:
    """What the invalidation form previews when staff follow the alert's link."""
    page = client.get(alert_link(alert).removeprefix("http://testserver"))
    assert page.status_code == 200
    return int(page.context["preview"])


def test_a_bot_farm_at_a_new_domain_is_a_provider_shift_naming_exactly_its_signatures(
    petition: Petition, client: Client, superuser: User, settings: Any
) -> None:
    usual_day(petition)
    crowd = signers(petition, 40, start=START, every=20, delay=200, first=6000, identity=people(seed=2))
    # 60 bots registered at one provider, from many networks; they confirm at a person's pace,
    # and 10 of them never do.
    farm = people(["quickmail.example"], seed=3)
    bots = signers(petition, 50, start=START, every=15, delay=90, identity=farm)
    bots += signers(
        petition, 10, start=START + datetime.timedelta(seconds=5), every=60, delay=None, first=50, identity=farm
    )
    held = bots[:5]
    Signature.objects.filter(pk__in=held).update(hold_reason="network")  # as the fraud controls would
    alerts = detect(START + datetime.timedelta(minutes=15))

    shift = next(a for a in alerts if a.kind == AlertKind.PROVIDER_SHIFT)
    assert shift.value == "quickmail.example"
    assert shift.criteria["domain"] == "quickmail.example"
    assert selected(shift) == set(bots)
    assert shift.count == 60
    assert shift.held == 5
    assert shift.counted == Signature.objects.filter(pk__in=bots, counted_at__isnull=False).count() == 45
    assert shift.share_percent == 60 * 100 // (60 + len(crowd))
    assert shift.summary.startswith("quickmail.example: 60 of the 100 signatures in 15 minutes (60%), and none")
    client.force_login(superuser)
    assert follow_link(client, shift) == 60


def test_a_big_provider_far_above_its_usual_share_is_a_provider_shift(petition: Petition) -> None:
    usual_day(petition)  # yahoo.co.uk: 5 of the 100 (and the 5 sponsors, at example.org)
    crowd = signers(petition, 40, start=START, every=20, delay=200, first=6000, identity=people(seed=2))
    bots = signers(petition, 40, start=START, every=20, delay=30, identity=people(["yahoo.co.uk"], seed=3))
    alerts = detect(START + datetime.timedelta(minutes=15))
    shift = next(a for a in alerts if a.kind == AlertKind.PROVIDER_SHIFT)
    # The selection is the domain in the window: the bots, and the two people who use it too.
    crowd_yahoo = set(
        Signature.objects.filter(pk__in=crowd, email_canonical__endswith="@yahoo.co.uk").values_list("pk", flat=True)
    )
    assert len(crowd_yahoo) == 2
    assert selected(shift) == set(bots) | crowd_yahoo
    assert shift.count == 42
    assert "yahoo.co.uk: 42 of the 80 signatures in 15 minutes (52%); usually 4.8% of this petition's" in shift.summary
    # gmail.com is 40% of the window too, as usual: no alert about it.
    assert [a.value for a in alerts if a.kind == AlertKind.PROVIDER_SHIFT] == ["yahoo.co.uk"]


def test_people_with_the_usual_mix_raise_no_provider_shift(petition: Petition) -> None:
    usual_day(petition)
    # As many as the attack above, at the same pace, with the usual providers.
    signers(petition, 100, start=START, every=9, delay=200, first=6000, identity=people(seed=2))
    alerts = detect(START + datetime.timedelta(minutes=15))
    assert [a for a in alerts if a.kind == AlertKind.PROVIDER_SHIFT] == []


def test_a_petitions_launch_has_no_usual_mix(petition: Petition) -> None:
    # A union's members sign a new petition at once: no history to differ from.
    signers(petition, 60, start=START, every=14, delay=300, identity=people(["union.example"]))
    assert detect(START + datetime.timedelta(minutes=15)) == []


def test_a_provider_shift_is_one_alert_per_episode_whose_baseline_is_before_it(
    petition: Petition, superuser: User, django_capture_on_commit_callbacks: Any
) -> None:
    usual_day(petition)
    farm = people(["quickmail.example"], seed=3)
    bots = signers(petition, 60, start=START, every=15, delay=60, identity=farm)
    first = detect(START + datetime.timedelta(minutes=15))
    assert AlertKind.PROVIDER_SHIFT in [a.kind for a in first]  # and a surge
    # The farm goes on for another 45 minutes: by then it is most of the petition's last
    # hour, but the episode compares it with the mix before it began.
    for step in range(1, 4):
        at = START + datetime.timedelta(minutes=15 * step)
        bots += signers(petition, 60, start=at, every=15, delay=60, first=100 * step, identity=farm)
        assert detect(at + datetime.timedelta(minutes=15)) == []  # extended, not new (the surge too)
    shift = TrendAlert.objects.get(kind=AlertKind.PROVIDER_SHIFT)
    assert shift.hour_starting == START
    assert shift.window_end == START + datetime.timedelta(minutes=60)
    assert selected(shift) == set(bots)
    assert shift.count == 240
    assert alert_emails() == 1
    # Staff remove what the alert names; the farm comes back later: a new episode, a new alert
    # (signatures removed are no part of the petition's usual mix).
    with django_capture_on_commit_callbacks(execute=True):
        invalidation_request(criteria=alert_criteria(shift), reason="fraud", note="", actor=superuser)
    later = START + datetime.timedelta(hours=3)
    signers(petition, 60, start=later, every=15, delay=60, first=900, identity=farm)
    again = detect(later + datetime.timedelta(minutes=15))
    assert AlertKind.PROVIDER_SHIFT in [a.kind for a in again]
    assert alert_emails() == 2


# --- Addresses or names made from one template -------------------------------------------------


def numbered(address: str, name: str | None = None) -> Identity:
    """A script's signers: `address` and `name` with the signer's number in place of {n};
    realistic names when no `name` is given."""
    rng = random.Random(5)
    return lambda n: (person_name(rng) if name is None else name.format(n=n), address.format(n=n))


def test_numbered_addresses_are_templated_and_the_alert_names_exactly_them(
    petition: Petition, client: Client, superuser: User
) -> None:
    crowd = signers(petition, 40, start=START, every=20, delay=200, first=6000)
    # 40 bots with realistic names and numbered mailboxes at a big provider (no provider shift).
    bots = signers(petition, 40, start=START, every=20, delay=90, first=100, identity=numbered("voter{n}@gmail.com"))
    Signature.objects.filter(pk__in=bots[:3]).update(hold_reason="network")
    alerts = detect(START + datetime.timedelta(minutes=15))

    assert [(a.kind, a.value) for a in alerts] == [(AlertKind.TEMPLATED, "voter#@gmail.com")]
    templated = alerts[0]
    assert templated.criteria["email_pattern"] == "voter#@gmail.com"
    assert selected(templated) == set(bots)
    assert not selected(templated) & set(crowd)
    assert (templated.count, templated.held) == (40, 3)
    assert templated.counted == Signature.objects.filter(pk__in=bots, counted_at__isnull=False).count() == 37
    assert templated.share_percent == 50
    assert templated.summary.startswith(
        "40 of the 80 signatures in 15 minutes have addresses of one shape, voter#@gmail.com"
    )
    client.force_login(superuser)
    assert follow_link(client, templated) == 40


def test_numbered_names_are_templated_whatever_their_addresses(
    petition: Petition, client: Client, superuser: User
) -> None:
    signers(petition, 40, start=START, every=20, delay=200, first=6000)
    bots = signers(petition, 12, start=START, every=60, delay=30, first=100, identity=people(seed=9))
    for n, pk in enumerate(bots):  # "Test User 1", "TEST USER 22", "test  user 333"...
        Signature.objects.filter(pk=pk).update(
            name=["Test User {}", "TEST USER {}", "test  user {}"][n % 3].format(n * 11)
        )
    alerts = detect(START + datetime.timedelta(minutes=15))
    assert [(a.kind, a.value) for a in alerts] == [(AlertKind.TEMPLATED, "test user #")]
    assert alerts[0].criteria["name_pattern"] == "test user #"
    assert selected(alerts[0]) == set(bots)
    assert "12 of the 52 signatures in 15 minutes have names of one shape, “test user #”" in alerts[0].summary
    client.force_login(superuser)
    assert follow_link(client, alerts[0]) == 12


def test_a_script_numbering_both_is_two_alerts_in_one_email(petition: Petition) -> None:
    bots = signers(
        petition, 30, start=START, every=30, delay=200, identity=numbered("tu{n}@outlook.com", "Test User {n}")
    )
    alerts = detect(START + datetime.timedelta(minutes=15))
    assert {(a.kind, a.value) for a in alerts} == {
        (AlertKind.TEMPLATED, "tu#@outlook.com"),
        (AlertKind.TEMPLATED, "test user #"),
    }
    assert all(selected(alert) == set(bots) for alert in alerts)
    assert alert_emails() == 1


def test_people_of_the_same_number_raise_no_templated_alert(petition: Petition) -> None:
    # As many as the attacks above, at the same pace: realistic names, and mailboxes that have
    # digits in them (first.last1234@), as many people's do.
    signers(petition, 80, start=START, every=11, delay=200, first=6000)
    assert detect(START + datetime.timedelta(minutes=15)) == []


def test_a_templated_episode_is_one_alert_that_grows(petition: Petition) -> None:
    script = numbered("voter{n}@gmail.com")
    bots = signers(petition, 20, start=START, every=40, delay=200, identity=script)
    assert len(detect(START + datetime.timedelta(minutes=15))) == 1
    bots += signers(
        petition, 20, start=START + datetime.timedelta(minutes=15), every=15, delay=200, first=20, identity=script
    )
    assert detect(START + datetime.timedelta(minutes=20)) == []  # extended: no second alert, no second email
    templated = TrendAlert.objects.get(kind=AlertKind.TEMPLATED)
    assert selected(templated) == set(bots[:20]) | set(bots[20:])
    assert templated.count == len(set(bots)) == 40
    assert alert_emails() == 1


@pytest.mark.parametrize(
    "population",
    [
        Residents("residents", count=4000, span=6 * 3600),
        Surge("surge", count=6000, start=0.0, mean_wait=1200.0),
        Campus("campus", count=3000, start=0.0, span=2 * 3600),
        SharedAddress("office", count=400, start=0.0),
        Households("households", homes=600),
        PrivacyMinded("privacy", count=200),
    ],
    ids=lambda population: population.name,
)
def test_no_genuine_population_of_the_attack_laboratory_looks_templated(population: Any) -> None:
    # Every 15-minute window, every 5 minutes, of each genuine population at full size (and a
    # day's residents under each): no shape of address or name reaches the thresholds.
    people = population.attempts(random.Random(7), 1.0) + Residents("day").attempts(random.Random(8), 1.0)
    people.sort(key=lambda attempt: attempt.at)
    end = max(attempt.at for attempt in people)
    for window_end in range(900, int(end) + 300, 300):
        window = [
            (email_canonical(attempt.email), attempt.name)
            for attempt in people
            if window_end - 900 <= attempt.at < window_end
        ]
        assert shapes_over(window) == [], (population.name, window_end)
