"""Every state change of a petition. Each checks the current state first and raises a
clear domain error when the change is not allowed; nothing is changed in that case.

    pending ──creator confirms──▶ sponsoring ──enough sponsors──▶ awaiting_moderation
    awaiting_moderation ──approve──▶ open ──deadline──▶ closed
    awaiting_moderation ──reject──▶ rejected
    open, closed ──take down──▶ rejected ──send back──▶ awaiting_moderation
    any state but removed ──administrator──▶ removed (HTTP 410)

Staff decisions check the one table of allowed transitions, `policies.DECISIONS`.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import F, ProtectedError, Value
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from townhall.accounts.models import Actor
from townhall.accounts.policies import can_administer, require
from townhall.audit.services import audit_record
from townhall.core.errors import DomainError, InvalidState, NotFound
from townhall.core.links import absolute_url
from townhall.core.net import fingerprint
from townhall.core.ratelimit import take_slot
from townhall.core.text import text_required, text_within, tidy
from townhall.core.tokens import get_by_token, new_token
from townhall.lists.selectors import resident_block_reason
from townhall.mail.models import LetterPriority
from townhall.mail.services import send_email
from townhall.officials.models import Official
from townhall.petitions import policies
from townhall.petitions.models import (
    ACTION_MAX,
    BACKGROUND_MAX,
    DETAILS_MAX,
    LIVE_STATES,
    UNSUBMITTED_STATES,
    Petition,
    PetitionState,
    PetitionVersion,
    RejectionReason,
    ThresholdCrossing,
)
from townhall.residents.services import resident_clean
from townhall.schemes.models import Threshold
from townhall.schemes.selectors import scheme_get_current

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Column size of Petition.decision_maker (a creator's name is held to residents.NAME_MAX).
DECISION_MAKER_MAX = 200


def add_months(moment: datetime.datetime, months: int) -> datetime.datetime:
    """The same wall-clock time `months` later on the body's calendar (settings.TIME_ZONE);
    the 31st becomes the last day of a shorter month.

    Counted in local time so a petition approved at 00:30 BST on 1 July closes on
    1 January, not on 31 December as it would in UTC.
    """
    local = timezone.localtime(moment)
    month_index = local.month - 1 + months
    year = local.year + month_index // 12
    month = month_index % 12 + 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    naive = local.replace(tzinfo=None, year=year, month=month, day=day)
    return timezone.make_aware(naive, timezone.get_current_timezone()).astimezone(datetime.UTC)


@dataclass(frozen=True)
class PetitionText:
    action: str
    background: str
    additional_details: str


def petition_text_clean(*, action: str, background: str, additional_details: str) -> PetitionText:
    """Tidy and check the text limits; raise a DomainError naming the field at fault."""
    return PetitionText(
        text_within(
            action,
            limit=ACTION_MAX,
            code="action",
            blank=_("Enter the action you want the decision maker to take."),
            too_long=_("The action must be %(max)s characters or fewer."),
        ),
        text_within(
            background,
            limit=BACKGROUND_MAX,
            code="background",
            blank=_("Enter the background to your petition."),
            too_long=_("The background must be %(max)s characters or fewer."),
        ),
        text_within(
            additional_details,
            limit=DETAILS_MAX,
            code="details",
            too_long=_("The additional details must be %(max)s characters or fewer."),
        ),
    )


@transaction.atomic
def petition_create(
    *,
    action: str,
    background: str,
    additional_details: str,
    decision_maker: str,
    official_id: int | None,
    creator_name: str,
    creator_email: str,
    creator_postcode: str,
    ip: str | None = None,
) -> Petition | None:
    """Start a petition. It stays private until the creator confirms their email address.

    One address may start only a few petitions an hour (settings CREATE_RATE): past
    that the creator is told plainly to try later, and nothing is created. A creator on a
    block list (townhall.lists) is answered as anyone is, but nothing is stored or sent:
    the result is None.
    """
    text = petition_text_clean(action=action, background=background, additional_details=additional_details)
    official = None
    if official_id is not None:
        official = Official.objects.select_related("person").filter(pk=official_id).first()
        if official is None:
            raise DomainError("Choose a decision maker from the list.", code="official_unknown")
        decision_maker = official.label
    decision_maker = text_required(decision_maker, code="decision_maker", blank="Say who the petition is addressed to.")
    if official is None and len(decision_maker) > DECISION_MAKER_MAX:
        raise DomainError(
            f"Who the petition is addressed to must be {DECISION_MAKER_MAX} characters or fewer.",
            code="decision_maker_too_long",
        )
    creator = resident_clean(name=creator_name, email=creator_email, postcode=creator_postcode, code_prefix="creator_")
    now = timezone.now()
    client = fingerprint(ip)
    if client.ip_hash:
        limit, seconds = settings.TOWNHALL["CREATE_RATE"]
        if not take_slot(scope="petition-create", subject=client.ip_hash, limit=int(limit), seconds=int(seconds)):
            raise DomainError(
                "You have started several petitions in the last hour. Please try again later.",
                code="create_rate_limited",
                http_status=429,
            )
    if resident_block_reason(email=creator.email_canonical, ip=ip):
        return None
    petition = Petition.objects.create(
        action=text.action,
        background=text.background,
        additional_details=text.additional_details,
        # Only an official's "name, role" can exceed the limit; typed text was checked above.
        decision_maker=decision_maker[:DECISION_MAKER_MAX],
        official=official,
        creator_name=creator.name,
        creator_email=creator.email,
        creator_postcode=creator.postcode,
        creator_token=new_token(),
        creator_ip_hash=client.ip_hash,
        sponsor_token=new_token(),
        created_at=now,
    )
    version = PetitionVersion.objects.create(
        petition=petition,
        number=1,
        action=text.action,
        background=text.background,
        additional_details=text.additional_details,
        created_at=now,
    )
    petition.current_version = version
    petition.save(update_fields=["current_version"])
    audit_record(action="petition.created", target=petition)
    send_email(
        key=f"petition:{petition.pk}:creator-confirm",
        priority=LetterPriority.WAITING,
        to=[petition.creator_email],
        template="petitions/email/creator_confirm",
        context={
            "petition": petition,
            "link": absolute_url(
                "petitions:creator_confirm", kwargs={"pk": petition.pk, "token": petition.creator_token}
            ),
        },
    )
    return petition


def _locked(petition_id: int) -> Petition:
    petition = Petition.objects.select_for_update().filter(pk=petition_id).first()
    if petition is None:
        raise NotFound("There is no petition with that number.")
    return petition


def _refusal(petition: Petition, *, doing: StrOrPromise) -> InvalidState:
    return InvalidState(
        _("This petition is %(state)s, so it cannot be %(doing)s.")
        % {"state": PetitionState(petition.state).label.lower(), "doing": doing},
        code="petition_state",
    )


def _require_state(petition: Petition, allowed: tuple[PetitionState, ...], *, doing: StrOrPromise) -> None:
    if petition.state not in allowed:
        raise _refusal(petition, doing=doing)


# How a refusal names each staff decision ("… so it cannot be approved").
DECISION_DOING: dict[policies.Decision, StrOrPromise] = {
    policies.Decision.APPROVE: gettext_lazy("approved"),
    policies.Decision.REJECT: gettext_lazy("rejected"),
    policies.Decision.TAKE_DOWN: gettext_lazy("taken down"),
    policies.Decision.SEND_BACK: gettext_lazy("sent back for moderation"),
    policies.Decision.REMOVE: gettext_lazy("removed"),
}


def _require_decision(petition: Petition, decision: policies.Decision) -> None:
    """Refuse (409, nothing changed) a staff decision the table in policies does not allow
    from the petition's state."""
    if not policies.allows(decision, petition):
        raise _refusal(petition, doing=DECISION_DOING[decision])


