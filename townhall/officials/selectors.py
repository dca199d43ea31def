from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from townhall.officials.models import Official


def official_list_current() -> QuerySet[Official]:
    """Officials in role today, the choices for a petition's decision maker."""
    today = timezone.localdate()
    return (
        Official.objects.select_related("person")
        .filter(tenure_started_on__lte=today)
        .filter(Q(tenure_ended_on__isnull=True) | Q(tenure_ended_on__gte=today))
    )


def official_choices_current() -> list[tuple[int, str]]:
    """(id, label) of each official in role today, for a form's choice of official."""
    return [(official.pk, official.label) for official in official_list_current()]
