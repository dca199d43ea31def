"""The petition's own events on its public timeline (other apps add theirs via core.panels)."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from townhall.core.panels import TimelineEvent
from townhall.petitions.models import Petition


def petition_events(petition: Petition) -> Iterable[TimelineEvent]:
    if petition.opened_at:
        yield TimelineEvent(at=petition.opened_at, kind="opened", title=_("Petition opened for signatures"))
    for crossing in petition.threshold_crossings.select_related("threshold"):
        yield TimelineEvent(
            at=crossing.reached_at,
            kind="threshold",
            title=_("Reached %(count)s signatures: %(name)s")
            % {"count": f"{crossing.threshold.count:,}", "name": crossing.threshold.name},
        )
    if petition.closed_at:
        yield TimelineEvent(at=petition.closed_at, kind="closed", title=_("Petition closed"))