@transaction.atomic
def petition_confirm_creator(*, petition_id: int, token: str) -> Petition:
    """The creator proves their email address; the petition starts collecting sponsors.

    Confirming twice is harmless: the second time changes nothing.
    """
    petition = get_by_token(Petition.objects.select_for_update(), pk=petition_id, token=token, field="creator_token")
    if petition.state != PetitionState.PENDING:
        return petition
    scheme = scheme_get_current()
    petition.creator_confirmed_at = timezone.now()
    petition.state = PetitionState.SPONSORING
    petition.save(update_fields=["state", "creator_confirmed_at"])
    audit_record(action="petition.creator_confirmed", target=petition)
    send_email(
        key=f"petition:{petition.pk}:sponsor-link",
        priority=LetterPriority.WAITING,
        to=[petition.creator_email],
        template="petitions/email/sponsor_link",
        context={
            "petition": petition,
            "sponsor_count": scheme.sponsor_count,
            "link": absolute_url("signatures:sponsor", kwargs={"pk": petition.pk, "token": petition.sponsor_token}),
        },
    )
    if scheme.sponsor_count == 0:
        _request_moderation(petition)
    return petition


def _request_moderation(petition: Petition) -> None:
    petition.state = PetitionState.AWAITING_MODERATION
    petition.moderation_requested_at = timezone.now()
    petition.save(update_fields=["state", "moderation_requested_at"])
    event = audit_record(action="petition.moderation_requested", target=petition)
    send_email(
        key=f"petition:{petition.pk}:awaiting-moderation:event:{event.pk}",
        to=[petition.creator_email],
        template="petitions/email/awaiting_moderation",
        context={"petition": petition},
    )


