"""The decisions timeline on petition pages (registered in AccountabilityConfig.ready)."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse

from townhall.accountability.selectors import decision_list_for_petition
from townhall.core.panels import TimelineEvent
from townhall.petitions.models import Petition


def decision_events(petition: Petition) -> Iterable[TimelineEvent]:
    """Each decision linked to the petition, on the day it was taken.

    The link goes to the page of the official the decision concerns (the first, if several).
    """
    for decision in decision_list_for_petition(petition_id=petition.pk):
        officials = list(decision.officials.all())
        yield TimelineEvent(
            at=decision.decided_on,
            kind="decision",
            title=decision.title,
            detail=decision.decided_by,
            url=reverse("accountability:official", kwargs={"slug": officials[0].person.slug}) if officials else "",
        )
