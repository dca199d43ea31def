"""Moderators' decisions and the work around them.

Every decision tells the creator and every sponsor by email. A decision is refused while
another moderator holds the petition's edit lock, so two people never decide the same
petition at once. Taking down a published petition is a moderator's power; removing a
petition (410) and sending a decided petition back for moderation are administrators'.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from townhall.accounts.models import Actor, User
from townhall.accounts.policies import can_administer, can_moderate, require
from townhall.audit.selectors import audit_latest_event_id
from townhall.audit.services import audit_record
from townhall.core.errors import InvalidState, NotFound
from townhall.core.links import absolute_url
from townhall.core.text import text_required
from townhall.mail.services import send_email
from townhall.moderation.models import ModerationLock, ModerationNote, SecondOpinion
from townhall.moderation.selectors import moderation_lock_status
from townhall.petitions.models import Petition, RejectionReason
from townhall.petitions.services import (
    petition_open,
    petition_reject,
    petition_remoderate,
    petition_remove,
    petition_take_down,
)
from townhall.signatures.selectors import signature_emails_for


def _require_moderator(actor: Actor) -> User:
    return require(can_moderate, actor, refusal="Only moderators can approve or reject petitions.")


def _require_administrator(actor: Actor, doing: str) -> User:
    return require(can_administer, actor, refusal=f"Only administrators can {doing}.")


def _notify(petition: Petition, *, template: str) -> None:
    """Tell the creator and sponsors of a decision, keyed by the decision's audit event (a
    petition approved again after being sent back gets its second letter)."""
    sponsors = signature_emails_for(petition_id=petition.pk, sponsors_only=True)
    decision = template.rsplit("/", 1)[-1]
    send_email(
        key=f"petition:{petition.pk}:{decision}:event:{audit_latest_event_id(target=petition)}",
        to=[petition.creator_email, *sponsors],
        template=template,
        context={
            "petition": petition,
            "reason": RejectionReason(petition.rejection_reason).label if petition.rejection_reason else "",
            "link": absolute_url("petitions:detail", kwargs={"pk": petition.pk}),
        },
    )


def _lock_minutes() -> int:
    return int(settings.TOWNHALL["MODERATION_LOCK_MINUTES"])


def _check_not_locked_by_another(petition_id: int, actor: Actor) -> None:
    held_by_another = moderation_lock_status(petition_id=petition_id, actor=actor).held_by_another
    if held_by_another:
        raise InvalidState(held_by_another, code="locked")


@transaction.atomic
def moderation_lock_acquire(*, petition_id: int, actor: Actor) -> ModerationLock:
    """Take (or renew) the edit lock; refused while another moderator's lock is live."""
    actor = _require_moderator(actor)
    if not Petition.objects.filter(pk=petition_id).exists():
        raise NotFound("There is no petition with that number.")
    now = timezone.now()
    expires = now + datetime.timedelta(minutes=_lock_minutes())
    lock = ModerationLock.objects.select_for_update().filter(petition_id=petition_id).first()
    if lock is None:
        try:
            with transaction.atomic():
                return ModerationLock.objects.create(
                    petition_id=petition_id, held_by=actor, acquired_at=now, expires_at=expires
                )
        except IntegrityError:
            lock = ModerationLock.objects.select_for_update().get(petition_id=petition_id)
    if lock.held_by_id != actor.pk and lock.expires_at > now:
        _check_not_locked_by_another(petition_id, actor)
    if lock.held_by_id != actor.pk:
        lock.acquired_at = now
    lock.held_by = actor
    lock.expires_at = expires
    lock.save(update_fields=["held_by", "acquired_at", "expires_at"])
    return lock


def moderation_lock_release(*, petition_id: int, actor: Actor) -> None:
    ModerationLock.objects.filter(petition_id=petition_id, held_by_id=actor.pk).delete()