@transaction.atomic
def petition_request_moderation(*, petition_id: int) -> Petition:
    """Enough sponsors have confirmed: hand the petition to the moderators (once)."""
    petition = _locked(petition_id)
    if petition.state == PetitionState.SPONSORING:
        _request_moderation(petition)
    return petition


@transaction.atomic
def petition_open(*, petition_id: int, actor: Actor) -> Petition:
    """A moderator approves: the petition is published and its deadline set by the scheme.

    A petition that was open before (taken down, then sent back) is not opened again: it
    keeps its opening date and deadline, and is closed if that deadline has passed
    (`policies.approved_state`).
    """
    petition = _locked(petition_id)
    _require_decision(petition, policies.Decision.APPROVE)
    now = timezone.now()
    if petition.opened_at is not None:
        petition.state = policies.approved_state(petition, now=now)
        if petition.state == PetitionState.CLOSED:
            petition.closed_at = petition.closed_at or petition.deadline_at
        petition.save(update_fields=["state", "closed_at"])
        audit_record(action="petition.reinstated", target=petition, actor=actor, data={"state": petition.state})
        return petition
    petition.state = PetitionState.OPEN
    petition.opened_at = now
    petition.deadline_at = add_months(now, scheme_get_current().duration_months)
    petition.save(update_fields=["state", "opened_at", "deadline_at"])
    audit_record(action="petition.opened", target=petition, actor=actor)
    # Sponsors counted before publication may already have crossed a threshold.
    _record_crossings([petition.pk], at=now)
    return petition


@transaction.atomic
def petition_reject(*, petition_id: int, reason: str, details: str, actor: Actor) -> Petition:
    """A moderator rejects the petition with a reason code; some reasons hide its text."""
    if reason not in RejectionReason.values:
        raise DomainError("Choose a reason for rejecting the petition.", code="reason_invalid")
    petition = _locked(petition_id)
    _require_decision(petition, policies.Decision.REJECT)
    _mark_rejected(petition, reason=reason, details=details)
    audit_record(action="petition.rejected", target=petition, actor=actor, data={"reason": reason})
    return petition


def _mark_rejected(petition: Petition, *, reason: str, details: str) -> None:
    """A rejection and a take-down leave a petition in the same place: rejected, with a
    reason (which may hide its text) and the moderator's explanation."""
    petition.state = PetitionState.REJECTED
    petition.rejected_at = timezone.now()
    petition.rejection_reason = reason
    petition.rejection_details = tidy(details)
    petition.save(update_fields=["state", "rejected_at", "rejection_reason", "rejection_details"])


@transaction.atomic
def petition_remove(*, petition_id: int, actor: Actor) -> Petition:
    """Take a petition down entirely; its page then answers 410 Gone."""
    petition = _locked(petition_id)
    _require_decision(petition, policies.Decision.REMOVE)
    previous = petition.state
    petition.state = PetitionState.REMOVED
    petition.removed_at = timezone.now()
    petition.save(update_fields=["state", "removed_at"])
    audit_record(action="petition.removed", target=petition, actor=actor, data={"previous_state": previous})
    return petition


