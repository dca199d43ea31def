"""Invalidation, release and rejection of signatures by criteria, the held signatures by
source, and hourly detection of trending sources."""

from __future__ import annotations

import datetime
import ipaddress
import re
from collections import Counter
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from townhall.accounts.models import Actor, User
from townhall.accounts.policies import can_administer, require
from townhall.accounts.selectors import user_emails_moderators
from townhall.areas.keys import hour_of
from townhall.areas.models import Area
from townhall.areas.services import breakdown_remove
from townhall.audit.services import audit_record
from townhall.core.errors import DomainError, NotFound
from townhall.core.http import whole_number
from townhall.core.links import absolute_url
from townhall.core.net import fingerprint
from townhall.core.text import normalise_postcode
from townhall.integrity.models import (
    AlertKind,
    Invalidation,
    InvalidationAction,
    InvalidationReason,
    InvalidationState,
    TrendAlert,
)
from townhall.integrity.rules import (
    EMAIL_PATTERN_MAX,
    HIDDEN,
    NAME_PATTERN_MAX,
    REPEATED,
    TOO_LONG,
    PatternError,
    email_pattern_clean,
    email_pattern_regex,
    name_pattern_clean,
    name_pattern_regex,
)
from townhall.mail.services import send_email
from townhall.petitions.models import Petition
from townhall.petitions.services import petition_forget_unsubmitted, petition_tally_remove
from townhall.residents.services import email_canonical
from townhall.signatures.fraud import (
    HOLD_ADDRESS_BURST,
    HOLD_ADDRESS_SUSTAINED,
    HOLD_DISPOSABLE,
    HOLD_NETWORK,
    HOLD_RELAY,
)
from townhall.signatures.holds import (
    RELEASED_BY_STAFF,
    evidence_by_source,
    signatures_reject,
    signatures_release,
)
from townhall.signatures.models import Signature, SignatureState

if TYPE_CHECKING:
    from collections.abc import Iterator

    from django.http import QueryDict
    from django_stubs_ext import StrOrPromise

# Signatures that count or may yet count; fraudulent ones never did.
REMOVABLE = (SignatureState.PENDING, SignatureState.VERIFIED)
MAX_NETWORKS = 4096
MAX_ID = 2**63 - 1  # the largest id a table's key holds

# Why the fraud controls held a signature (townhall/signatures/fraud.py), in words for staff.
# The same words say why they marked one (`fraud_reason`): the rule that held it, kept once
# released, or the domain rule that flagged it.
HOLD_REASONS: dict[str, StrOrPromise] = {
    HOLD_ADDRESS_BURST: _("Many signatures from one address in a burst"),
    HOLD_ADDRESS_SUSTAINED: _("Many signatures from one address over a longer spell"),
    HOLD_NETWORK: _("Many signatures from one network (/24 or /48) in a burst"),
    HOLD_DISPOSABLE: _("A disposable email domain"),
    HOLD_RELAY: _("A privacy relay address (such as Hide My Email or Firefox Relay)"),
}
# Criteria.held: any signature, only held ones, or only those not held.
HELD_ANY, HELD_ONLY, HELD_NOT = "", "only", "not"
MAX_CONFIRMED_WITHIN = 86_400  # a day
CONFIRMED_WITHIN = "criteria_confirmed_within"
_IP_HASH = re.compile(r"[0-9a-f]{32}")
_TEXT_CRITERIA = (
    "state",
    "name",
    "email",
    "ip",
    "ip_hash",
    "cidr",
    "domain",
    "email_pattern",
    "name_pattern",
    "postcode",
    "area",
    "since",
    "until",
    "held",
)