def _decide(
    petition_id: int, actor: Actor, decide: Callable[[User], Petition], *, template: str, release_lock: bool
) -> Petition:
    """A moderator's decision: refused while another moderator holds the lock; `decide`
    changes the petition; the creator and sponsors are told by `template`."""
    moderator = _require_moderator(actor)
    _check_not_locked_by_another(petition_id, moderator)
    petition = decide(moderator)
    if release_lock:
        moderation_lock_release(petition_id=petition_id, actor=moderator)
    _notify(petition, template=template)
    return petition


@transaction.atomic
def moderation_approve(*, petition_id: int, actor: Actor) -> Petition:
    """Publish the petition for signatures."""
    return _decide(
        petition_id,
        actor,
        lambda moderator: petition_open(petition_id=petition_id, actor=moderator),
        template="moderation/email/approved",
        release_lock=True,
    )


@transaction.atomic
def moderation_reject(*, petition_id: int, reason: str, details: str, actor: Actor) -> Petition:
    """Reject the petition with a reason code and an explanation for the creator."""
    return _decide(
        petition_id,
        actor,
        lambda moderator: petition_reject(petition_id=petition_id, reason=reason, details=details, actor=moderator),
        template="moderation/email/rejected",
        release_lock=True,
    )


@transaction.atomic
def moderation_take_down(*, petition_id: int, reason: str, details: str, actor: Actor) -> Petition:
    """Take a published petition down (it becomes rejected; some reasons hide it)."""
    return _decide(
        petition_id,
        actor,
        lambda moderator: petition_take_down(petition_id=petition_id, reason=reason, details=details, actor=moderator),
        template="moderation/email/rejected",
        release_lock=False,
    )


@transaction.atomic
def moderation_remove(*, petition_id: int, actor: Actor) -> Petition:
    """Remove a petition entirely (its page answers 410 Gone). Administrators only."""
    actor = _require_administrator(actor, "remove petitions")
    return petition_remove(petition_id=petition_id, actor=actor)


@transaction.atomic
def moderation_remoderate(*, petition_id: int, actor: Actor) -> Petition:
    """Send a rejected or taken-down petition back to the queue. Administrators only."""
    actor = _require_administrator(actor, "send a petition back for moderation")
    return petition_remoderate(petition_id=petition_id, actor=actor)


@transaction.atomic
def moderation_note_add(*, petition_id: int, body: str, actor: Actor) -> ModerationNote:
    """Add an internal note (append-only; staff only)."""
    actor = _require_moderator(actor)
    body = text_required(body, code="note", blank="Write the note before adding it.")
    if not Petition.objects.filter(pk=petition_id).exists():
        raise NotFound("There is no petition with that number.")
    note = ModerationNote.objects.create(petition_id=petition_id, author=actor, body=body, created_at=timezone.now())
    audit_record(action="moderation.note_added", target=Petition(pk=petition_id), actor=actor)
    return note


@transaction.atomic
def moderation_second_opinion_request(*, petition_id: int, reason: str, actor: Actor) -> SecondOpinion:
    """Flag a petition for a colleague's view before anyone decides."""
    actor = _require_moderator(actor)
    reason = text_required(reason, code="reason", blank="Say what you would like a second opinion on.")
    if SecondOpinion.objects.filter(petition_id=petition_id, resolved_at__isnull=True).exists():
        raise InvalidState("A second opinion has already been requested on this petition.", code="already_flagged")
    flag = SecondOpinion.objects.create(
        petition_id=petition_id, requested_by=actor, reason=reason, requested_at=timezone.now()
    )
    audit_record(action="moderation.second_opinion_requested", target=Petition(pk=petition_id), actor=actor)
    return flag


@transaction.atomic
def moderation_second_opinion_resolve(*, petition_id: int, actor: Actor) -> int:
    """Mark open requests for a second opinion as answered."""
    actor = _require_moderator(actor)
    resolved = SecondOpinion.objects.filter(petition_id=petition_id, resolved_at__isnull=True).update(
        resolved_at=timezone.now(), resolved_by=actor
    )
    if resolved:
        audit_record(action="moderation.second_opinion_resolved", target=Petition(pk=petition_id), actor=actor)
    return int(resolved)