def petition_close_expired(*, now: datetime.datetime | None = None) -> int:
    """Close every open petition whose deadline has passed. Returns how many closed."""
    now = now or timezone.now()
    closed = 0
    due = Petition.objects.filter(state=PetitionState.OPEN, deadline_at__lte=now).values_list("pk", flat=True)
    for petition_id in list(due):
        with transaction.atomic():
            petition = _locked(petition_id)
            if petition.state != PetitionState.OPEN or petition.deadline_at is None or petition.deadline_at > now:
                continue
            petition.state = PetitionState.CLOSED
            petition.closed_at = petition.deadline_at
            petition.save(update_fields=["state", "closed_at"])
            audit_record(action="petition.closed", target=petition)
            closed += 1
    return closed


def _record_crossings(petition_ids: list[int], *, at: datetime.datetime) -> list[ThresholdCrossing]:
    """Record each threshold newly reached by a published petition, stamped `at`.

    A threshold set to count only in-area signatures is reached by the petition's
    in-area count (signatures from postcodes in the scheme's eligible area).
    """
    thresholds = list(Threshold.objects.all())
    if not thresholds or not petition_ids:
        return []
    counts = {
        pk: (total, in_area)
        for pk, total, in_area in Petition.objects.live()
        .filter(pk__in=petition_ids)
        .values_list("pk", "signature_count", "in_area_count")
    }
    already = set(ThresholdCrossing.objects.filter(petition_id__in=counts).values_list("petition_id", "threshold_id"))
    crossings = [
        ThresholdCrossing(petition_id=pid, threshold=threshold, reached_at=at, signature_count=total)
        for pid, (total, in_area) in counts.items()
        for threshold in thresholds
        if threshold.is_reached(total=total, in_area=in_area) and (pid, threshold.pk) not in already
    ]
    ThresholdCrossing.objects.bulk_create(crossings)
    return crossings


@transaction.atomic
def petition_tally_add(
    *,
    increments: Mapping[int, int],
    at: datetime.datetime,
    in_area: Mapping[int, int] | None = None,
    unknown: Mapping[int, int] | None = None,
) -> list[ThresholdCrossing]:
    """Add newly confirmed signatures to petitions' counts: one UPDATE per petition.

    `in_area` and `unknown` are the parts of each increment from postcodes inside the
    scheme's eligible area and from postcodes not in the lookup; they are added in the
    same UPDATE. Only the counter calls this (single writer); requests never touch the
    count. Returns the threshold crossings this addition caused.
    """
    in_area = in_area or {}
    unknown = unknown or {}
    for petition_id, increment in sorted(increments.items()):
        if increment:
            Petition.objects.filter(pk=petition_id).update(
                signature_count=F("signature_count") + increment,
                in_area_count=F("in_area_count") + in_area.get(petition_id, 0),
                unknown_area_count=F("unknown_area_count") + unknown.get(petition_id, 0),
                counted_at=at,
            )
    return _record_crossings(sorted(increments), at=at)


def petition_awaiting_set(*, counts: Mapping[int, int]) -> int:
    """Set each petition's "awaiting checks" figure (confirmed signatures the fraud controls
    hold) to `counts`; a petition not named has none. Only the counter calls this, so the
    figure moves with the count and the pages' ETags. Returns how many petitions changed."""
    changed = 0
    for petition_id, awaiting in sorted(counts.items()):
        changed += (
            Petition.objects.filter(pk=petition_id).exclude(awaiting_count=awaiting).update(awaiting_count=awaiting)
        )
    changed += Petition.objects.filter(awaiting_count__gt=0).exclude(pk__in=list(counts)).update(awaiting_count=0)
    return changed


@dataclass(frozen=True)
class Tally:
    """A petition's exact counts, as the reconciliation recounts them."""

    total: int
    in_area: int = 0
    unknown: int = 0


