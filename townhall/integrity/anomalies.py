"""Petition-wide signals: attacks spread over many addresses that no per-source limit sees.

Every ANOMALY_INTERVAL_SECONDS the scheduler looks at each petition's last
ANOMALY_WINDOW_MINUTES of signing against its own usual rate:

- **Surge**: at least ANOMALY_MIN_SIGNATURES signatures in the window, and at least
  ANOMALY_RATE_FACTOR times the petition's usual rate (the median of its hourly counts over
  the day before, from the counter's hourly breakdown; never below ANOMALY_BASELINE_FLOOR a
  window; none until the petition has ANOMALY_MIN_HISTORY_HOURS of signing behind it). A
  surge alone is often good news (a TV mention): the alert says what it saw.
- **Fast confirmations**: at least ANOMALY_MIN_SIGNATURES signatures in the window, and at
  least ANOMALY_FAST_SHARE_PERCENT of them confirmed within HOLD_FAST_CONFIRM_SECONDS of
  signing (the window ends that long ago, so each has had the time to). People read their
  email at their own pace; a script that reads its own mailboxes confirms at once. It needs no
  usual rate, so a new petition is covered from its first hour.
- **Provider shift**: in the last ANOMALY_WINDOW_MINUTES (ending now), one email domain behind
  at least ANOMALY_PROVIDER_MIN of at least ANOMALY_MIN_SIGNATURES signatures, at least
  ANOMALY_PROVIDER_SHARE_PERCENT of them, and at least ANOMALY_RATE_FACTOR times its share of
  the petition's signatures before the episode (a domain new to the petition counts as
  ANOMALY_PROVIDER_FLOOR_PERCENT). A bot farm registers its mailboxes at one provider, new or
  big; the hourly per-domain trend rule leaves the big providers out, and its share is of the
  hour, not against the petition's own mix. Like a surge, it needs ANOMALY_MIN_HISTORY_HOURS of
  signing (and ANOMALY_MIN_SIGNATURES signatures) before the window: a petition's launch has no
  usual mix.
- **Templated addresses or names**: in the last ANOMALY_WINDOW_MINUTES (ending now), at least
  ANOMALY_TEMPLATE_MIN signatures, and at least ANOMALY_TEMPLATE_SHARE_PERCENT of the window,
  whose canonical addresses, or whose names, have one shape (townhall/integrity/rules.py: each
  run of digits as #, so voter17@ and voter18@example.net are voter#@example.net, "Test User
  12" is "test user #"). A script numbers what it makes; people have digits in their
  addresses (jsmith85@) but rarely share a stem. It needs no history.

An alert covers an episode: while the signal lasts, each run extends the same alert (its
window, its figures, its selection); a new episode after a quiet run is a new alert, and
staff are emailed once per new alert; a provider shift has its episodes per domain, templated
signing per shape. Each alert keeps its selection in the invalidation tools' terms
(`criteria`): the petition, the episode's window and, for fast confirmations, the delay that
separates them (the smallest multiple of 15 seconds that covers 95% of the fast ones), for a
provider shift the domain, for templated signing the shape as an email or name pattern — so
removing or releasing "what the alert names" is one link.
"""

from __future__ import annotations

import datetime
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from townhall.areas.models import PetitionHourCount
from townhall.integrity.models import AlertKind, TrendAlert
from townhall.integrity.rules import email_shape, name_shape
from townhall.integrity.services import REMOVABLE, tell_staff_of_alerts
from townhall.signatures.models import Signature, SignatureState


def _config(key: str) -> int:
    return int(settings.TOWNHALL[key])


@dataclass(frozen=True)
class Window:
    """One petition's signatures in the window just gone."""

    petition_id: int
    signed: int
    confirmed: int
    fast_delays: tuple[float, ...]  # seconds from signing to confirming, under the fast limit
    fast_signed: tuple[datetime.datetime, ...]  # when each of those was signed
    counted: int
    held: int

    @property
    def fast(self) -> int:
        return len(self.fast_delays)


# A signature in the window ending now: its canonical email address and its name.
Recent = tuple[str, str]


