"""People and the roles they hold in the body (Mayor, Chief Executive, cabinet members).

A Person has a role history: one Official row per tenure in a role. A petition is
addressed to an Official (this person in this role), so the record stays right after
they move on. Officials sit below petitions in the app order (decision 0001); their
public record (responses, answers) is computed by the accountability app above.
"""

from __future__ import annotations

import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _


class Person(models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    summary = models.TextField(_("summary"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.name


class RoleKind(models.TextChoices):
    ELECTED = "elected", _("Elected member")
    OFFICER = "officer", _("Officer")


class Official(models.Model):
    """One tenure of a person in a role, with its dates."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="tenures")
    role = models.CharField(_("role"), max_length=200, help_text=_("e.g. Mayor, Chief Executive"))
    kind = models.CharField(_("kind"), max_length=10, choices=RoleKind.choices, default=RoleKind.ELECTED)
    tenure_started_on = models.DateField(_("in role since"))
    tenure_ended_on = models.DateField(_("left role on"), null=True, blank=True)

    class Meta:
        ordering = ["role", "-tenure_started_on"]
        verbose_name = _("official")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(tenure_ended_on__isnull=True)
                | models.Q(tenure_ended_on__gte=models.F("tenure_started_on")),
                name="official_tenure_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def name(self) -> str:
        return self.person.name

    @property
    def label(self) -> str:
        """How an official is named everywhere: "Cllr Helen Marsh, Mayor" (lists, petitions'
        decision maker, agenda titles)."""
        return f"{self.person.name}, {self.role}"

    def is_current_on(self, day: datetime.date) -> bool:
        return self.tenure_started_on <= day and (self.tenure_ended_on is None or self.tenure_ended_on >= day)
