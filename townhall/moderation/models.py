"""The moderators' workspace: edit locks, internal notes and requests for a second opinion.

Decisions themselves live in the petition's state and the append-only audit log; these
tables hold only the work around a decision.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ModerationLock(models.Model):
    """Who is deciding a petition now; others can read but not decide until it expires."""

    petition = models.OneToOneField("petitions.Petition", on_delete=models.CASCADE, related_name="moderation_lock")
    held_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    acquired_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"petition {self.petition_id} locked by {self.held_by_id}"


class ModerationNote(models.Model):
    """An internal note for other staff; never shown to the public or the creator."""

    petition = models.ForeignKey("petitions.Petition", on_delete=models.CASCADE, related_name="moderation_notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField(_("note"))
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.body[:50]


class SecondOpinion(models.Model):
    """A moderator asks colleagues to look before anyone decides."""

    petition = models.ForeignKey("petitions.Petition", on_delete=models.CASCADE, related_name="second_opinions")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.TextField(_("why"))
    requested_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"second opinion on petition {self.petition_id}"