def _windows(*, since: datetime.datetime, now: datetime.datetime) -> tuple[dict[int, Window], dict[int, list[Recent]]]:
    """Each petition's signatures in two windows of the same length, read in one query:

    - made in the window ending HOLD_FAST_CONFIRM_SECONDS ago, not sponsors': every one of
      them has had the time to be a fast confirmation, so the share of fast ones is not
      inflated by the people who have not read their email yet;
    - made in the window ending now, those that count or may (what an alert's selection
      takes): their canonical addresses and names.
    """
    fast_limit = _config("HOLD_FAST_CONFIRM_SECONDS")
    lag = datetime.timedelta(seconds=fast_limit)
    rows = Signature.objects.filter(created_at__gte=since - lag, created_at__lt=now).values_list(
        "petition_id",
        "state",
        "created_at",
        "verified_at",
        "counted_at",
        "hold_reason",
        "is_sponsor",
        "email_canonical",
        "name",
    )
    signed: dict[int, int] = defaultdict(int)
    confirmed: dict[int, int] = defaultdict(int)
    fast: dict[int, list[float]] = defaultdict(list)
    fast_signed: dict[int, list[datetime.datetime]] = defaultdict(list)
    counted: dict[int, int] = defaultdict(int)
    held: dict[int, int] = defaultdict(int)
    recent: dict[int, list[Recent]] = defaultdict(list)
    for petition_id, state, created_at, verified_at, counted_at, hold_reason, is_sponsor, email, name in rows:
        if created_at >= since and state in REMOVABLE:
            recent[petition_id].append((email, name))
        if created_at >= now - lag or is_sponsor:
            continue
        signed[petition_id] += 1
        if verified_at is not None and state == SignatureState.VERIFIED:
            confirmed[petition_id] += 1
            delay = (verified_at - created_at).total_seconds()
            if delay < fast_limit:
                fast[petition_id].append(delay)
                fast_signed[petition_id].append(created_at)
        counted[petition_id] += int(counted_at is not None and state == SignatureState.VERIFIED)
        held[petition_id] += int(bool(hold_reason) and state in (SignatureState.PENDING, SignatureState.VERIFIED))
    windows = {
        pid: Window(pid, n, confirmed[pid], tuple(sorted(fast[pid])), tuple(fast_signed[pid]), counted[pid], held[pid])
        for pid, n in signed.items()
    }
    return windows, dict(recent)


