"""Run one scenario through the product's own services under a controlled clock.

Every submission goes through `signature_create` (the sign form's service, with its fraud
controls), every confirmation through `signature_confirm`, and the scheduler's own jobs run
at their own intervals (the counter every simulated minute: its lag changes no outcome): the evidence
review of held signatures, the trend and anomaly alerts. After the last submission the
clock runs on for SETTLE_SECONDS with the jobs still running, so the evidence can clear.
Staff do nothing: the table shows what the product does by itself. The alerts' selections
are then measured as staff would use them (what removing each would take out).
"""

from __future__ import annotations

import datetime
import heapq
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import time_machine
from django.conf import settings

from scripts.attack_lab.populations import Attempt
from scripts.attack_lab.scenarios import Scenario

T0 = datetime.datetime(2026, 6, 1, 8, 0, tzinfo=datetime.UTC)
SETTLE_SECONDS = 6 * 3600.0
# The scheduler's jobs the laboratory runs (the rest send email or tidy up).
LAB_JOBS = ("count-signatures", "count-awaiting", "review-holds", "detect-trends", "detect-anomalies")
COUNTER_EVERY = 60.0


@dataclass
class Tally:
    submitted: int = 0
    confirmed: int = 0
    counted: int = 0
    held_ever: int = 0
    held_confirmed: int = 0  # of those held, how many pressed confirm
    released: int = 0
    held_at_end: int = 0
    caught: int = 0

    @property
    def kept_out(self) -> int:
        """Confirmed and not counted at the end."""
        return self.confirmed - self.counted


@dataclass
class Alerted:
    kind: str
    first_at: float  # seconds from the scenario's start
    summary: str
    selection: set[int] = field(default_factory=set)


@dataclass
class ScenarioResult:
    scenario: Scenario
    genuine: Tally
    bots: Tally
    alerts: list[Alerted]
    removal_genuine: int  # genuine signatures in the union of the alerts' selections
    removal_bots: int
    seconds: float

    @property
    def time_to_alert(self) -> float | None:
        if self.scenario.attack_starts is None or not self.alerts:
            return None
        after = [
            a.first_at - self.scenario.attack_starts for a in self.alerts if a.first_at >= self.scenario.attack_starts
        ]
        return min(after) if after else None


def _jobs() -> list[tuple[str, float, Callable[[], object]]]:
    from townhall.core.scheduler import registered_jobs

    jobs = []
    for job in registered_jobs():
        if job.name in LAB_JOBS:
            interval = job.interval
            if job.name.startswith("count-"):
                interval = max(interval, COUNTER_EVERY)
            jobs.append((job.name, interval, job.func))
    return jobs


def open_lab_petition(action: str) -> Any:
    """A petition opened through the product's services, its sponsors counted."""
    from scripts.bench.setup_db import open_petition
    from townhall.accounts.models import Role, User
    from townhall.schemes.selectors import scheme_get_current
    from townhall.schemes.services import body_setup
    from townhall.signatures.services import signature_count_new

    try:
        scheme = scheme_get_current()
    except Exception:
        scheme = body_setup(
            name="Kingsmere Borough Council",
            area_name="the Borough of Kingsmere",
            population=300_600,
            preset="english-council",
        )
    moderator = User.objects.filter(username="lab-moderator").first() or User.objects.create_user(
        "lab-moderator", "moderator@lab.invalid", "lab-moderator-password", roles=[Role.MODERATOR.value]
    )
    petition = open_petition(
        action=action, creator=f"lab{User.objects.count()}", moderator=moderator, sponsors=scheme.sponsor_count
    )
    signature_count_new()
    return petition


def _enter_shared_networks(scenario: Scenario) -> Any:
    """The scenario's known shared networks as staff would enter them (through the lists'
    service); the returned query set removes them after the run."""
    from townhall.accounts.models import Role, User
    from townhall.lists.models import ListAction, ListEntry, ListKind
    from townhall.lists.selectors import forget_lists
    from townhall.lists.services import list_entry_save

    administrator = User.objects.filter(username="lab-administrator").first() or User.objects.create_user(
        "lab-administrator", "administrator@lab.invalid", "lab-administrator-password", roles=[Role.ADMINISTRATOR.value]
    )
    for network, factor in scenario.shared_networks:
        entry = ListEntry(kind=ListKind.IP, action=ListAction.SHARED, value=network, limit_factor=factor)
        list_entry_save(entry=entry, actor=administrator)
    forget_lists()
    return ListEntry.objects.filter(action=ListAction.SHARED)


