"""Signatures: the hot path. One INSERT to sign, one UPDATE to confirm, nothing else."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SignatureState(models.TextChoices):
    PENDING = "pending", _("Waiting for email confirmation")
    VERIFIED = "verified", _("Confirmed")
    FRAUDULENT = "fraudulent", _("Fraudulent")
    INVALIDATED = "invalidated", _("Invalidated")


# Signatures that count or may yet count: neither held nor caught nor removed.
_MAY_COUNT = models.Q(hold_reason="", state__in=["pending", "verified"])


class Signature(models.Model):
    # No index of its own: every composite index below starts with the petition. A lone
    # petition index looked cheapest to PostgreSQL for the rate-limit counts of a new,
    # fast-growing petition and made each of them walk all of its signatures.
    petition = models.ForeignKey(
        "petitions.Petition", on_delete=models.CASCADE, related_name="signatures", db_index=False
    )
    # The exact text the person was shown when they signed.
    petition_version = models.ForeignKey("petitions.PetitionVersion", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    email = models.EmailField(_("email"))
    # Lower-cased, for gmail-style domains without dots or +tags, and for the domains that
    # ignore only +tags (Outlook, iCloud…) without the +tag: one per mailbox.
    email_canonical = models.CharField(max_length=254)
    postcode = models.CharField(_("postcode"), max_length=8)
    # Household rule: slot 0 for the first person using an address, 1 for a second person
    # at the same postcode. The unique constraint makes a third impossible, even in a race.
    household_slot = models.PositiveSmallIntegerField(default=0)
    is_sponsor = models.BooleanField(default=False)
    wants_updates = models.BooleanField(_("wants email updates"), default=False)
    state = models.CharField(max_length=12, choices=SignatureState.choices, default=SignatureState.PENDING)
    token = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    # The emailed link works until then; signing again renews it.
    link_expires_at = models.DateTimeField()
    verified_at = models.DateTimeField(null=True, blank=True)
    # Set by the counter when this signature has been added to the petition's count.
    counted_at = models.DateTimeField(null=True, blank=True)
    # The areas the postcode lies in, tagged at confirmation (null: postcode not in the lookup).
    location = models.ForeignKey(
        "areas.Location", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    # Fraud controls: a keyed hash of the client IP and its truncated network (/24 for
    # IPv4, /48 for IPv6); the address itself is never stored. `fraud_reason` says why a
    # signature was caught (then state is fraudulent) or flagged (state unchanged).
    ip_hash = models.CharField(max_length=32, blank=True)
    ip_prefix = models.CharField(max_length=50, blank=True)
    fraud_reason = models.CharField(max_length=30, blank=True)
    # Held (docs/integrity.md): a rule that is not certain fired, so the signature confirms
    # as any other but is not counted until it is released (by the evidence, by an allow
    # list or by staff). `hold_reason` names the rule and is never shown to the signer;
    # empty means not held. A released signature keeps `released_at` and `released_by`, and
    # is never held again.
    hold_reason = models.CharField(max_length=30, blank=True)
    held_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.CharField(max_length=20, blank=True)
    # Invalidation (integrity app): when and in which public reason category.
    invalidated_at = models.DateTimeField(null=True, blank=True)
    invalidation_reason = models.CharField(max_length=30, blank=True)
    # Outbox: the row itself says a confirmation email is owed.
    email_pending = models.BooleanField(default=True)
    emails_sent = models.PositiveSmallIntegerField(default=0)
    email_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["petition", "email_canonical", "household_slot"], name="signature_one_per_mailbox_slot"
            ),
            models.CheckConstraint(condition=models.Q(household_slot__lte=1), name="signature_household_max_two"),
        ]
        indexes = [
            models.Index(
                fields=["id"],
                name="signature_uncounted_idx",
                condition=models.Q(state="verified", counted_at__isnull=True, hold_reason=""),
            ),
            # Held signatures are few: the counter's "awaiting checks" figure and the review of
            # the evidence read them through this index alone.
            models.Index(fields=["petition", "id"], name="signature_held_idx", condition=~models.Q(hold_reason="")),
            # "Is this source still held?" on the signing path: a range of held rows only.
            models.Index(
                fields=["petition", "ip_prefix", "created_at"],
                name="signature_held_source_idx",
                condition=~models.Q(hold_reason=""),
            ),
            # Marked signatures (flagged, held, caught) are few: the integrity overview's recent
            # flagged ones are a short range of this index, not a walk of every signature.
            models.Index(fields=["created_at"], name="signature_marked_idx", condition=~models.Q(fraud_reason="")),
            models.Index(fields=["id"], name="signature_email_pending_idx", condition=models.Q(email_pending=True)),
            models.Index(fields=["petition", "state"], name="signature_petition_state_idx"),
            # The rate limits count only signatures that may count (not held, not caught): each
            # count is a range of one of these partial indexes.
            models.Index(
                fields=["petition", "ip_hash", "created_at"], name="signature_ip_rate_idx", condition=_MAY_COUNT
            ),
            models.Index(
                fields=["petition", "ip_prefix", "created_at"], name="signature_prefix_rate_idx", condition=_MAY_COUNT
            ),
        ]

    def __str__(self) -> str:
        return f"signature {self.pk} on petition {self.petition_id}"


class SignerFanOut(models.Model):
    """The cursor of a fan-out to a petition's opted-in signers, kept on the row that owes
    the letters (a published response, a published update, an agenda notice).

    `fanout_after_id` is the last signature whose letter has been queued; it moves in the
    same transaction as that batch's letters, so a fan-out interrupted anywhere resumes
    after the last batch it finished and never queues anyone twice. `fanout_finished_at`
    is set once every opted-in signer has been reached. The one loop that moves it is
    `townhall.signatures.services.signers_fan_out`.
    """

    fanout_after_id = models.BigIntegerField(default=0)
    fanout_finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