@dataclass(frozen=True)
class Criteria:
    """Which signatures an invalidation, release or rejection is about. Every selector a trend
    alert or the held groups name has a criterion: the address (typed, or its stored hash), the
    network, the email domain, the shape of the address or the name (`email_pattern`,
    `name_pattern`: townhall/integrity/rules.py), whether held and why, how soon confirmed.
    The signature search adds its own: the state (`SEARCH_STATES`), part of a name, and one
    mailbox however its address is spelt."""

    petition_id: int | None = None
    state: str = ""
    name: str = ""
    email: str = ""
    ip: str = ""
    cidr: str = ""
    domain: str = ""
    email_pattern: str = ""
    name_pattern: str = ""
    postcode: str = ""
    area: str = ""
    since: str = ""
    until: str = ""
    ip_hash: str = ""
    held: str = HELD_ANY
    hold_reason: tuple[str, ...] = ()
    fraud_reason: tuple[str, ...] = ()
    confirmed_within_seconds: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """The criteria given, as stored with an invalidation and its audit entry (JSON)."""
        return {
            key: list(value) if isinstance(value, tuple) else value
            for key, value in asdict(self).items()
            if value not in ("", None, ())
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Criteria:
        known = {key: value for key, value in data.items() if key in cls.__dataclass_fields__}
        for key in ("hold_reason", "fraud_reason"):
            if key in known:
                known[key] = tuple(known[key])
        return cls(**known)

    def as_query(self) -> str:
        """The criteria given as a query string: `from_query` reads the same criteria back."""
        pairs: list[tuple[str, str]] = []
        for key, value in self.as_dict().items():
            pairs.extend((key, str(item)) for item in (value if isinstance(value, list) else [value]))
        return urlencode(pairs)

    @classmethod
    def from_query(cls, query: QueryDict) -> Criteria:
        """The criteria named in a query string (a link, or a submitted form); other
        parameters are ignored. Refuses a number that is not one; `signatures_matching`
        checks the rest."""
        return cls(
            petition_id=_whole_number(
                query.get("petition_id") or "",
                message=gettext("Give the petition's number, e.g. 12."),
                code="criteria_petition",
            ),
            confirmed_within_seconds=_whole_number(
                query.get("confirmed_within_seconds") or "", message=_confirmed_within_refusal(), code=CONFIRMED_WITHIN
            ),
            hold_reason=_reasons(query, "hold_reason"),
            fraud_reason=_reasons(query, "fraud_reason"),
            **{key: (query.get(key) or "").strip() for key in _TEXT_CRITERIA},
        )


def criteria_ip_hashed(criteria: Criteria) -> Criteria:
    """The same criteria with a typed IP address replaced by its keyed hash, as signatures
    keep it; refuses text that is not an address."""
    if not criteria.ip:
        return criteria
    client = fingerprint(criteria.ip)
    if not client.ip_hash:
        raise DomainError(gettext("That is not an IP address."), code="criteria_ip")
    return replace(criteria, ip="", ip_hash=client.ip_hash)


def _reasons(query: QueryDict, key: str) -> tuple[str, ...]:
    """The reasons named (a parameter given once per reason), each once, in order."""
    return tuple(dict.fromkeys(reason for reason in (item.strip() for item in query.getlist(key)) if reason))


def _confirmed_within_refusal() -> str:
    return gettext("Give the number of seconds as a whole number from 1 to %(most)s (a day).") % {
        "most": f"{MAX_CONFIRMED_WITHIN:,}"
    }


def _whole_number(raw: str, *, message: str, code: str) -> int | None:
    raw = raw.strip()
    if not raw:
        return None
    number = whole_number(raw)
    if number is None:
        raise DomainError(message, code=code)
    return number


def _parse_time(value: str, *, until: bool) -> datetime.datetime:
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError as exc:
        if until:
            raise DomainError(gettext("Give the end time as YYYY-MM-DD HH:MM."), code="criteria_until") from exc
        raise DomainError(gettext("Give the start time as YYYY-MM-DD HH:MM."), code="criteria_time") from exc
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def _ip_hash(value: str) -> str:
    """A stored address hash as alerts and the admin show it: 32 hexadecimal characters."""
    value = value.strip().lower()
    if not _IP_HASH.fullmatch(value):
        raise DomainError(
            gettext(
                "Give the address hash exactly as the alert or the admin shows it: 32 characters, "
                "0 to 9 and a to f. For an address itself, use the IP address field."
            ),
            code="criteria_ip_hash",
        )
    return value


# The states the signature search tells apart. A signature withdrawn by its signer is stored
# as invalidated with the reason "withdrawn" (as is one staff removed giving that reason): the
# search calls it withdrawn, and "invalidated" the others removed.
_WITHDRAWN = Q(state=SignatureState.INVALIDATED, invalidation_reason=InvalidationReason.WITHDRAWN)
SEARCH_STATES: dict[str, tuple[StrOrPromise, Q]] = {
    SignatureState.PENDING.value: (_("Waiting for email confirmation"), Q(state=SignatureState.PENDING)),
    SignatureState.VERIFIED.value: (_("Confirmed"), Q(state=SignatureState.VERIFIED)),
    SignatureState.FRAUDULENT.value: (
        _("Caught or rejected by the fraud controls"),
        Q(state=SignatureState.FRAUDULENT),
    ),
    SignatureState.INVALIDATED.value: (_("Removed by staff"), Q(state=SignatureState.INVALIDATED) & ~_WITHDRAWN),
    InvalidationReason.WITHDRAWN.value: (_("Withdrawn by the signer"), _WITHDRAWN),
}
NAME_SEARCH_MAX = 100  # as long as a name can be


def search_state_words(state: str, invalidation_reason: str) -> str:
    """A signature's state in the search's words (one of `SEARCH_STATES`)."""
    withdrawn = state == SignatureState.INVALIDATED and invalidation_reason == InvalidationReason.WITHDRAWN
    key = InvalidationReason.WITHDRAWN.value if withdrawn else state
    return str(SEARCH_STATES[key][0]) if key in SEARCH_STATES else state


def marked_words(reason: str) -> str:
    """Why the fraud controls held or marked a signature, in words (nothing if they did not)."""
    return str(HOLD_REASONS.get(reason, reason))


def signatures_matching(criteria: Criteria) -> QuerySet[Signature]:
    """Removable signatures matching every given criterion; refuses criteria that match all."""
    if not criteria.as_dict():
        raise DomainError("Give at least one criterion: this would remove every signature.", code="criteria_empty")
    if criteria.state and criteria.state in SEARCH_STATES and criteria.state not in REMOVABLE:
        raise DomainError(
            gettext(
                "Only signatures waiting for confirmation or confirmed can be removed, released or rejected: "
                "choose one of those states, or none."
            ),
            code="criteria_state",
        )
    return _matching(Signature.objects.filter(state__in=REMOVABLE), criteria)


def _matching(query: QuerySet[Signature], criteria: Criteria) -> QuerySet[Signature]:
    """The signatures of `query` matching every given criterion."""
    if criteria.state:
        if criteria.state not in SEARCH_STATES:
            raise DomainError(
                gettext("Choose the state from the list: %(states)s.")
                % {"states": ", ".join(str(words) for words, _condition in SEARCH_STATES.values())},
                code="criteria_state",
            )
        query = query.filter(SEARCH_STATES[criteria.state][1])
    if criteria.name:
        if len(criteria.name) > NAME_SEARCH_MAX:
            raise DomainError(
                gettext("A name is at most %(most)s characters.") % {"most": NAME_SEARCH_MAX}, code="criteria_name"
            )
        query = query.filter(name__icontains=criteria.name)
    if criteria.email:
        query = query.filter(email_canonical=_email(criteria.email))
    if criteria.petition_id is not None:
        if not 1 <= criteria.petition_id <= MAX_ID:
            raise DomainError(gettext("There is no petition with that number."), code="criteria_petition")
        query = query.filter(petition_id=criteria.petition_id)
    if criteria.ip:
        client = fingerprint(criteria.ip)
        if not client.ip_hash:
            raise DomainError(gettext("That is not an IP address."), code="criteria_ip")
        query = query.filter(ip_hash=client.ip_hash)
    if criteria.ip_hash:
        query = query.filter(ip_hash=_ip_hash(criteria.ip_hash))
    if criteria.cidr:
        query = query.filter(ip_prefix__in=_prefixes(criteria.cidr))
    if criteria.domain:
        query = query.filter(email_canonical__endswith="@" + criteria.domain.strip().lower().lstrip("@"))
    if criteria.email_pattern:
        query = query.filter(email_canonical__regex=email_pattern_regex(_email_pattern(criteria.email_pattern)))
    if criteria.name_pattern:
        query = query.filter(name__regex=name_pattern_regex(_name_pattern(criteria.name_pattern)))
    if criteria.postcode:
        full = normalise_postcode(criteria.postcode)
        outward = criteria.postcode.strip().upper()
        if full is not None:
            query = query.filter(postcode=full)
        elif re.fullmatch(r"[A-Z]{1,2}[0-9][A-Z0-9]?", outward):
            query = query.filter(postcode__startswith=outward + " ")
        else:
            raise DomainError(
                gettext("Give a full postcode (KM1 1AA) or its first half (KM1)."), code="criteria_postcode"
            )
    if criteria.area:
        code = criteria.area.strip()
        if not Area.objects.filter(code=code).exists():
            raise DomainError(gettext("There is no area with that code (e.g. E05000001)."), code="criteria_area")
        query = query.filter(location__areas__code=code)
    if criteria.since:
        query = query.filter(created_at__gte=_parse_time(criteria.since, until=False))
    if criteria.until:
        query = query.filter(created_at__lt=_parse_time(criteria.until, until=True))
    return _held_matching(query, criteria)


def _held_matching(query: QuerySet[Signature], criteria: Criteria) -> QuerySet[Signature]:
    """The criteria about the fraud controls: held or not, why held, why marked (held or
    flagged, released since or not), and how soon confirmed."""
    if criteria.held == HELD_ONLY:
        query = query.exclude(hold_reason="")
    elif criteria.held == HELD_NOT:
        query = query.filter(hold_reason="")
    elif criteria.held != HELD_ANY:
        raise DomainError(
            gettext("Choose whether to include held signatures: any, only held ones, or only those not held."),
            code="criteria_held",
        )
    if criteria.hold_reason:
        if not set(criteria.hold_reason) <= set(HOLD_REASONS):
            raise DomainError(
                gettext("Choose the hold reasons from the list: %(reasons)s.")
                % {"reasons": ", ".join(str(words) for words in HOLD_REASONS.values())},
                code="criteria_hold_reason",
            )
        query = query.filter(hold_reason__in=criteria.hold_reason)
    if criteria.fraud_reason:
        if not set(criteria.fraud_reason) <= set(HOLD_REASONS):
            raise DomainError(
                gettext("Choose why the fraud controls marked the signatures from the list: %(reasons)s.")
                % {"reasons": ", ".join(str(words) for words in HOLD_REASONS.values())},
                code="criteria_fraud_reason",
            )
        query = query.filter(fraud_reason__in=criteria.fraud_reason)
    seconds = criteria.confirmed_within_seconds
    if seconds is not None:
        if not 1 <= seconds <= MAX_CONFIRMED_WITHIN:
            raise DomainError(_confirmed_within_refusal(), code=CONFIRMED_WITHIN)
        # Computed in the database on every backend: confirmed strictly within the seconds
        # of signing (holds.py judges "confirmed at once" the same way); never confirmed, never.
        query = query.filter(verified_at__lt=F("created_at") + datetime.timedelta(seconds=seconds))
    return query


def _email(typed: str) -> str:
    """The mailbox a typed address names, in the canonical form signatures store it (so
    J.Smith+x@googlemail.com finds jsmith@gmail.com)."""
    try:
        validate_email(typed)
    except ValidationError as exc:
        raise DomainError(
            gettext(
                "Give a whole email address, such as ann@example.org. For part of one, use the email "
                "pattern or the email domain."
            ),
            code="criteria_email",
        ) from exc
    return email_canonical(typed)


def _pattern_refusal(reason: str, *, field: str) -> str:
    if reason == TOO_LONG:
        most = EMAIL_PATTERN_MAX if field == "email" else NAME_PATTERN_MAX
        return gettext("A pattern is at most %(most)s characters.") % {"most": most}
    if reason == REPEATED:
        return gettext("Write # once for each run of digits: one # stands for one or more digits.")
    if reason == HIDDEN and field == "email":
        return gettext("An email pattern has no spaces or hidden characters.")
    if reason == HIDDEN:
        return gettext("The name pattern contains hidden characters. Type it in again.")
    return gettext("Give a name pattern, e.g. test user #.")  # EMPTY


def _email_pattern(pattern: str) -> str:
    """A pattern of canonical addresses: `*` matches anything, `#` one or more digits."""
    try:
        return email_pattern_clean(pattern)
    except PatternError as error:
        raise DomainError(_pattern_refusal(error.reason, field="email"), code="criteria_email_pattern") from error


def _name_pattern(pattern: str) -> str:
    """A pattern of names, case and spacing ignored: `*` matches anything, `#` one or more
    digits."""
    try:
        return name_pattern_clean(pattern)
    except PatternError as error:
        raise DomainError(_pattern_refusal(error.reason, field="name"), code="criteria_name_pattern") from error


# The signature search's orders, by the key its `sort` parameter gives: newest first unless
# asked otherwise; ties broken by the row's id so paging is stable.
SEARCH_SORTS: dict[str, tuple[str, ...]] = {
    "-signed": ("-created_at", "-id"),
    "signed": ("created_at", "id"),
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "petition": ("petition_id", "-created_at", "-id"),
    "-petition": ("-petition_id", "-created_at", "-id"),
    "state": ("state", "-created_at", "-id"),
    "-state": ("-state", "-created_at", "-id"),
}
SEARCH_SORT_DEFAULT = "-signed"
SEARCH_PAGE_SIZE = 50


def signature_search(*, criteria: Criteria, sort: str = SEARCH_SORT_DEFAULT) -> QuerySet[Signature]:
    """Every signature, in any state, matching every given criterion, in the order `sort`
    names (a key of `SEARCH_SORTS`), each with its petition. Refuses criteria that match all."""
    if sort not in SEARCH_SORTS:
        raise DomainError(gettext("Choose how to sort the signatures from the list."), code="search_sort")
    if not criteria.as_dict():
        raise DomainError(gettext("Give at least one criterion to search by."), code="criteria_empty")
    return _matching(Signature.objects.all(), criteria).select_related("petition").order_by(*SEARCH_SORTS[sort])


def signature_search_page(*, criteria: Criteria, sort: str, page: int) -> Page[Signature]:
    """One page of the search (`SEARCH_PAGE_SIZE` a page; past the last, the last): two
    queries, the count and the page's rows with their petitions, whatever the page size."""
    return Paginator(signature_search(criteria=criteria, sort=sort), SEARCH_PAGE_SIZE).get_page(page)


SEARCH_EXPORT_HEADER = (
    "petition",
    "petition_action",
    "name",
    "email",
    "postcode",
    "state",
    "signed_at",
    "confirmed_at",
    "network",
    "held_because",
    "marked_because",
)


@transaction.atomic
def signature_search_export(*, criteria: Criteria, sort: str, actor: Actor) -> Iterator[list[Any]]:
    """Every signature the search finds, as rows under `SEARCH_EXPORT_HEADER`, read in chunks
    as they are written. Administrators only; each export is audited with its criteria (a
    typed IP address only as its hash) and how many rows it held, as it carries personal data."""
    actor = require(can_administer, actor, refusal=gettext("Only administrators can download signatures."))
    query = signature_search(criteria=criteria, sort=sort)
    stored = criteria_ip_hashed(criteria)
    audit_record(
        action="signatures.search_exported",
        target=actor,
        actor=actor,
        data={"criteria": stored.as_dict(), "sort": sort, "rows": query.count()},
    )
    rows = query.values_list(
        "petition_id",
        "petition__action",
        "name",
        "email",
        "postcode",
        "state",
        "invalidation_reason",
        "created_at",
        "verified_at",
        "ip_prefix",
        "hold_reason",
        "fraud_reason",
    ).iterator(chunk_size=2000)
    return _export_rows(rows)


def _export_rows(rows: Iterator[tuple[Any, ...]]) -> Iterator[list[Any]]:
    for petition, action, name, email, postcode, state, removed_as, signed, confirmed, network, held, marked in rows:
        state_words = search_state_words(state, removed_as)
        held_words, marked_because = marked_words(held), marked_words(marked)
        yield [
            petition,
            action,
            name,
            email,
            postcode,
            state_words,
            signed,
            confirmed,
            network,
            held_words,
            marked_because,
        ]


def _prefixes(cidr: str) -> list[str]:
    """The stored /24 (IPv4) or /48 (IPv6) prefixes that make up a range."""
    try:
        network = ipaddress.ip_network(cidr.strip(), strict=False)
    except ValueError as exc:
        raise DomainError(gettext("Give the range in CIDR form, like 203.0.113.0/24."), code="criteria_cidr") from exc
    stored = 24 if network.version == 4 else 48
    if network.prefixlen > stored:
        raise DomainError(
            gettext("Addresses are kept only to /%(bits)s: give a single address or a range of /%(bits)s or wider.")
            % {"bits": stored},
            code="criteria_cidr",
        )
    if 2 ** (stored - network.prefixlen) > MAX_NETWORKS:
        raise DomainError(gettext("That range is too wide to take in one go; split it."), code="criteria_cidr")
    return [str(subnet) for subnet in network.subnets(new_prefix=stored)]


def _acted_on(criteria: Criteria, action: str) -> QuerySet[Signature]:
    """What an action changes: every match is removed; only the held ones are released or
    rejected."""
    if action not in InvalidationAction.values:
        raise DomainError(gettext("Choose what to do with the signatures."), code="action_invalid")
    query = signatures_matching(criteria)
    return query if action == InvalidationAction.INVALIDATE else query.exclude(hold_reason="")


def invalidation_preview(*, criteria: Criteria, action: str = InvalidationAction.INVALIDATE) -> int:
    """How many signatures the action with these criteria would change now."""
    return _acted_on(criteria, action).count()


@transaction.atomic
def invalidation_request(*, criteria: Criteria, reason: str, note: str, actor: Actor) -> Invalidation:
    """Record an administrator's invalidation and run it in the background."""
    actor = require(can_administer, actor, refusal=gettext("Only administrators can invalidate signatures."))
    if reason not in InvalidationReason.values:
        raise DomainError(gettext("Choose the public reason for removing these signatures."), code="reason_invalid")
    return _request(
        action=InvalidationAction.INVALIDATE,
        criteria=criteria,
        reason=reason,
        note=note,
        actor=actor,
        audit_action="signatures.invalidation_requested",
    )


@transaction.atomic
def release_request(*, criteria: Criteria, note: str, actor: Actor) -> Invalidation:
    """Record an administrator's release of the held signatures matching `criteria` and run it
    in the background: the confirmed ones count on the counter's next run, the others once
    they are confirmed."""
    actor = require(can_administer, actor, refusal=gettext("Only administrators can release held signatures."))
    return _request(
        action=InvalidationAction.RELEASE,
        criteria=criteria,
        reason="",
        note=note,
        actor=actor,
        audit_action="signatures.release_requested",
    )


@transaction.atomic
def rejection_request(*, criteria: Criteria, note: str, actor: Actor) -> Invalidation:
    """Record an administrator's rejection of the held signatures matching `criteria` and run
    it in the background: they are never counted."""
    actor = require(can_administer, actor, refusal=gettext("Only administrators can reject held signatures."))
    return _request(
        action=InvalidationAction.REJECT,
        criteria=criteria,
        reason="",
        note=note,
        actor=actor,
        audit_action="signatures.rejection_requested",
    )


def _request(
    *, action: str, criteria: Criteria, reason: str, note: str, actor: User, audit_action: str
) -> Invalidation:
    matched = invalidation_preview(criteria=criteria, action=action)
    if criteria.ip:
        # A typed address is kept, as signatures keep it, only as its keyed hash: the stored
        # criteria, the audit log and the overview never show it.
        criteria = replace(criteria, ip="", ip_hash=fingerprint(criteria.ip).ip_hash)
    if matched == 0:
        raise DomainError(
            gettext("No signatures match these criteria; nothing was changed.")
            if action == InvalidationAction.INVALIDATE
            else gettext("No held signatures match these criteria; nothing was changed."),
            code="criteria_no_match",
        )
    invalidation = Invalidation.objects.create(
        action=action,
        reason=reason,
        note=note.strip(),
        criteria=criteria.as_dict(),
        matched=matched,
        requested_by=actor,
        requested_at=timezone.now(),
    )
    data: dict[str, Any] = {"criteria": criteria.as_dict(), "matched": matched}
    if action == InvalidationAction.INVALIDATE:
        data["reason"] = reason
    audit_record(action=audit_action, target=invalidation, actor=actor, data=data)

    def enqueue() -> None:
        from townhall.integrity.tasks import run_invalidation

        run_invalidation.enqueue(invalidation_id=invalidation.pk)

    transaction.on_commit(enqueue)
    return invalidation


# What a finished run records in the audit log: the action and the key of its count.
_FINISHED = {
    InvalidationAction.INVALIDATE: ("signatures.invalidated", "invalidated"),
    InvalidationAction.RELEASE: ("signatures.released", "released"),
    InvalidationAction.REJECT: ("signatures.rejected", "rejected"),
}


def invalidation_run(*, invalidation_id: int, batch_size: int = 1000) -> Invalidation:
    """Remove, release or reject the matching signatures in batches, correcting counts as it goes.

    Each batch locks its rows, changes them and records progress, in one transaction. A
    removal marks them invalidated with the public reason and takes the ones already
    counted off their petitions (thresholds re-evaluated). A release clears their hold (the
    counter counts the confirmed ones); a rejection marks them fraudulent (never counted;
    held ones never were). Safe to re-run: finished rows no longer match.
    """
    invalidation = Invalidation.objects.filter(pk=invalidation_id).first()
    if invalidation is None:
        raise NotFound("There is no such invalidation.")
    if invalidation.state == InvalidationState.FINISHED:
        return invalidation
    criteria = Criteria.from_dict(invalidation.criteria)
    action = invalidation.action
    Invalidation.objects.filter(pk=invalidation_id).update(state=InvalidationState.RUNNING)
    while True:
        with transaction.atomic():
            rows = list(
                _acted_on(criteria, action)
                .select_for_update()
                .order_by("pk")
                .values_list("pk", "petition_id", "state", "counted_at", "location_id", "verified_at")[:batch_size]
            )
            if not rows:
                break
            now = timezone.now()
            ids = [row[0] for row in rows]
            if action == InvalidationAction.RELEASE:
                changed = signatures_release(signature_ids=ids, by=RELEASED_BY_STAFF, now=now)
            elif action == InvalidationAction.REJECT:
                changed = signatures_reject(signature_ids=ids)
            else:
                changed = _remove(rows, reason=invalidation.reason, now=now)
            Invalidation.objects.filter(pk=invalidation_id).update(
                processed=F("processed") + len(rows), invalidated=F("invalidated") + changed
            )
    invalidation.refresh_from_db()
    invalidation.state = InvalidationState.FINISHED
    invalidation.finished_at = timezone.now()
    invalidation.save(update_fields=["state", "finished_at"])
    audit_action, key = _FINISHED[InvalidationAction(action)]
    data: dict[str, Any] = {key: invalidation.invalidated}
    if action == InvalidationAction.INVALIDATE:
        data["reason"] = invalidation.reason
    audit_record(action=audit_action, target=invalidation, data=data)
    return invalidation


def _remove(rows: list[tuple[Any, ...]], *, reason: str, now: datetime.datetime) -> int:
    """Mark a locked batch invalidated and take the counted ones off their petitions."""
    changed = Signature.objects.filter(pk__in=[row[0] for row in rows]).update(
        state=SignatureState.INVALIDATED, invalidated_at=now, invalidation_reason=reason
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
    return int(changed)


# --- Held signatures, by source -------------------------------------------------------------


@dataclass(frozen=True)
class HeldGroup:
    """One petition's held signatures from one source, as the evidence judges them
    (`holds.evidence_by_source`): an address, a network, or a hold reason such as a
    disposable domain. `criteria` selects exactly these signatures."""

    petition_id: int
    petition_action: str
    kind: str  # "address", "network", or the hold reason
    value: str  # the address hash or the network; empty for a reason
    reasons: tuple[str, ...]  # why they were held, in words
    held: int
    confirmed: int
    fast: int  # confirmed within HOLD_FAST_CONFIRM_SECONDS of signing
    first_signed: datetime.datetime
    last_signed: datetime.datetime
    criteria: Criteria | None  # None for a hold reason this page has no words for

    @property
    def fast_percent(self) -> int | None:
        return self.fast * 100 // self.confirmed if self.confirmed else None

    @property
    def query(self) -> str:
        return self.criteria.as_query() if self.criteria is not None else ""


def _group_criteria(petition_id: int, kind: str, value: str) -> Criteria | None:
    if kind == "address":
        reasons: tuple[str, ...] = (HOLD_ADDRESS_BURST, HOLD_ADDRESS_SUSTAINED)
        return Criteria(petition_id=petition_id, ip_hash=value, hold_reason=reasons, held=HELD_ONLY)
    if kind == "network":
        return Criteria(petition_id=petition_id, cidr=value, hold_reason=(HOLD_NETWORK,), held=HELD_ONLY)
    if kind in HOLD_REASONS:
        return Criteria(petition_id=petition_id, hold_reason=(kind,), held=HELD_ONLY)
    return None


def held_groups(*, limit: int = 100) -> tuple[list[HeldGroup], int]:
    """Held signatures grouped by petition and source, the largest groups first (at most
    `limit` of them), and how many groups there are. Nothing here names an address: a group
    shows its hash or its network."""
    by_source = sorted(evidence_by_source().items(), key=lambda item: (-item[1].held, item[0]))
    titles = dict(
        Petition.objects.filter(pk__in={source[0] for source, _ in by_source[:limit]}).values_list("pk", "action")
    )
    groups = [
        HeldGroup(
            petition_id=petition_id,
            petition_action=titles.get(petition_id, ""),
            kind=kind,
            value=value,
            reasons=tuple(str(HOLD_REASONS.get(reason, reason)) for reason in sorted(evidence.reasons)),
            held=evidence.held,
            confirmed=evidence.confirmed,
            fast=evidence.fast,
            first_signed=evidence.first_signed,
            last_signed=evidence.last_signed,
            criteria=_group_criteria(petition_id, kind, value),
        )
        for source, evidence in by_source[:limit]
        for petition_id, kind, value in [source]
    ]
    return groups, len(by_source)


# --- Counted with a flag --------------------------------------------------------------------

# The domain rules that mark a signature and let it count (their policy "flag").
FLAG_REASONS = (HOLD_DISPOSABLE, HOLD_RELAY)
FLAGGED_DAYS = 7


@dataclass(frozen=True)
class FlaggedGroup:
    """One petition's signatures flagged by a domain rule and not held since `criteria.since`:
    they count, or will once confirmed. `criteria` selects exactly these signatures, and the
    figures are counted through it."""

    petition_id: int
    petition_action: str
    disposable: int
    relay: int
    confirmed: int
    criteria: Criteria

    @property
    def total(self) -> int:
        return self.disposable + self.relay

    @property
    def query(self) -> str:
        return self.criteria.as_query()


def flagged_groups(
    *, now: datetime.datetime | None = None, days: int = FLAGGED_DAYS, limit: int = 100
) -> tuple[list[FlaggedGroup], int]:
    """Signatures flagged as from a disposable domain or a privacy relay in the last `days`,
    by petition, the most first (at most `limit` petitions), and how many petitions have any."""
    now = now or timezone.now()
    since = (now - datetime.timedelta(days=days)).replace(second=0, microsecond=0)
    selection = Criteria(held=HELD_NOT, fraud_reason=FLAG_REASONS, since=since.isoformat(timespec="seconds"))
    rows = sorted(
        signatures_matching(selection)
        .values("petition_id")
        .annotate(
            disposable=Count("id", filter=Q(fraud_reason=HOLD_DISPOSABLE)),
            relay=Count("id", filter=Q(fraud_reason=HOLD_RELAY)),
            confirmed=Count("id", filter=Q(state=SignatureState.VERIFIED)),
        )
        .order_by(),
        key=lambda row: (-(row["disposable"] + row["relay"]), row["petition_id"]),
    )
    titles = dict(
        Petition.objects.filter(pk__in={row["petition_id"] for row in rows[:limit]}).values_list("pk", "action")
    )
    groups = [
        FlaggedGroup(
            petition_id=row["petition_id"],
            petition_action=titles.get(row["petition_id"], ""),
            disposable=row["disposable"],
            relay=row["relay"],
            confirmed=row["confirmed"],
            criteria=replace(selection, petition_id=row["petition_id"]),
        )
        for row in rows[:limit]
    ]
    return groups, len(rows)


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
        tell_staff_of_alerts(alerts)
    return alerts


def alert_criteria(alert: TrendAlert) -> Criteria:
    """The selection an alert names, in the invalidation tools' terms: following it selects
    exactly the signatures the alert counts (its petition and window; its source)."""
    if alert.criteria:
        return Criteria.from_dict(alert.criteria)
    window = {
        "petition_id": alert.petition_id,
        "since": alert.hour_starting.isoformat(timespec="seconds"),
        "until": (alert.hour_starting + datetime.timedelta(hours=1)).isoformat(timespec="seconds"),
    }
    source = {AlertKind.IP: "ip_hash", AlertKind.NETWORK: "cidr", AlertKind.EMAIL_DOMAIN: "domain"}[
        AlertKind(alert.kind)
    ]
    return Criteria.from_dict({**window, source: alert.value})


def alert_link(alert: TrendAlert) -> str:
    """The integrity form with exactly the alert's selection filled in and counted."""
    return absolute_url("integrity:invalidate") + "?" + alert_criteria(alert).as_query()


def tell_staff_of_alerts(alerts: list[TrendAlert]) -> None:
    """One email to moderators and administrators about new alerts."""
    staff = user_emails_moderators()
    if staff:
        ids = sorted(alert.pk for alert in alerts)
        send_email(
            key=f"trend-alerts:{ids[0]}-{ids[-1]}:{len(ids)}",
            to=staff,
            template="integrity/email/trend_alert",
            context={
                "alerts": [
                    (alert, absolute_url("integrity:invalidate") + "?" + alert_criteria(alert).as_query())
                    for alert in alerts
                ],
                "overview": absolute_url("integrity:overview"),
            },
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
