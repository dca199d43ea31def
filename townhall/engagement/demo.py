"""The demo borough's updates and relayed messages.

Called by the demo loader after the petitions exist. Everything goes through the real
services; afterwards timestamps are moved into the past so the pages read naturally.

- The Mill Lane crossing petition has a published update, already queued to its
  opted-in signers (the outbox shows them once the scheduler drains it).
- The Riverside Library petition has an update waiting for moderation.
- The creator of the public toilets petition has received a relayed message.
"""

from __future__ import annotations

import datetime

from townhall.accounts.models import User
from townhall.accounts.policies import can_moderate
from townhall.core.tokens import link_token
from townhall.engagement.models import ContactMessage, PetitionUpdate
from townhall.engagement.services import (
    contact_message_confirm,
    contact_message_create,
    update_approve,
    update_fanout_run,
    update_submit,
)
from townhall.petitions.models import Petition

CROSSING = "Install a pedestrian crossing on Mill Lane outside St Anne's school"
LIBRARY = "Keep Riverside Library open seven days a week"
TOILETS = "Reopen the public toilets on Kingsmere Road"


def load(*, now: datetime.datetime) -> None:
    """Load the demo updates and message. Loading again changes nothing."""
    if PetitionUpdate.objects.exists() or ContactMessage.objects.exists():
        return
    petitions = {p.action: p for p in Petition.objects.filter(action__in=[CROSSING, LIBRARY, TOILETS])}
    moderator = next((u for u in User.objects.filter(is_active=True).order_by("pk") if can_moderate(u)), None)
    if len(petitions) != 3 or moderator is None:
        return

    crossing = petitions[CROSSING]
    published = update_submit(
        petition_id=crossing.pk,
        token=link_token(crossing.creator_token, "update"),
        title="We met the head teacher and the road safety team",
        body=(
            "Thank you for signing. On Tuesday parents met the head teacher of St Anne's and the "
            "council's road safety team at the school gates at home time. They counted 140 children "
            "crossing in twenty minutes.\n\nThe team will carry out a formal traffic survey next month. "
            "Please keep sharing the petition so the Cabinet Member sees how many families it affects."
        ),
    )
    update_approve(update_id=published.pk, actor=moderator)
    # Queue the signers' emails now; the worker's run later finds nothing left to do.
    update_fanout_run(update_id=published.pk)
    PetitionUpdate.objects.filter(pk=published.pk).update(
        created_at=now - datetime.timedelta(days=3, hours=2),
        moderated_at=now - datetime.timedelta(days=2, hours=20),
        published_at=now - datetime.timedelta(days=2, hours=20),
    )

    library = petitions[LIBRARY]
    waiting = update_submit(
        petition_id=library.pk,
        token=link_token(library.creator_token, "update"),
        title="More than 3,000 of us have signed",
        body=(
            "We passed the number needed for a debate at Full Council. Join us outside Riverside "
            "Library at 10am on Saturday to hand in a copy of the petition to the Cabinet Member."
        ),
    )
    PetitionUpdate.objects.filter(pk=waiting.pk).update(created_at=now - datetime.timedelta(hours=5))

    toilets = petitions[TOILETS]
    message = contact_message_create(
        petition_id=toilets.pk,
        sender_name="Grace Evans",
        sender_email="grace.evans.demo@example.org",
        body=(
            "I run the café opposite the old toilets. Many of my older customers have said the same. "
            "I would be glad to put a poster for the petition in the window, if you have one."
        ),
        ip="127.0.0.1",
    )
    if message is None:
        raise LookupError("The demo correspondent is on a block list.")
    contact_message_confirm(message_id=message.pk, token=message.token)
    ContactMessage.objects.filter(pk=message.pk).update(
        created_at=now - datetime.timedelta(days=1, hours=3), delivered_at=now - datetime.timedelta(days=1, hours=2)
    )
