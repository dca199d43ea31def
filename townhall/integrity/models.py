"""Invalidations of signatures by criteria, and alerts about trending sources."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class InvalidationReason(models.TextChoices):
    """Public categories: the petition page shows how many were removed for each."""

    FRAUD = "fraud", _("Automated or fraudulent signing")
    DUPLICATE = "duplicate", _("Duplicate signatures")
    INELIGIBLE = "ineligible", _("Signers not eligible under the scheme")
    WITHDRAWN = "withdrawn", _("Withdrawn by the signer")


class InvalidationAction(models.TextChoices):
    """What a run does to the signatures matching its criteria."""

    INVALIDATE = "invalidate", _("Remove")
    RELEASE = "release", _("Release")
    REJECT = "reject", _("Reject")


class InvalidationState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    FINISHED = "finished", _("Finished")


class Invalidation(models.Model):
    """A staff decision about the signatures matching criteria, run in the background: remove
    them (with a public reason), or release or reject the held ones among them."""

    action = models.CharField(
        _("action"), max_length=10, choices=InvalidationAction.choices, default=InvalidationAction.INVALIDATE
    )
    # The public reason: only a removal has one.
    reason = models.CharField(_("reason"), max_length=20, choices=InvalidationReason.choices, blank=True)
    note = models.TextField(_("internal note"), blank=True)
    # {"petition_id": 1, "ip": "…", "cidr": "…", "domain": "…", "email_pattern": "…",
    #  "name_pattern": "…", "postcode": "…", "area": "…", "since": iso, "until": iso, "ip_hash": "…", "held": "only",
    #  "hold_reason": ["…"], "fraud_reason": ["…"], "confirmed_within_seconds": 60} (integrity.services.Criteria)
    criteria = models.JSONField(_("criteria"))
    state = models.CharField(max_length=10, choices=InvalidationState.choices, default=InvalidationState.QUEUED)
    matched = models.PositiveIntegerField(default=0, help_text=_("Signatures matching when it was requested."))
    processed = models.PositiveIntegerField(default=0)
    # Signatures changed: removed, released or rejected, as the action says.
    invalidated = models.PositiveIntegerField(default=0)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        if self.action == InvalidationAction.INVALIDATE:
            return f"invalidation {self.pk} ({self.reason})"
        return f"{self.action} {self.pk}"

    @property
    def percent_done(self) -> int:
        return 100 if not self.matched else min(100, self.processed * 100 // self.matched)


class AlertKind(models.TextChoices):
    IP = "ip", _("One address")
    NETWORK = "network", _("One network (/24)")
    EMAIL_DOMAIN = "email_domain", _("One email domain")
    # Petition-wide signals (townhall/integrity/anomalies.py), for attacks from many sources.
    SURGE = "surge", _("Signing far above the petition's usual rate")
    FAST_CONFIRMS = "fast_confirms", _("Confirmations faster than people read email")
    PROVIDER_SHIFT = "provider_shift", _("One email provider far above its usual share")
    TEMPLATED = "templated", _("Addresses or names made from one template")


class TrendAlert(models.Model):
    """Something unusual about one petition's signing: a source behind an unusual share of an
    hour (address, network, domain), or a petition-wide signal over an episode (a surge
    against its own usual rate; confirmations faster than people read email; one email
    provider far above its usual share; addresses or names made from one template).

    `criteria` is the selection it names, in the invalidation tools' terms
    (townhall.integrity.services.Criteria): following it selects exactly the signatures the
    alert counts. `held` and `counted` say how many of them the fraud controls hold and how
    many are in the count.
    """

    petition = models.ForeignKey("petitions.Petition", on_delete=models.CASCADE, related_name="trend_alerts")
    kind = models.CharField(max_length=20, choices=AlertKind.choices)
    # A petition-wide signal about one domain or shape keeps it here: each has its own episodes.
    value = models.CharField(
        max_length=254, help_text=_("Hashed address, network or domain; the shape of addresses or names.")
    )
    # The hour looked at, or the start of a petition-wide episode (which ends at window_end).
    hour_starting = models.DateTimeField()
    window_end = models.DateTimeField(null=True, blank=True)
    count = models.PositiveIntegerField()
    share_percent = models.PositiveSmallIntegerField()
    summary = models.TextField(blank=True)
    criteria = models.JSONField(default=dict, blank=True)
    held = models.PositiveIntegerField(default=0)
    counted = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-hour_starting", "-count"]
        constraints = [
            models.UniqueConstraint(fields=["petition", "kind", "value", "hour_starting"], name="trend_alert_unique")
        ]

    def __str__(self) -> str:
        return f"{self.count} from {self.kind} {self.value} on petition {self.petition_id}"
