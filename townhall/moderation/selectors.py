from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

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
                needs_second_opinion=bool(petition.flagged),
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
