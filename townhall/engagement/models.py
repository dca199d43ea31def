"""Creators' updates to signers, and the contact relay that keeps everyone's address private."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from townhall.signatures.models import SignerFanOut


class UpdateState(models.TextChoices):
    AWAITING_MODERATION = "awaiting_moderation", _("Waiting for moderation")
    PUBLISHED = "published", _("Published")
    REJECTED = "rejected", _("Rejected")


class PetitionUpdate(SignerFanOut):
    petition = models.ForeignKey("petitions.Petition", on_delete=models.CASCADE, related_name="updates")
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("update"))
    state = models.CharField(max_length=24, choices=UpdateState.choices, default=UpdateState.AWAITING_MODERATION)
    created_at = models.DateTimeField()
    moderated_at = models.DateTimeField(null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rejection_reason = models.TextField(blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class MessageState(models.TextChoices):
    PENDING = "pending", _("Waiting for the sender to confirm their email")
    DELIVERED = "delivered", _("Delivered")
    BLOCKED = "blocked", _("Blocked")


class ContactMessage(models.Model):
    """A message to a petition's creator, relayed so neither side sees the other's address.

    A reply from the creator is a ContactMessage with `in_reply_to` set, relayed back.

    Every conversation is between the petition's creator and one member of the public,
    the *correspondent*; `correspondent_email_canonical` names that mailbox on every
    message of the conversation, in both directions, so rate limits and blocks are one
    indexed lookup. `token` is the sender's link (confirming their address);
    `recipient_token` is the recipient's link (reply, report abuse).
    """

    petition = models.ForeignKey("petitions.Petition", on_delete=models.CASCADE, related_name="contact_messages")
    in_reply_to = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies")
    sender_name = models.CharField(_("name"), max_length=100)
    sender_email = models.EmailField(_("email"))
    body = models.TextField(_("message"))
    token = models.CharField(max_length=64)
    state = models.CharField(max_length=12, choices=MessageState.choices, default=MessageState.PENDING)
    # Keyed hash of the sender's IP for rate limits; the address itself is never stored.
    sender_ip_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    reported_at = models.DateTimeField(null=True, blank=True)
    report_reason = models.TextField(blank=True)
    is_from_creator = models.BooleanField(default=False)
    correspondent_email_canonical = models.CharField(max_length=254, blank=True)
    recipient_token = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["petition", "correspondent_email_canonical", "created_at"], name="contact_correspondent_idx"
            ),
            models.Index(fields=["sender_ip_hash", "created_at"], name="contact_ip_hash_idx"),
        ]

    def __str__(self) -> str:
        return f"message {self.pk} about petition {self.petition_id}"