@transaction.atomic
def petition_tally_correct(*, counts: Mapping[int, int | Tally], at: datetime.datetime) -> dict[int, tuple[int, int]]:
    """Set counts recounted from the signature table where they differ. Returns the fixes
    of the total count; in-area and unknown counts are corrected with it (and audited).
    """
    exact = {pid: value if isinstance(value, Tally) else Tally(total=value) for pid, value in counts.items()}
    current = {
        pk: Tally(total=total, in_area=in_area, unknown=unknown)
        for pk, total, in_area, unknown in Petition.objects.filter(pk__in=list(exact)).values_list(
            "pk", "signature_count", "in_area_count", "unknown_area_count"
        )
    }
    fixes: dict[int, tuple[int, int]] = {}
    changed: list[int] = []
    for petition_id, tally in sorted(exact.items()):
        was = current.get(petition_id, Tally(total=0))
        if was != tally:
            changed.append(petition_id)
            if was.total != tally.total:
                fixes[petition_id] = (was.total, tally.total)
            Petition.objects.filter(pk=petition_id).update(
                signature_count=tally.total,
                in_area_count=tally.in_area,
                unknown_area_count=tally.unknown,
                counted_at=at,
            )
            audit_record(
                action="petition.count_corrected",
                target=Petition(pk=petition_id),
                data={"was": was.total, "now": tally.total}
                | (
                    {"in_area": [was.in_area, tally.in_area], "unknown": [was.unknown, tally.unknown]}
                    if (was.in_area, was.unknown) != (tally.in_area, tally.unknown)
                    else {}
                ),
            )
    _record_crossings(changed, at=at)
    return fixes


def _stamp_live(petition_id: int, *, field: str, at: datetime.datetime, doing: str) -> Petition:
    """Stamp `field` with `at` on a live petition: what the body did about it."""
    petition = _locked(petition_id)
    _require_state(petition, LIVE_STATES, doing=doing)
    setattr(petition, field, at)
    petition.save(update_fields=[field])
    return petition


@transaction.atomic
def petition_mark_responded(*, petition_id: int, at: datetime.datetime) -> Petition:
    """Record that the body's written response was published (the responses app calls this)."""
    return _stamp_live(petition_id, field="response_published_at", at=at, doing="given a response")


@transaction.atomic
def petition_mark_debated(*, petition_id: int, at: datetime.datetime) -> Petition:
    """Record that a debate's outcome was published (the meetings app calls this)."""
    return _stamp_live(petition_id, field="debate_outcome_at", at=at, doing="marked as debated")


@transaction.atomic
def petition_tally_remove(
    *,
    decrements: Mapping[int, int],
    at: datetime.datetime,
    in_area: Mapping[int, int] | None = None,
    unknown: Mapping[int, int] | None = None,
) -> list[int]:
    """Take invalidated signatures off petitions' counts and re-evaluate thresholds.

    A threshold whose count is no longer met loses its crossing (it was reached with
    signatures that did not count); the change is audited. `in_area` and `unknown` are
    the parts of each decrement by locality. Returns the ids of the crossings withdrawn.
    """
    in_area = in_area or {}
    unknown = unknown or {}
    withdrawn: list[int] = []
    for petition_id, decrement in sorted(decrements.items()):
        if not decrement:
            continue
        Petition.objects.filter(pk=petition_id).update(
            signature_count=Greatest(F("signature_count") - decrement, Value(0)),
            in_area_count=Greatest(F("in_area_count") - in_area.get(petition_id, 0), Value(0)),
            unknown_area_count=Greatest(F("unknown_area_count") - unknown.get(petition_id, 0), Value(0)),
            counted_at=at,
        )
        count, local = Petition.objects.filter(pk=petition_id).values_list("signature_count", "in_area_count").get()
        lost = [
            crossing
            for crossing in ThresholdCrossing.objects.filter(petition_id=petition_id).select_related("threshold")
            if not crossing.threshold.is_reached(total=count, in_area=local)
        ]
        for crossing in lost:
            audit_record(
                action="petition.threshold_withdrawn",
                target=Petition(pk=petition_id),
                data={"threshold": crossing.threshold.name, "count": count},
            )
            withdrawn.append(crossing.pk)
        ThresholdCrossing.objects.filter(pk__in=[c.pk for c in lost]).delete()
    return withdrawn


