from __future__ import annotations

from django.tasks import task

from townhall.meetings.services import agenda_item_fan_out


@task()
def agenda_item_notify(*, item_id: int, event: str) -> int:
    """Queue the letters owed to a petition's signers about an agenda item (re-runnable)."""
    return agenda_item_fan_out(item_id=item_id, event=event)
