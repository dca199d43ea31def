"""Held signatures: released on the evidence, by an allow list or by staff; rejected by staff.

A signature held by the fraud controls (townhall/signatures/fraud.py) confirms as any other
and is not counted while `hold_reason` is set. Releasing clears it (the counter then counts
the signature within a second, as it would have been); rejecting marks it fraudulent (never
counted, `hold_reason` kept). Either way the record keeps which rule held it (`fraud_reason`,
written when the signature was held) and when (`held_at`), and a released one when and by
what (`released_at`, `released_by`).

**The evidence** (`holds_review`, every HOLD_REVIEW_INTERVAL_SECONDS): held signatures are
judged by their source, the thing the rule that held them looked at: one address, one
network, or a petition's disposable addresses, or its privacy-relay addresses. People behind
one office or campus address, or on a relay, read their email at their own pace, so their
confirmations spread out over minutes and hours; a script that can read its mailboxes
confirms at once. Once at least HOLD_MIN_EVIDENCE of a source's held signatures are
confirmed (or fewer, once the source has been quiet for HOLD_QUIET_MINUTES), and no more
than HOLD_FAST_SHARE_PERCENT of them were confirmed within HOLD_FAST_CONFIRM_SECONDS of
signing, every confirmed one is released.
Otherwise they wait for staff, and the alerts say so. Signatures that are still unconfirmed
stay held until they are confirmed and judged with the rest.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Max, Min, Q, QuerySet
from django.utils import timezone

from townhall.core.net import client_address, fingerprint
from townhall.lists.rules import Lists
from townhall.lists.selectors import lists_current
from townhall.petitions.services import petition_awaiting_set
from townhall.signatures.fraud import HOLD_ADDRESS_BURST, HOLD_ADDRESS_SUSTAINED, HOLD_NETWORK
from townhall.signatures.models import Signature, SignatureState

# Who released a signature (Signature.released_by).
RELEASED_BY_EVIDENCE = "evidence"
RELEASED_BY_ALLOW_LIST = "allow_list"
RELEASED_BY_STAFF = "staff"
REJECTED_AFTER_CHECKS = "rejected_after_checks"

HELD_STATES = (SignatureState.PENDING, SignatureState.VERIFIED)


def held_signatures() -> QuerySet[Signature]:
    return Signature.objects.exclude(hold_reason="").filter(state__in=HELD_STATES)


def awaiting_counts() -> dict[int, int]:
    """{petition id: confirmed signatures held and not yet counted}: the public "awaiting
    checks" figure (read through the held index alone)."""
    rows = Counter(
        Signature.objects.exclude(hold_reason="")
        .filter(state=SignatureState.VERIFIED)
        .values_list("petition_id", flat=True)
    )
    return dict(rows)


def holds_count_awaiting() -> int:
    """Bring every petition's public "awaiting checks" figure up to date (scheduled at the
    counter's interval, beside it). Returns how many petitions changed."""
    return petition_awaiting_set(counts=awaiting_counts())


ADDRESS_REASONS = (HOLD_ADDRESS_BURST, HOLD_ADDRESS_SUSTAINED)

# A source: (petition, what the rule looked at, its value) — ("address", ip hash),
# ("network", /24), or (the hold reason, "") for rules about the petition as a whole.
Source = tuple[int, str, str]


def source_of(*, petition_id: int, reason: str, ip_hash: str, ip_prefix: str) -> Source:
    """What the rule that held a signature looked at, on its petition."""
    if reason in ADDRESS_REASONS:
        return (petition_id, "address", ip_hash)
    if reason == HOLD_NETWORK:
        return (petition_id, "network", ip_prefix)
    return (petition_id, reason, "")


def source_signatures(source: Source) -> QuerySet[Signature]:
    """The held signatures of one source."""
    petition_id, kind, value = source
    held = held_signatures().filter(petition_id=petition_id)
    if kind == "address":
        return held.filter(hold_reason__in=ADDRESS_REASONS, ip_hash=value)
    if kind == "network":
        return held.filter(hold_reason=HOLD_NETWORK, ip_prefix=value)
    return held.filter(hold_reason=kind)


@dataclass(frozen=True)
class Evidence:
    """What a source's held signatures show so far."""

    held: int
    confirmed: int
    fast: int
    last_signed: datetime.datetime
    first_signed: datetime.datetime
    reasons: frozenset[str]  # the hold reasons among them

    def looks_human(self, *, now: datetime.datetime) -> bool:
        config = settings.TOWNHALL
        if not self.confirmed:
            return False
        quiet = now - self.last_signed >= datetime.timedelta(minutes=int(config["HOLD_QUIET_MINUTES"]))
        if self.confirmed < int(config["HOLD_MIN_EVIDENCE"]) and not quiet:
            return False
        return self.fast * 100 <= int(config["HOLD_FAST_SHARE_PERCENT"]) * self.confirmed

    def __add__(self, other: Evidence) -> Evidence:
        return Evidence(
            self.held + other.held,
            self.confirmed + other.confirmed,
            self.fast + other.fast,
            max(self.last_signed, other.last_signed),
            min(self.first_signed, other.first_signed),
            self.reasons | other.reasons,
        )


