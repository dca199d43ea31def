"""Governance decisions as dated events, linked to officials, meetings and petitions."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DecisionKind(models.TextChoices):
    RECOMMENDATION = "recommendation", _("Recommendation")
    CONFIRMATION = "confirmation", _("Confirmation")
    APPOINTMENT = "appointment", _("Appointment")
    DEPARTURE = "departure", _("Departure")
    POLICY = "policy", _("Policy decision")
    OTHER = "other", _("Other")


class Decision(models.Model):
    """For example: an appointments panel recommends a Chief Executive; Full Council
    confirms it; months later the Chief Executive leaves."""

    decided_on = models.DateField(_("date"), db_index=True)
    kind = models.CharField(_("kind"), max_length=20, choices=DecisionKind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    decided_by = models.CharField(_("decided by"), max_length=200, blank=True, help_text=_("e.g. Appointments Panel"))
    source_url = models.URLField(_("source"), blank=True)
    officials = models.ManyToManyField("officials.Official", blank=True, related_name="decisions")
    meeting = models.ForeignKey(
        "meetings.Meeting", null=True, blank=True, on_delete=models.SET_NULL, related_name="decisions"
    )
    petitions = models.ManyToManyField("petitions.Petition", blank=True, related_name="decisions")

    class Meta:
        ordering = ["decided_on", "id"]

    def __str__(self) -> str:
        return f"{self.decided_on}: {self.title}"
