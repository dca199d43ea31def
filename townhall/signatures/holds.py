"""Held signatures: released on the evidence, by an allow list or by staff; rejected by staff.

A signature held by the fraud controls (townhall/signatures/fraud.py) confirms as any other
and is not counted while `hold_reason` is set. Releasing clears it (the counter then counts
the signature within a second, as it would have been); rejecting marks it fraudulent (never
counted). Both keep `hold_reason`, so what held a signature stays on the record.

**The evidence** (`holds_review`, every HOLD_REVIEW_INTERVAL_SECONDS): held signatures are
judged by their source, the thing the rule that held them looked at: one address, one
network, or a petition's disposable addresses. People behind one office or campus address
read their email at their own pace, so their confirmations spread out over minutes and
hours; a script that can read its mailboxes confirms at once. Once at least
HOLD_MIN_EVIDENCE of a source's held signatures are confirmed (or fewer, once the source has
been quiet for HOLD_QUIET_MINUTES), and no more than HOLD_FAST_SHARE_PERCENT of them were
confirmed within HOLD_FAST_CONFIRM_SECONDS of signing, every confirmed one is released.
Otherwise they wait for staff, and the alerts say so. Signatures that are still unconfirmed
stay held until they are confirmed and judged with the rest.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
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


@dataclass(frozen=True)
class _Held:
    pk: int
    petition_id: int
    reason: str
    ip_hash: str
    ip_prefix: str
    email_canonical: str
    confirmed: bool
    created_at: datetime.datetime
    verified_at: datetime.datetime | None

    @property
    def source(self) -> tuple[int, str, str]:
        """What the rule that held it looked at, on this petition."""
        if self.reason in (HOLD_ADDRESS_BURST, HOLD_ADDRESS_SUSTAINED):
            return (self.petition_id, "address", self.ip_hash)
        if self.reason == HOLD_NETWORK:
            return (self.petition_id, "network", self.ip_prefix)
        return (self.petition_id, self.reason, "")


_HELD_COLUMNS = (
    "pk",
    "petition_id",
    "hold_reason",
    "ip_hash",
    "ip_prefix",
    "email_canonical",
    "state",
    "created_at",
    "verified_at",
)


def _held_now() -> list[_Held]:
    return [
        _Held(pk, petition_id, reason, ip_hash, ip_prefix, email, state == SignatureState.VERIFIED, created, verified)
        for pk, petition_id, reason, ip_hash, ip_prefix, email, state, created, verified in (
            held_signatures().values_list(*_HELD_COLUMNS)
        )
    ]


def held_now() -> list[_Held]:
    """Every held signature as the evidence reads it (read-only): for staff's overview,
    grouped by `evidence_by_source` as the review groups them."""
    return _held_now()


@dataclass(frozen=True)
class Evidence:
    """What a source's held signatures show so far."""

    held: int
    confirmed: int
    fast: int
    last_signed: datetime.datetime

    def looks_human(self, *, now: datetime.datetime) -> bool:
        config = settings.TOWNHALL
        if not self.confirmed:
            return False
        quiet = now - self.last_signed >= datetime.timedelta(minutes=int(config["HOLD_QUIET_MINUTES"]))
        if self.confirmed < int(config["HOLD_MIN_EVIDENCE"]) and not quiet:
            return False
        return self.fast * 100 <= int(config["HOLD_FAST_SHARE_PERCENT"]) * self.confirmed


def _fast(held: _Held) -> bool:
    if held.verified_at is None:
        return False
    seconds = (held.verified_at - held.created_at).total_seconds()
    return seconds < int(settings.TOWNHALL["HOLD_FAST_CONFIRM_SECONDS"])


def evidence_by_source(rows: list[_Held]) -> dict[tuple[int, str, str], Evidence]:
    groups: dict[tuple[int, str, str], list[_Held]] = defaultdict(list)
    for row in rows:
        groups[row.source].append(row)
    return {
        source: Evidence(
            held=len(members),
            confirmed=sum(1 for m in members if m.confirmed),
            fast=sum(1 for m in members if m.confirmed and _fast(m)),
            last_signed=max(m.created_at for m in members),
        )
        for source, members in groups.items()
    }


def _allowed(row: _Held, lists: Lists, allowed_hashes: set[str]) -> bool:
    if lists.allow.reason(email=row.email_canonical, address=None):
        return True
    if row.ip_hash and row.ip_hash in allowed_hashes:
        return True
    if row.ip_prefix:
        prefix = client_address(row.ip_prefix.partition("/")[0])
        return prefix is not None and any(
            network.prefixlen <= (24 if network.version == 4 else 48) and prefix in network
            for network in lists.allow.networks
        )
    return False


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
    rows = _held_now()
    lists = lists_current()
    allowed_hashes = _allowed_address_hashes(lists)
    by_allow_list = [row.pk for row in rows if _allowed(row, lists, allowed_hashes)]
    cleared = {source for source, evidence in evidence_by_source(rows).items() if evidence.looks_human(now=now)}
    allow_set = set(by_allow_list)
    by_evidence = [row.pk for row in rows if row.confirmed and row.source in cleared and row.pk not in allow_set]
    with transaction.atomic():
        released_allow = signatures_release(signature_ids=by_allow_list, by=RELEASED_BY_ALLOW_LIST, now=now)
        released_evidence = signatures_release(signature_ids=by_evidence, by=RELEASED_BY_EVIDENCE, now=now)
    return ReviewResult(
        released_on_evidence=released_evidence,
        released_by_allow_list=released_allow,
        waiting=len(rows) - released_allow - released_evidence,
    )
