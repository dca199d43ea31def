"""People holding roles in the body (Mayor, Chief Executive, cabinet members).

Officials sit below petitions in the app order because a petition is addressed to one;
their public record (responses, answers) is computed by the accountability app above.
"""

from __future__ import annotations

import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _


class Official(models.Model):
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=200, help_text=_("e.g. Mayor, Chief Executive"))
    tenure_started_on = models.DateField(_("in role since"))
    tenure_ended_on = models.DateField(_("left role on"), null=True, blank=True)

    class Meta:
        ordering = ["role", "name"]
        verbose_name = _("official")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(tenure_ended_on__isnull=True)
                | models.Q(tenure_ended_on__gte=models.F("tenure_started_on")),
                name="official_tenure_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.role}"

    def is_current_on(self, day: datetime.date) -> bool:
        return self.tenure_started_on <= day and (self.tenure_ended_on is None or self.tenure_ended_on >= day)
