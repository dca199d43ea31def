"""The petition page's updates section, contact link and update events (registered in
EngagementConfig.ready)."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from townhall.core.panels import Panel, TimelineEvent
from townhall.engagement.selectors import update_list_published
from townhall.petitions import policies
from townhall.petitions.models import Petition


def updates_panel(petition: Petition) -> Panel | None:
    """Published updates from the creator, newest first; nothing if there are none."""
    if not policies.is_live(petition):
        return None
    updates = update_list_published(petition_id=petition.pk)
    if not updates:
        return None
    return Panel(
        template="engagement/_updates_panel.html",
        order=40,
        context={"updates": updates},
        etag_part="updates:" + ",".join(f"{u.pk}@{u.published_at}" for u in updates),
    )


def contact_panel(petition: Petition) -> Panel | None:
    """The link to write to the creator through the relay (open and closed petitions)."""
    if not policies.is_live(petition):
        return None
    return Panel(
        template="engagement/_contact_panel.html", order=90, context={"petition": petition}, etag_part="contact"
    )


def update_events(petition: Petition) -> Iterable[TimelineEvent]:
    if not policies.is_live(petition):
        return
    for update in update_list_published(petition_id=petition.pk):
        if update.published_at is None:  # pragma: no cover - published updates have a date
            continue
        yield TimelineEvent(
            at=update.published_at,
            kind="update",
            title=_("Update from the creator: %(title)s") % {"title": update.title},
            url=f"#update-{update.pk}",
        )
