from __future__ import annotations

from django.db.models import QuerySet

from townhall.petitions.models import Petition, PetitionState


def moderation_list_queue() -> QuerySet[Petition]:
    """Petitions waiting for a moderator's decision, oldest request first."""
    return Petition.objects.filter(state=PetitionState.AWAITING_MODERATION).order_by("moderation_requested_at", "id")
