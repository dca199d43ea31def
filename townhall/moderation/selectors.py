from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from townhall.accounts.models import Actor
from townhall.audit.models import AuditEvent
from townhall.moderation.models import ModerationLock, ModerationNote, SecondOpinion
from townhall.petitions.models import Petition, PetitionState
from townhall.petitions.selectors import TextWarning, petition_text_warnings


@dataclass(frozen=True)
class QueueEntry:
    petition: Petition
    waiting_days: int
    is_overdue: bool
    needs_second_opinion: bool
    locked_by: str
    warnings: int


def moderation_list_queue(*, now: datetime.datetime | None = None) -> list[QueueEntry]:
    """Petitions waiting for a decision, oldest first, with age, overdue, flags and locks."""
    now = now or timezone.now()
    overdue_after = datetime.timedelta(days=int(settings.TOWNHALL["MODERATION_OVERDUE_DAYS"]))
    petitions = (
        Petition.objects.filter(state=PetitionState.AWAITING_MODERATION)
        .annotate(
            flagged=Exists(SecondOpinion.objects.filter(petition=OuterRef("pk"), resolved_at__isnull=True)),
        )
        .order_by("moderation_requested_at", "id")
    )
    locks = {
        lock.petition_id: lock.held_by.get_username()
        for lock in ModerationLock.objects.select_related("held_by").filter(expires_at__gt=now)
    }
    entries = []
    for petition in petitions:
        since = petition.moderation_requested_at or petition.created_at
        entries.append(
            QueueEntry(
                petition=petition,
                waiting_days=(now - since).days,
                is_overdue=now - since > overdue_after,
                needs_second_opinion=bool(getattr(petition, "flagged", False)),  # annotated above
                locked_by=locks.get(petition.pk, ""),
                warnings=len(
                    petition_text_warnings(
                        action=petition.action,
                        background=petition.background,
                        additional_details=petition.additional_details,
                    )
                ),
            )
        )
    return entries


def moderation_notes(*, petition_id: int) -> QuerySet[ModerationNote]:
    return ModerationNote.objects.filter(petition_id=petition_id).select_related("author")


def moderation_open_second_opinions(*, petition_id: int) -> QuerySet[SecondOpinion]:
    return SecondOpinion.objects.filter(petition_id=petition_id, resolved_at__isnull=True).select_related(
        "requested_by"
    )


def moderation_history(*, petition_id: int) -> QuerySet[AuditEvent]:
    """The petition's append-only decision history, oldest first."""
    return (
        AuditEvent.objects.filter(target_type="petitions.petition", target_id=str(petition_id))
        .select_related("actor")
        .order_by("occurred_at", "id")
    )


def moderation_warnings(*, petition: Petition) -> list[TextWarning]:
    return petition_text_warnings(
        action=petition.action, background=petition.background, additional_details=petition.additional_details
    )


@dataclass(frozen=True)
class LockStatus:
    is_mine: bool
    held_by_another: str  # "alice is reviewing this petition until 14:05; …", or ""


def moderation_lock_status(*, petition_id: int, actor: Actor, now: datetime.datetime | None = None) -> LockStatus:
    """Who is reviewing a petition now, as the workspace shows it (reading takes no lock)."""
    now = now or timezone.now()
    lock = ModerationLock.objects.select_related("held_by").filter(petition_id=petition_id, expires_at__gt=now).first()
    if lock is None:
        return LockStatus(is_mine=False, held_by_another="")
    if lock.held_by_id == actor.pk:
        return LockStatus(is_mine=True, held_by_another="")
    return LockStatus(
        is_mine=False,
        held_by_another=(
            f"{lock.held_by.get_username()} is reviewing this petition until "
            f"{timezone.localtime(lock.expires_at):%H:%M}; nothing was changed."
        ),
    )
