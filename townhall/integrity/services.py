"""Invalidation of signatures by criteria, and hourly detection of trending sources."""

from __future__ import annotations

import datetime
import ipaddress
import re
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from townhall.accounts.models import Actor
from townhall.accounts.policies import can_administer, require
from townhall.accounts.selectors import user_emails_moderators
from townhall.areas.keys import hour_of
from townhall.areas.models import Area
from townhall.areas.services import breakdown_remove
from townhall.audit.services import audit_record
from townhall.core.errors import DomainError, NotFound
from townhall.core.net import fingerprint
from townhall.core.text import normalise_postcode
from townhall.integrity.models import (
    AlertKind,
    Invalidation,
    InvalidationReason,
    InvalidationState,
    TrendAlert,
)
from townhall.mail.services import send_email
from townhall.petitions.models import Petition
from townhall.petitions.services import petition_forget_unsubmitted, petition_tally_remove
from townhall.signatures.models import Signature, SignatureState

# Signatures that count or may yet count; fraudulent ones never did.
REMOVABLE = (SignatureState.PENDING, SignatureState.VERIFIED)
MAX_NETWORKS = 4096


@dataclass(frozen=True)
class Criteria:
    petition_id: int | None = None
    ip: str = ""
    cidr: str = ""
    domain: str = ""
    email_pattern: str = ""
    postcode: str = ""
    area: str = ""
    since: str = ""
    until: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {key: value for key, value in asdict(self).items() if value not in ("", None)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Criteria:
        return cls(**{key: value for key, value in data.items() if key in cls.__dataclass_fields__})


def _parse_time(value: str, field: str) -> datetime.datetime:
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError as exc:
        raise DomainError(f"Give the {field} time as YYYY-MM-DD HH:MM.", code="criteria_time") from exc
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def signatures_matching(criteria: Criteria) -> QuerySet[Signature]:
    """Removable signatures matching every given criterion; refuses criteria that match all."""
    if not criteria.as_dict():
        raise DomainError("Give at least one criterion: this would remove every signature.", code="criteria_empty")
    query = Signature.objects.filter(state__in=REMOVABLE)
    if criteria.petition_id is not None:
        query = query.filter(petition_id=criteria.petition_id)
    if criteria.ip:
        client = fingerprint(criteria.ip)
        if not client.ip_hash:
            raise DomainError("That is not an IP address.", code="criteria_ip")
        query = query.filter(ip_hash=client.ip_hash)
    if criteria.cidr:
        query = query.filter(ip_prefix__in=_prefixes(criteria.cidr))
    if criteria.domain:
        query = query.filter(email_canonical__endswith="@" + criteria.domain.strip().lower().lstrip("@"))
    if criteria.email_pattern:
        parts = [re.escape(part) for part in criteria.email_pattern.strip().lower().split("*")]
        query = query.filter(email_canonical__regex="^" + ".*".join(parts) + "$")
    if criteria.postcode:
        full = normalise_postcode(criteria.postcode)
        outward = criteria.postcode.strip().upper()
        if full is not None:
            query = query.filter(postcode=full)
        elif re.fullmatch(r"[A-Z]{1,2}[0-9][A-Z0-9]?", outward):
            query = query.filter(postcode__startswith=outward + " ")
        else:
            raise DomainError("Give a full postcode (KM1 1AA) or its first half (KM1).", code="criteria_postcode")
    if criteria.area:
        code = criteria.area.strip()
        if not Area.objects.filter(code=code).exists():
            raise DomainError("There is no area with that code (e.g. E05000001).", code="criteria_area")
        query = query.filter(location__areas__code=code)
    if criteria.since:
        query = query.filter(created_at__gte=_parse_time(criteria.since, "start"))
    if criteria.until:
        query = query.filter(created_at__lt=_parse_time(criteria.until, "end"))
    return query


def _prefixes(cidr: str) -> list[str]:
    """The stored /24 (IPv4) or /48 (IPv6) prefixes that make up a range."""
    try:
        network = ipaddress.ip_network(cidr.strip(), strict=False)
    except ValueError as exc:
        raise DomainError("Give the range in CIDR form, like 203.0.113.0/24.", code="criteria_cidr") from exc
    stored = 24 if network.version == 4 else 48
    if network.prefixlen > stored:
        raise DomainError(
            f"Addresses are kept only to /{stored}: give a single address or a range of /{stored} or wider.",
            code="criteria_cidr",
        )
    if 2 ** (stored - network.prefixlen) > MAX_NETWORKS:
        raise DomainError("That range is too wide to remove in one go; split it.", code="criteria_cidr")
    return [str(subnet) for subnet in network.subnets(new_prefix=stored)]


def invalidation_preview(*, criteria: Criteria) -> int:
    """How many signatures an invalidation with these criteria would remove now."""
    return signatures_matching(criteria).count()


@transaction.atomic
def invalidation_request(*, criteria: Criteria, reason: str, note: str, actor: Actor) -> Invalidation:
    """Record an administrator's invalidation and run it in the background."""
    actor = require(can_administer, actor, refusal="Only administrators can invalidate signatures.")
    if reason not in InvalidationReason.values:
        raise DomainError("Choose the public reason for removing these signatures.", code="reason_invalid")
    matched = invalidation_preview(criteria=criteria)
    if matched == 0:
        raise DomainError("No signatures match these criteria; nothing was changed.", code="criteria_no_match")
    invalidation = Invalidation.objects.create(
        reason=reason,
        note=note.strip(),
        criteria=criteria.as_dict(),
        matched=matched,
        requested_by=actor,
        requested_at=timezone.now(),
    )
    audit_record(
        action="signatures.invalidation_requested",
        target=invalidation,
        actor=actor,
        data={"criteria": criteria.as_dict(), "reason": reason, "matched": matched},
    )

    def enqueue() -> None:
        from townhall.integrity.tasks import run_invalidation

        run_invalidation.enqueue(invalidation_id=invalidation.pk)

    transaction.on_commit(enqueue)
    return invalidation


def invalidation_run(*, invalidation_id: int, batch_size: int = 1000) -> Invalidation:
    """Remove the matching signatures in batches, correcting counts as it goes.

    Each batch locks its rows, marks them invalidated with the public reason, takes the
    ones already counted off their petitions (thresholds re-evaluated), and records
    progress, in one transaction. Safe to re-run: finished rows no longer match.
    """
    invalidation = Invalidation.objects.filter(pk=invalidation_id).first()
    if invalidation is None:
        raise NotFound("There is no such invalidation.")
    if invalidation.state == InvalidationState.FINISHED:
        return invalidation
    criteria = Criteria.from_dict(invalidation.criteria)
    Invalidation.objects.filter(pk=invalidation_id).update(state=InvalidationState.RUNNING)
    while True:
        with transaction.atomic():
            rows = list(
                signatures_matching(criteria)
                .select_for_update()
                .order_by("pk")
                .values_list("pk", "petition_id", "state", "counted_at", "location_id", "verified_at")[:batch_size]
            )
            if not rows:
                break
            now = timezone.now()
            Signature.objects.filter(pk__in=[row[0] for row in rows]).update(
                state=SignatureState.INVALIDATED, invalidated_at=now, invalidation_reason=invalidation.reason
            )
            # Only signatures already counted come off the counts, their areas and hours.
            counted = [
                (petition_id, location_id, verified_at or now)
                for _, petition_id, state, counted_at, location_id, verified_at in rows
                if state == SignatureState.VERIFIED and counted_at is not None
            ]
            locality = breakdown_remove(
                located=Counter((petition_id, location_id) for petition_id, location_id, _ in counted),
                hours=Counter((petition_id, hour_of(verified_at)) for petition_id, _, verified_at in counted),
            )
            petition_tally_remove(
                decrements=Counter(petition_id for petition_id, _, _ in counted),
                at=now,
                in_area={petition_id: part.in_area for petition_id, part in locality.items()},
                unknown={petition_id: part.unknown for petition_id, part in locality.items()},
            )
            Invalidation.objects.filter(pk=invalidation_id).update(
                processed=F("processed") + len(rows), invalidated=F("invalidated") + len(rows)
            )
    invalidation.refresh_from_db()
    invalidation.state = InvalidationState.FINISHED
    invalidation.finished_at = timezone.now()
    invalidation.save(update_fields=["state", "finished_at"])
    audit_record(
        action="signatures.invalidated",
        target=invalidation,
        data={"invalidated": invalidation.invalidated, "reason": invalidation.reason},
    )
    return invalidation


# Big consumer mail providers: a large share from them is normal, not a trend.
COMMON_DOMAINS = frozenset(
    "gmail.com googlemail.com hotmail.com hotmail.co.uk outlook.com live.com live.co.uk yahoo.com yahoo.co.uk "
    "icloud.com me.com btinternet.com sky.com virginmedia.com aol.com protonmail.com proton.me".split()
)
TREND_RULES = {
    # kind: (minimum count, minimum share of the petition's signatures that hour, in %)
    AlertKind.IP: (10, 5),
    AlertKind.NETWORK: (30, 10),
    AlertKind.EMAIL_DOMAIN: (30, 20),
}
TREND_MIN_SIGNATURES = 50


def trending_detect(*, now: datetime.datetime | None = None) -> list[TrendAlert]:
    """Alert staff to sources behind an unusual share of a petition's last hour.

    Looks at the last complete hour and the hour so far; an alert is raised once per
    petition, source and hour.
    """
    now = now or timezone.now()
    this_hour = now.replace(minute=0, second=0, microsecond=0)
    alerts: list[TrendAlert] = []
    for hour in (this_hour - datetime.timedelta(hours=1), this_hour):
        window = Signature.objects.filter(created_at__gte=hour, created_at__lt=hour + datetime.timedelta(hours=1))
        busy = Counter(window.values_list("petition_id", flat=True))
        for petition_id, total in busy.items():
            if total < TREND_MIN_SIGNATURES:
                continue
            rows = list(window.filter(petition_id=petition_id).values_list("ip_hash", "ip_prefix", "email_canonical"))
            groups = {
                AlertKind.IP: Counter(r[0] for r in rows if r[0]),
                AlertKind.NETWORK: Counter(r[1] for r in rows if r[1]),
                AlertKind.EMAIL_DOMAIN: Counter(
                    domain for r in rows if (domain := r[2].rpartition("@")[2]) not in COMMON_DOMAINS
                ),
            }
            for kind, counter in groups.items():
                minimum, share = TREND_RULES[kind]
                for value, count in counter.items():
                    percent = count * 100 // total
                    if count >= minimum and percent >= share:
                        alert, created = TrendAlert.objects.get_or_create(
                            petition_id=petition_id,
                            kind=kind,
                            value=value,
                            hour_starting=hour,
                            defaults={"count": count, "share_percent": percent, "created_at": now},
                        )
                        if not created and alert.count != count:
                            TrendAlert.objects.filter(pk=alert.pk).update(count=count, share_percent=percent)
                        if created:
                            alerts.append(alert)
    if alerts:
        _tell_staff(alerts)
    return alerts


def _tell_staff(alerts: list[TrendAlert]) -> None:
    staff = user_emails_moderators()
    if staff:
        ids = sorted(alert.pk for alert in alerts)
        send_email(
            key=f"trend-alerts:{ids[0]}-{ids[-1]}:{len(ids)}",
            to=staff,
            template="integrity/email/trend_alert",
            context={"alerts": alerts},
        )


def removed_counts(*, petition: Petition) -> list[tuple[str, int]]:
    """Public: how many signatures were removed from a petition, by reason category."""
    counts = Counter(
        Signature.objects.filter(petition=petition, state=SignatureState.INVALIDATED).values_list(
            "invalidation_reason", flat=True
        )
    )
    return [
        (str(InvalidationReason(reason).label) if reason in InvalidationReason.values else reason, count)
        for reason, count in sorted(counts.items())
    ]


def anonymise_due(*, now: datetime.datetime | None = None) -> int:
    """Anonymise every petition closed, rejected or removed more than the configured months
    ago: its creator and signers, and the trend alerts naming its signers' addresses.

    Exempted petitions are skipped. Returns how many petitions were anonymised.
    """
    from django.conf import settings

    from townhall.petitions.models import PetitionState
    from townhall.petitions.services import add_months, petition_anonymise_creator
    from townhall.signatures.services import signature_anonymise_for_petition

    now = now or timezone.now()
    months = int(settings.TOWNHALL["ANONYMISE_AFTER_MONTHS"])
    cutoff = add_months(now, -months)
    due = Petition.objects.filter(anonymised_at__isnull=True, is_anonymisation_exempt=False).filter(
        Q(state=PetitionState.CLOSED, closed_at__lte=cutoff)
        | Q(state=PetitionState.REJECTED, rejected_at__lte=cutoff)
        | Q(state=PetitionState.REMOVED, removed_at__lte=cutoff)
    )
    done = 0
    for petition_id in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            signature_anonymise_for_petition(petition_id=petition_id)
            TrendAlert.objects.filter(petition_id=petition_id).delete()
            petition_anonymise_creator(petition_id=petition_id, at=now)
        done += 1
    return done


def petitions_forget_unsubmitted(now: datetime.datetime) -> int:
    """Delete petitions that never reached the moderators, with their sponsors' signatures,
    once UNSUBMITTED_PETITION_RETENTION_DAYS have passed since the creator started one they
    never confirmed, or confirmed one that never gathered its sponsors
    (`PetitionQuerySet.unsubmitted_before`). Exempted petitions are kept.

    Returns how many petitions went (deleted, or anonymised when an agenda item holds one).
    """
    from django.conf import settings

    from townhall.signatures.services import signature_forget_for_unsubmitted

    cutoff = now - datetime.timedelta(days=int(settings.TOWNHALL["UNSUBMITTED_PETITION_RETENTION_DAYS"]))
    done = 0
    for petition_id in list(Petition.objects.unsubmitted_before(cutoff).values_list("pk", flat=True)):
        with transaction.atomic():
            # Checked again under the lock: the creator or a last sponsor may just have confirmed.
            locked = Petition.objects.select_for_update().unsubmitted_before(cutoff).filter(pk=petition_id)
            if not list(locked.values_list("pk", flat=True)):
                continue
            signature_forget_for_unsubmitted(petition_id=petition_id)
            petition_forget_unsubmitted(petition_id=petition_id, at=now)
        done += 1
    return done