def evidence_by_source() -> dict[Source, Evidence]:
    """Every source's evidence, counted by the database (an attack may hold many thousands)."""
    fast_limit = datetime.timedelta(seconds=int(settings.TOWNHALL["HOLD_FAST_CONFIRM_SECONDS"]))
    confirmed = Q(state=SignatureState.VERIFIED)
    rows = (
        held_signatures()
        .values("petition_id", "hold_reason", "ip_hash", "ip_prefix")
        .annotate(
            held=Count("id"),
            confirmed=Count("id", filter=confirmed),
            fast=Count("id", filter=confirmed & Q(verified_at__lt=F("created_at") + fast_limit)),
            last_signed=Max("created_at"),
            first_signed=Min("created_at"),
        )
        .order_by()
    )
    found: dict[Source, Evidence] = {}
    for row in rows:
        source = source_of(
            petition_id=row["petition_id"],
            reason=row["hold_reason"],
            ip_hash=row["ip_hash"],
            ip_prefix=row["ip_prefix"],
        )
        part = Evidence(
            row["held"],
            row["confirmed"],
            row["fast"],
            row["last_signed"],
            row["first_signed"],
            frozenset([row["hold_reason"]]),
        )
        found[source] = found[source] + part if source in found else part
    return found


def _allowed_ids(lists: Lists) -> list[int]:
    """Held signatures an allow entry now covers: the email or its domain, the /24 (/48) or
    a wider network, or each address of a narrower IPv4 entry up to 256 addresses."""
    allow = lists.allow
    if not (allow.networks or allow.domains or allow.emails):
        return []
    allowed_hashes = _allowed_address_hashes(lists)
    ids = []
    for pk, email, ip_hash, ip_prefix in held_signatures().values_list("pk", "email_canonical", "ip_hash", "ip_prefix"):
        if allow.reason(email=email, address=None) or (ip_hash and ip_hash in allowed_hashes):
            ids.append(pk)
            continue
        prefix = client_address(ip_prefix.partition("/")[0]) if ip_prefix else None
        if prefix is not None and any(
            network.prefixlen <= (24 if network.version == 4 else 48) and prefix in network
            for network in allow.networks
        ):
            ids.append(pk)
    return ids


def _allowed_address_hashes(lists: Lists) -> set[str]:
    """The keyed hashes of every single address an allow entry narrower than the stored
    network names (a /32, or a /25 to /31 address by address), so an entry for one office
    address releases what that address held."""
    hashes: set[str] = set()
    for network in lists.allow.networks:
        stored = 24 if network.version == 4 else 48
        if network.prefixlen > stored and network.num_addresses <= 256:
            hashes.update(fingerprint(str(address)).ip_hash for address in network)
    return hashes


def signatures_release(*, signature_ids: Iterable[int], by: str, now: datetime.datetime | None = None) -> int:
    """Release held signatures: the counter counts the confirmed ones on its next run,
    the unconfirmed ones once confirmed. Never holds anything again."""
    ids = list(signature_ids)
    if not ids:
        return 0
    return int(
        held_signatures().filter(pk__in=ids).update(hold_reason="", released_at=now or timezone.now(), released_by=by)
    )


def signatures_reject(*, signature_ids: Iterable[int]) -> int:
    """Reject held signatures: never counted (stored as fraudulent, the rule that held them
    kept). Their signers are told nothing more."""
    ids = list(signature_ids)
    if not ids:
        return 0
    return int(
        held_signatures().filter(pk__in=ids).update(state=SignatureState.FRAUDULENT, fraud_reason=REJECTED_AFTER_CHECKS)
    )


@dataclass(frozen=True)
class ReviewResult:
    released_on_evidence: int
    released_by_allow_list: int
    waiting: int


def holds_review(*, now: datetime.datetime | None = None) -> ReviewResult:
    """Release what the evidence or the allow lists clear (scheduled; safe to run twice)."""
    now = now or timezone.now()
    evidence = evidence_by_source()
    released_evidence = 0
    with transaction.atomic():
        allowed = _allowed_ids(lists_current())
        released_allow = signatures_release(signature_ids=allowed, by=RELEASED_BY_ALLOW_LIST, now=now)
        for source, seen in evidence.items():
            if seen.looks_human(now=now):
                confirmed = source_signatures(source).filter(state=SignatureState.VERIFIED)
                released_evidence += confirmed.update(hold_reason="", released_at=now, released_by=RELEASED_BY_EVIDENCE)
    waiting = sum(seen.held for seen in evidence.values()) - released_allow - released_evidence
    return ReviewResult(released_on_evidence=released_evidence, released_by_allow_list=released_allow, waiting=waiting)