def usual_per_window(*, petition_id: int, before: datetime.datetime) -> float | None:
    """The petition's usual signatures per window: the median of its hourly counted
    signatures over the 24 hours before `before` (from its first counted hour; empty hours
    count as none), scaled to the window and never below ANOMALY_BASELINE_FLOOR. None while
    it has fewer than ANOMALY_MIN_HISTORY_HOURS of signing behind it: a new petition has no
    usual rate, and its launch is not a surge."""
    last_hour = before.replace(minute=0, second=0, microsecond=0)
    counts = dict(
        PetitionHourCount.objects.filter(
            petition_id=petition_id, hour__gte=last_hour - datetime.timedelta(hours=24), hour__lt=last_hour
        ).values_list("hour", "signature_count")
    )
    if not counts:
        return None
    hours = int((last_hour - min(counts)).total_seconds() // 3600)
    if hours < _config("ANOMALY_MIN_HISTORY_HOURS"):
        return None
    per_hour = list(counts.values()) + [0] * max(0, hours - len(counts))
    usual = statistics.median(per_hour)
    return max(float(_config("ANOMALY_BASELINE_FLOOR")), usual * _config("ANOMALY_WINDOW_MINUTES") / 60)


def _separating_delay(delays: tuple[float, ...]) -> int:
    """The smallest multiple of 15 seconds covering 95% of the fast confirmations."""
    if not delays:
        return _config("HOLD_FAST_CONFIRM_SECONDS")
    p95 = delays[min(len(delays) - 1, int(len(delays) * 0.95))]
    return int(min(_config("HOLD_FAST_CONFIRM_SECONDS"), 15 * (int(p95 // 15) + 1)))


def _crowded_minutes(signed: tuple[datetime.datetime, ...]) -> tuple[datetime.datetime, datetime.datetime]:
    """When the fast confirmations crowd together: from the first minute holding at least
    ANOMALY_CROWDED_MINUTE_MIN of them and a quarter of the busiest minute's, to the end of
    the last such minute (every one of them if no minute is that crowded). People who
    confirm quickly by chance are spread thinly over the day; a script's signatures come
    together, so the selection keeps to their minutes and takes as few people as it can."""
    minute = datetime.timedelta(minutes=1)
    per_minute = Counter(moment.replace(second=0, microsecond=0) for moment in signed)
    peak = max(per_minute.values())
    least = max(_config("ANOMALY_CROWDED_MINUTE_MIN"), (peak + 3) // 4)
    crowded = [start for start, n in per_minute.items() if n >= least] or list(per_minute)
    return min(crowded), max(crowded) + minute


def _iso(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).isoformat(timespec="seconds")


def _live(*, petition_id: int, kind: str, value: str, since: datetime.datetime) -> TrendAlert | None:
    """This petition's episode of `kind` (about `value`) if it was live at the last run."""
    interval = datetime.timedelta(seconds=float(settings.TOWNHALL["ANOMALY_INTERVAL_SECONDS"]))
    return (
        TrendAlert.objects.filter(petition_id=petition_id, kind=kind, value=value, window_end__gte=since - interval)
        .order_by("-hour_starting")
        .first()
    )


def _raise(
    *,
    petition_id: int,
    kind: str,
    now: datetime.datetime,
    since: datetime.datetime,
    summary: str,
    extra: dict[str, object],
    value: str = "",
) -> TrendAlert | None:
    """Extend this petition's episode of `kind` (about `value`: a domain, a shape) if it was
    live at the last run; otherwise start a new one. Returns the alert if it is new."""
    live = _live(petition_id=petition_id, kind=kind, value=value, since=since)
    start = live.hour_starting if live is not None else since
    criteria: dict[str, object] = {"petition_id": petition_id, "since": _iso(start), "until": _iso(now), **extra}
    if live is not None and "since" in extra:
        # A selection narrower than the episode's windows only widens as it goes on.
        earlier = min(str(live.criteria["since"]), str(extra["since"]), key=datetime.datetime.fromisoformat)
        later = max(str(live.criteria["until"]), str(extra["until"]), key=datetime.datetime.fromisoformat)
        criteria.update(since=earlier, until=later)
    if live is not None and isinstance(live.criteria.get("confirmed_within_seconds"), int):
        # An episode's separating delay only widens as it goes on.
        extra_delay = extra.get("confirmed_within_seconds")
        if isinstance(extra_delay, int):
            criteria["confirmed_within_seconds"] = max(extra_delay, int(live.criteria["confirmed_within_seconds"]))
    selected = _selected(criteria)
    fields = {
        "window_end": now,
        "count": selected["count"],
        "share_percent": 100 if kind == AlertKind.SURGE else selected["share"],
        "summary": summary,
        "criteria": criteria,
        "held": selected["held"],
        "counted": selected["counted"],
    }
    if live is not None:
        TrendAlert.objects.filter(pk=live.pk).update(**fields)
        return None
    return TrendAlert.objects.create(
        petition_id=petition_id, kind=kind, value=value, hour_starting=start, created_at=now, **fields
    )


def _selected(criteria: dict[str, object]) -> dict[str, int]:
    """What an alert's selection holds now (exactly what the invalidation tools would take)."""
    from townhall.integrity.services import Criteria, signatures_matching

    chosen = signatures_matching(Criteria.from_dict(criteria))
    count = chosen.count()
    everyone = signatures_matching(
        Criteria.from_dict({k: v for k, v in criteria.items() if k in ("petition_id", "since", "until")})
    )
    total = everyone.count()
    return {
        "count": count,
        "share": count * 100 // total if total else 0,
        "held": chosen.exclude(hold_reason="").count(),
        "counted": chosen.filter(~Q(counted_at=None), state=SignatureState.VERIFIED).count(),
    }


def _percent(share: float) -> str:
    """A share in per cent as the summaries write it: 44, 3.5, 0.3."""
    return f"{share:.0f}" if share >= 10 else f"{share:.1f}".removesuffix(".0")


def domains_over_share(emails: list[str]) -> dict[str, int]:
    """The email domains behind at least ANOMALY_PROVIDER_MIN and at least
    ANOMALY_PROVIDER_SHARE_PERCENT of these canonical addresses, with their counts (at most
    four: no more than four can each have a quarter)."""
    by_domain = Counter(address.rpartition("@")[2] for address in emails if "@" in address)
    return {
        domain: n
        for domain, n in by_domain.items()
        if domain
        and n >= _config("ANOMALY_PROVIDER_MIN")
        and n * 100 >= _config("ANOMALY_PROVIDER_SHARE_PERCENT") * len(emails)
    }


@dataclass(frozen=True)
class Usual:
    """A domain's signatures on a petition before an episode, of how many."""

    domain: int
    total: int


def usual_shares(
    *, petition_id: int, before: dict[str, datetime.datetime], history_since: datetime.datetime
) -> dict[str, Usual]:
    """Each domain's part of the petition's signatures that count or may, made before its
    time in `before` (the start of its episode). One aggregate over the petition's earlier
    signatures: a count for each domain and each cut-off, and the first signature (none is
    returned unless it was made before `history_since`)."""
    counts: dict[str, Count | Min] = {"first": Min("created_at")}
    for n, (domain, cutoff) in enumerate(before.items()):
        counts[f"total{n}"] = Count("pk", filter=Q(created_at__lt=cutoff))
        counts[f"domain{n}"] = Count("pk", filter=Q(created_at__lt=cutoff, email_canonical__endswith="@" + domain))
    found = Signature.objects.filter(
        petition_id=petition_id, state__in=REMOVABLE, created_at__lt=max(before.values())
    ).aggregate(**counts)
    if found["first"] is None or found["first"] > history_since:
        return {}
    return {domain: Usual(found[f"domain{n}"], found[f"total{n}"]) for n, domain in enumerate(before)}


def _provider_shifts(
    *, petition_id: int, emails: list[str], since: datetime.datetime, now: datetime.datetime
) -> list[TrendAlert]:
    """Alerts for the domains far above their usual share of this petition's signatures."""
    total = len(emails)
    if total < _config("ANOMALY_MIN_SIGNATURES"):
        return []
    over = domains_over_share(emails)
    if not over:
        return []
    # An episode's baseline is the mix before it began: it never learns the attack as usual.
    starts = {
        domain: live.hour_starting
        if (live := _live(petition_id=petition_id, kind=AlertKind.PROVIDER_SHIFT, value=domain, since=since))
        else since
        for domain in over
    }
    history = datetime.timedelta(hours=_config("ANOMALY_MIN_HISTORY_HOURS"))
    usual = usual_shares(petition_id=petition_id, before=starts, history_since=since - history)
    floor = _config("ANOMALY_PROVIDER_FLOOR_PERCENT") / 100
    new = []
    for domain, n in sorted(over.items()):
        before = usual.get(domain)
        if before is None or before.total < _config("ANOMALY_MIN_SIGNATURES"):
            continue
        usual_share = before.domain / before.total
        if n / total < _config("ANOMALY_RATE_FACTOR") * max(usual_share, floor):
            continue
        figures = {
            "domain": domain,
            "n": n,
            "total": total,
            "minutes": _config("ANOMALY_WINDOW_MINUTES"),
            "share": _percent(n * 100 / total),
        }
        if before.domain:
            summary = _(
                "%(domain)s: %(n)s of the %(total)s signatures in %(minutes)s minutes (%(share)s%%); "
                "usually %(usual)s%% of this petition's signatures."
            ) % {**figures, "usual": _percent(usual_share * 100)}
        else:
            summary = _(
                "%(domain)s: %(n)s of the %(total)s signatures in %(minutes)s minutes (%(share)s%%), "
                "and none of the %(before)s before: a domain new to this petition."
            ) % {**figures, "before": before.total}
        alert = _raise(
            petition_id=petition_id,
            kind=AlertKind.PROVIDER_SHIFT,
            now=now,
            since=since,
            summary=summary,
            extra={"domain": domain},
            value=domain,
        )
        new += [alert] if alert else []
    return new


def shapes_over(signatures: list[Recent]) -> list[tuple[str, str, int]]:
    """The shapes of address and of name shared by at least ANOMALY_TEMPLATE_MIN of these
    signatures and at least ANOMALY_TEMPLATE_SHARE_PERCENT of them, as (the criterion that
    selects them, the shape, how many), the largest first."""
    least = max(_config("ANOMALY_TEMPLATE_MIN"), _config("ANOMALY_TEMPLATE_SHARE_PERCENT") * len(signatures) / 100)
    shapes = {
        "email_pattern": Counter(email_shape(email) for email, _ in signatures),
        "name_pattern": Counter(name_shape(name) for _, name in signatures),
    }
    found = [
        (criterion, shape, n)
        for criterion, counted in shapes.items()
        for shape, n in counted.items()
        if shape is not None and n >= least
    ]
    return sorted(found, key=lambda item: (-item[2], item[0], item[1]))


def _templated(
    *, petition_id: int, signatures: list[Recent], since: datetime.datetime, now: datetime.datetime
) -> list[TrendAlert]:
    """Alerts for the addresses and names of one shape in this petition's window."""
    new = []
    for criterion, shape, n in shapes_over(signatures):
        figures = {"n": n, "total": len(signatures), "minutes": _config("ANOMALY_WINDOW_MINUTES"), "shape": shape}
        if criterion == "email_pattern":
            summary = (
                _(
                    "%(n)s of the %(total)s signatures in %(minutes)s minutes have addresses of one shape, "
                    "%(shape)s (# is any run of digits). Scripts number what they make; people rarely share a stem."
                )
                % figures
            )
        else:
            summary = (
                _(
                    "%(n)s of the %(total)s signatures in %(minutes)s minutes have names of one shape, "
                    "“%(shape)s” (# is any run of digits). Scripts number what they make; people rarely do."
                )
                % figures
            )
        alert = _raise(
            petition_id=petition_id,
            kind=AlertKind.TEMPLATED,
            now=now,
            since=since,
            summary=summary,
            extra={criterion: shape},
            value=shape,
        )
        new += [alert] if alert else []
    return new


def anomalies_detect(*, now: datetime.datetime | None = None) -> list[TrendAlert]:
    """Look at every petition's last window; raise or extend alerts; email staff of new ones."""
    now = now or timezone.now()
    minutes = _config("ANOMALY_WINDOW_MINUTES")
    since = now - datetime.timedelta(minutes=minutes)
    new: list[TrendAlert] = []
    windows, recent = _windows(since=since, now=now)
    for petition_id, signatures in sorted(recent.items()):
        emails = [email for email, _ in signatures]
        new += _provider_shifts(petition_id=petition_id, emails=emails, since=since, now=now)
        new += _templated(petition_id=petition_id, signatures=signatures, since=since, now=now)
    since -= datetime.timedelta(seconds=_config("HOLD_FAST_CONFIRM_SECONDS"))  # where the lagged windows begin
    for petition_id, window in sorted(windows.items()):
        if window.signed < _config("ANOMALY_MIN_SIGNATURES"):
            continue
        usual = usual_per_window(petition_id=petition_id, before=since)
        if usual is not None and window.signed >= _config("ANOMALY_RATE_FACTOR") * usual:
            summary = _(
                "%(n)s signatures in %(minutes)s minutes: %(factor)s times this petition's usual rate "
                "(%(usual)s in %(minutes)s minutes)."
            ) % {
                "n": window.signed,
                "minutes": minutes,
                "factor": f"{window.signed / usual:.1f}",
                "usual": f"{usual:.0f}",
            }
            surge = _raise(
                petition_id=petition_id, kind=AlertKind.SURGE, now=now, since=since, summary=summary, extra={}
            )
            new += [surge] if surge else []
        if window.fast * 100 >= _config("ANOMALY_FAST_SHARE_PERCENT") * window.signed:
            delay = _separating_delay(window.fast_delays)
            crowded = _crowded_minutes(window.fast_signed)
            summary = _(
                "%(fast)s of the %(signed)s signatures in %(minutes)s minutes were confirmed within "
                "%(delay)s seconds of signing (%(share)s%%). People read their email at their own pace; "
                "scripts that read their own mailboxes confirm at once."
            ) % {
                "fast": window.fast,
                "signed": window.signed,
                "minutes": minutes,
                "delay": delay,
                "share": window.fast * 100 // window.signed,
            }
            fast = _raise(
                petition_id=petition_id,
                kind=AlertKind.FAST_CONFIRMS,
                now=now,
                since=since,
                summary=summary,
                extra={"confirmed_within_seconds": delay, "since": _iso(crowded[0]), "until": _iso(crowded[1])},
            )
            new += [fast] if fast else []
    if new:
        tell_staff_of_alerts(new)
    return new