@transaction.atomic
def petition_anonymise_creator(*, petition_id: int, at: datetime.datetime) -> Petition:
    """Remove the creator's personal details (name, email, full postcode, address hash)."""
    petition = _locked(petition_id)
    if petition.anonymised_at is not None:
        return petition
    petition.creator_name = ""
    petition.creator_email = ""
    petition.creator_postcode = petition.creator_postcode.split(" ")[0]
    petition.creator_ip_hash = ""
    petition.anonymised_at = at
    petition.save(
        update_fields=["creator_name", "creator_email", "creator_postcode", "creator_ip_hash", "anonymised_at"]
    )
    audit_record(action="petition.anonymised", target=petition)
    return petition


@transaction.atomic
def petition_forget_unsubmitted(*, petition_id: int, at: datetime.datetime) -> bool:
    """Delete a petition that never reached the moderators (UNSUBMITTED_STATES), with its
    text versions and every row of its own. Nothing of it was ever public. Its sponsors'
    signatures must be gone first (the signatures app deletes them). True once deleted.

    Nothing outside should point at such a petition, but an agenda item would hold it
    (PROTECT): then it is kept, its creator's details are removed as for an anonymised
    petition, its creator and sponsor links stop working, and the result is False.
    """
    petition = _locked(petition_id)
    _require_state(petition, UNSUBMITTED_STATES, doing=_("deleted"))
    try:
        with transaction.atomic():
            # Its current version is one of the versions deleted with it.
            Petition.objects.filter(pk=petition.pk).update(current_version=None)
            Petition.objects.filter(pk=petition.pk).delete()
    except ProtectedError:
        petition_anonymise_creator(petition_id=petition.pk, at=at)
        Petition.objects.filter(pk=petition.pk).update(creator_token="", sponsor_token="")
        return False
    audit_record(action="petition.forgotten", target=petition, data={"state": petition.state})
    return True


@transaction.atomic
def petition_set_anonymisation_exempt(*, petition_id: int, exempt: bool, actor: Actor) -> Petition:
    """An administrator keeps (or stops keeping) a petition's personal details."""
    actor = require(can_administer, actor, refusal="Only administrators can change this.")
    petition = _locked(petition_id)
    if petition.anonymised_at is not None and exempt:
        raise InvalidState("This petition's personal details have already been removed.", code="already_anonymised")
    petition.is_anonymisation_exempt = exempt
    petition.save(update_fields=["is_anonymisation_exempt"])
    audit_record(action="petition.anonymisation_exempt", target=petition, actor=actor, data={"exempt": exempt})
    return petition


@transaction.atomic
def petition_take_down(*, petition_id: int, reason: str, details: str, actor: Actor) -> Petition:
    """Take a published petition down: it becomes rejected with a reason (some hide it)."""
    if reason not in RejectionReason.values:
        raise DomainError("Choose a reason for taking the petition down.", code="reason_invalid")
    petition = _locked(petition_id)
    _require_decision(petition, policies.Decision.TAKE_DOWN)
    previous = petition.state
    _mark_rejected(petition, reason=reason, details=details)
    audit_record(
        action="petition.taken_down", target=petition, actor=actor, data={"reason": reason, "previous_state": previous}
    )
    return petition


@transaction.atomic
def petition_remoderate(*, petition_id: int, actor: Actor) -> Petition:
    """Send a rejected or taken-down petition back to the moderation queue."""
    petition = _locked(petition_id)
    _require_decision(petition, policies.Decision.SEND_BACK)
    petition.state = PetitionState.AWAITING_MODERATION
    petition.moderation_requested_at = timezone.now()
    petition.rejected_at = None
    petition.rejection_reason = ""
    petition.rejection_details = ""
    petition.save(
        update_fields=["state", "moderation_requested_at", "rejected_at", "rejection_reason", "rejection_details"]
    )
    audit_record(action="petition.remoderation_requested", target=petition, actor=actor)
    return petition


@transaction.atomic
def petition_set_proof_of_work(*, petition_id: int, required: bool, actor: Actor) -> Petition:
    """Switch the proof-of-work puzzle for signing one petition on or off (under attack).
    Administrators only, as the scheme's switch for every petition is."""
    actor = require(can_administer, actor, refusal="Only administrators can require proof of work.")
    petition = _locked(petition_id)
    petition.proof_of_work_required = required
    petition.save(update_fields=["proof_of_work_required"])
    audit_record(action="petition.proof_of_work", target=petition, actor=actor, data={"required": required})
    return petition
