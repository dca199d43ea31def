"""Reads of updates and relayed messages for pages and panels."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from townhall.core.errors import NotFound
from townhall.core.tokens import get_by_token
from townhall.engagement.models import ContactMessage, MessageState, PetitionUpdate, UpdateState


def update_list_published(*, petition_id: int) -> list[PetitionUpdate]:
    """A petition's published updates, newest first (one query)."""
    return list(
        PetitionUpdate.objects.filter(petition_id=petition_id, state=UpdateState.PUBLISHED).order_by(
            "-published_at", "-id"
        )
    )


def update_list_for_petition(*, petition_id: int) -> QuerySet[PetitionUpdate]:
    """Every update of a petition in any state, newest first: the creator's own view."""
    return PetitionUpdate.objects.filter(petition_id=petition_id).order_by("-created_at", "-id")


def update_list_awaiting_moderation() -> QuerySet[PetitionUpdate]:
    """Updates waiting for a moderator, oldest first, with their petitions."""
    return (
        PetitionUpdate.objects.filter(state=UpdateState.AWAITING_MODERATION)
        .select_related("petition")
        .order_by("created_at", "id")
    )


def update_get(*, update_id: int) -> PetitionUpdate:
    update = PetitionUpdate.objects.select_related("petition", "moderated_by").filter(pk=update_id).first()
    if update is None:
        raise NotFound(_("There is no update with that number."))
    return update


def contact_message_get_for_sender(*, message_id: int, token: str) -> ContactMessage:
    """A message its sender is confirming (the link emailed to the sender)."""
    return get_by_token(
        ContactMessage.objects.select_related("petition").filter(is_from_creator=False), pk=message_id, token=token
    )


def contact_message_get_for_recipient(*, message_id: int, token: str, purpose: str | None = None) -> ContactMessage:
    """A relayed message, for its recipient's reply page (the stored token) and report page
    (the token derived for "report")."""
    return get_by_token(
        ContactMessage.objects.select_related("petition").filter(state=MessageState.DELIVERED),
        pk=message_id,
        token=token,
        field="recipient_token",
        purpose=purpose,
    )


def contact_message_list_reported() -> QuerySet[ContactMessage]:
    """Messages recipients reported as abuse, most recent report first, for moderators."""
    return (
        ContactMessage.objects.filter(reported_at__isnull=False)
        .select_related("petition")
        .order_by("-reported_at", "-id")
    )
