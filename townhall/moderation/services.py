"""Moderators' decisions. Each tells the creator and every sponsor the outcome by email."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from townhall.accounts.policies import can_moderate
from townhall.core.errors import PermissionDeniedError
from townhall.core.mail import send_email
from townhall.core.urls_helpers import absolute_url
from townhall.petitions.models import Petition, RejectionReason
from townhall.petitions.services import petition_open, petition_reject
from townhall.signatures.models import Signature, SignatureState


def _require_moderator(actor: Any) -> None:
    if not can_moderate(actor):
        raise PermissionDeniedError("Only moderators can approve or reject petitions.")


def _notify(petition: Petition, *, template: str) -> None:
    sponsors = list(
        Signature.objects.filter(petition=petition, is_sponsor=True, state=SignatureState.VERIFIED).values_list(
            "email", flat=True
        )
    )
    send_email(
        to=[petition.creator_email, *sponsors],
        template=template,
        context={
            "petition": petition,
            "reason": RejectionReason(petition.rejection_reason).label if petition.rejection_reason else "",
            "link": absolute_url("petitions:detail", kwargs={"pk": petition.pk}),
        },
    )


@transaction.atomic
def moderation_approve(*, petition_id: int, actor: Any) -> Petition:
    """Publish the petition for signatures."""
    _require_moderator(actor)
    petition = petition_open(petition_id=petition_id, actor=actor)
    _notify(petition, template="moderation/email/approved")
    return petition


@transaction.atomic
def moderation_reject(*, petition_id: int, reason: str, details: str, actor: Any) -> Petition:
    """Reject the petition with a reason code and an explanation for the creator."""
    _require_moderator(actor)
    petition = petition_reject(petition_id=petition_id, reason=reason, details=details, actor=actor)
    _notify(petition, template="moderation/email/rejected")
    return petition