def run_scenario(scenario: Scenario, *, scale: float = 1.0, seed: int = 2026) -> ScenarioResult:
    import time

    from townhall.integrity.models import AlertKind, TrendAlert
    from townhall.lists.selectors import forget_lists
    from townhall.signatures.models import Signature, SignatureState
    from townhall.signatures.services import signature_confirm, signature_create

    began = time.perf_counter()
    rng = random.Random(seed)
    attempts = sorted(
        (a for population in scenario.populations for a in population.attempts(rng, scale)), key=lambda a: a.at
    )
    # Opened just before the day begins: what it has of a usual rate comes from that day.
    with time_machine.travel(T0 - datetime.timedelta(minutes=1), tick=False):
        petition = open_lab_petition(f"Laboratory: {scenario.name}")
    shared = _enter_shared_networks(scenario)

    who: dict[int, Attempt] = {}
    events: list[tuple[float, int, str, Any]] = []
    order = 0

    def push(at: float, kind: str, data: Any) -> None:
        nonlocal order
        order += 1
        heapq.heappush(events, (at, order, kind, data))

    for attempt in attempts:
        push(attempt.at, "sign", attempt)
    end = (attempts[-1].at if attempts else 0.0) + SETTLE_SECONDS
    for name, interval, func in _jobs():
        push(interval, "job", (name, interval, func))

    with time_machine.travel(T0, tick=False) as clock:
        while events:
            at, _, kind, data = heapq.heappop(events)
            if at > end:
                break
            clock.move_to(T0 + datetime.timedelta(seconds=at))
            if kind == "sign":
                outcome = signature_create(
                    petition_id=petition.pk,
                    name=data.name,
                    email=data.email,
                    postcode=data.postcode,
                    declared_eligible=True,
                    wants_updates=False,
                    ip=data.ip,
                )
                if outcome.kind == "created":
                    who[outcome.signature_id] = data
                    if data.confirm_after is not None:
                        push(at + data.confirm_after, "confirm", outcome.signature_id)
            elif kind == "confirm":
                signature = Signature.objects.only("token").get(pk=data)
                try:
                    signature_confirm(signature_id=data, token=signature.token)
                except Exception:  # noqa: S112 - a link may expire or the petition close; not counted either way
                    continue
            else:
                name, interval, func = data
                func()
                push(at + interval, "job", data)
        clock.move_to(T0 + datetime.timedelta(seconds=end))
        for _name, _interval, func in _jobs():
            func()

    shared.delete()
    forget_lists()
    genuine, bots = Tally(), Tally()
    rows = Signature.objects.filter(pk__in=list(who)).values_list(
        "pk", "state", "counted_at", "held_at", "released_at", "hold_reason"
    )
    for pk, state, counted_at, held_at, released_at, hold_reason in rows:
        tally = genuine if who[pk].genuine else bots
        tally.submitted += 1
        tally.confirmed += int(who[pk].confirm_after is not None)  # pressed confirm
        tally.counted += int(counted_at is not None and state == SignatureState.VERIFIED)
        tally.held_ever += int(held_at is not None)
        tally.held_confirmed += int(held_at is not None and who[pk].confirm_after is not None)
        tally.released += int(released_at is not None)
        tally.held_at_end += int(bool(hold_reason) and state in (SignatureState.PENDING, SignatureState.VERIFIED))
        tally.caught += int(state == SignatureState.FRAUDULENT)

    alerts: list[Alerted] = []
    removal: set[int] = set()
    for alert in TrendAlert.objects.filter(petition=petition).order_by("created_at"):
        selection = set(_selection(alert)) & set(who)
        if alert.kind != AlertKind.SURGE:  # a surge names its whole window: to look at, not to remove
            removal |= selection
        alerts.append(
            Alerted(
                kind=alert.kind,
                first_at=(alert.created_at - T0).total_seconds(),
                summary=str(alert),
                selection=selection,
            )
        )
    return ScenarioResult(
        scenario=scenario,
        genuine=genuine,
        bots=bots,
        alerts=alerts,
        removal_genuine=sum(1 for pk in removal if who[pk].genuine),
        removal_bots=sum(1 for pk in removal if not who[pk].genuine),
        seconds=time.perf_counter() - began,
    )


def _selection(alert: Any) -> list[int]:
    """The signatures an alert's selection names, as the invalidation tools would take them."""
    from townhall.integrity import services

    criteria_for = getattr(services, "alert_criteria", None)
    if criteria_for is None:
        return []
    return list(services.signatures_matching(criteria_for(alert)).values_list("pk", flat=True))


def lab_settings() -> dict[str, Any]:
    """The settings the run used (the product's defaults unless overridden)."""
    keys = [k for k in settings.TOWNHALL if k.startswith(("SIGN_", "HOLD_", "DISPOSABLE", "TREND_", "ANOMALY_"))]
    return {k: settings.TOWNHALL[k] for k in sorted(keys)}
