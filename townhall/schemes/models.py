"""The body running the site and its published petition scheme."""

from __future__ import annotations

import itertools

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class Body(models.Model):
    """The council, parliament or organisation running this deployment (exactly one)."""

    name = models.CharField(_("name"), max_length=200, help_text=_("e.g. Kingsmere Borough Council"))
    area_name = models.CharField(_("area name"), max_length=200, help_text=_("e.g. the Borough of Kingsmere"))
    population = models.PositiveIntegerField(_("population"))

    class Meta:
        verbose_name = _("body")
        verbose_name_plural = _("body")
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="body_is_singleton")]

    def __str__(self) -> str:
        return self.name


class ThresholdKind(models.TextChoices):
    RESPONSE = "response", _("Written response")
    DEBATE = "debate", _("Debate")
    OFFICER_EVIDENCE = "officer_evidence", _("Officer evidence at scrutiny")
    OTHER = "other", _("Other")


def validate_goal_ladder(value: object) -> None:
    if not isinstance(value, list) or not value:
        raise ValidationError(_("Give the goal ladder as a list of whole numbers, e.g. [100, 500, 1000]."))
    if not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value):
        raise ValidationError(_("Every goal must be a whole number above zero."))
    if any(b <= a for a, b in itertools.pairwise(value)):
        raise ValidationError(_("Goals must go up: each one larger than the one before."))


class PeriodKind(models.TextChoices):
    CALENDAR = "calendar", _("Calendar days")
    WORKING = "working", _("Working days")


OFFICER_EVIDENCE_GUIDANCE = (
    "A petition may ask a senior officer to give evidence at a meeting of Overview and Scrutiny "
    "about how they carry out their role. It must concern the role and decisions taken in it, "
    "not the person's character or private life. Allegations of misconduct, fraud or crime are "
    "not petitions: use the council's complaints procedure or report them to the police."
)


class Scheme(models.Model):
    """The body's rules for petitions, as published on the help page."""

    body = models.OneToOneField(Body, on_delete=models.CASCADE, related_name="scheme")
    preset = models.CharField(_("based on preset"), max_length=60, blank=True)
    duration_months = models.PositiveSmallIntegerField(
        _("petition duration (months)"), help_text=_("How long a petition stays open for signatures.")
    )
    sponsor_count = models.PositiveSmallIntegerField(
        _("sponsors needed"), help_text=_("Supporters the creator must gather before moderation.")
    )
    eligibility_declaration = models.CharField(
        _("eligibility declaration"),
        max_length=200,
        help_text=_("What each signer declares, e.g. 'I live, work or study in the borough'."),
    )
    excluded_topics = models.TextField(_("excluded topics"), blank=True)
    goal_ladder = models.JSONField(
        _("goal ladder"),
        validators=[validate_goal_ladder],
        help_text=_("Round numbers shown to signers as the next goal, e.g. [100, 250, 500, 1000]."),
    )
    response_period_days = models.PositiveSmallIntegerField(
        _("response period (days)"), default=30, help_text=_("Time the body allows itself to respond.")
    )
    response_period_kind = models.CharField(
        _("response period counts"),
        max_length=10,
        choices=PeriodKind.choices,
        default=PeriodKind.CALENDAR,
        help_text=_("Calendar days, or working days (skipping weekends and bank holidays)."),
    )
    officer_evidence_guidance = models.TextField(
        _("officer evidence guidance"),
        blank=True,
        default=OFFICER_EVIDENCE_GUIDANCE,
        help_text=_("Shown to creators and moderators for petitions about a senior officer."),
    )
    question_deadline_days = models.PositiveSmallIntegerField(
        _("question deadline (days before the meeting)"),
        default=7,
        help_text=_("Public questions must be submitted at least this many days before the meeting."),
    )
    question_word_limit = models.PositiveSmallIntegerField(_("question word limit"), default=100)
    proof_of_work_required = models.BooleanField(
        _("proof of work on every petition"),
        default=False,
        help_text=_("Under attack: every signer's browser must solve a small puzzle (ALTCHA) before signing."),
    )
    questions_per_person = models.PositiveSmallIntegerField(_("questions per person per meeting"), default=1)
    # Proof of locality: signatures from postcodes in this area are counted as local.
    eligible_area = models.ForeignKey(
        "areas.Area",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("eligible area"),
        help_text=_("The body's area: signatures from postcodes inside it are shown as local."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("petition scheme")

    def __str__(self) -> str:
        return str(_("Petition scheme of %(body)s") % {"body": self.body.name})

    def clean(self) -> None:
        if self.duration_months is not None and not 1 <= self.duration_months <= 24:
            raise ValidationError({"duration_months": _("A petition runs for between 1 and 24 months.")})
        if self.sponsor_count is not None and self.sponsor_count > 50:
            raise ValidationError({"sponsor_count": _("Ask for at most 50 sponsors.")})


class Threshold(models.Model):
    """A signature count that unlocks a formal route (response, debate, officer evidence)."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="thresholds")
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=ThresholdKind.choices)
    count = models.PositiveIntegerField(_("signatures needed"))
    description = models.TextField(_("what happens"), blank=True)
    counts_in_area_only = models.BooleanField(
        _("count only in-area signatures"),
        default=False,
        help_text=_("Reached only when this many signatures come from postcodes in the scheme's eligible area."),
    )

    class Meta:
        ordering = ["count", "id"]
        verbose_name = _("threshold")
        constraints = [
            models.UniqueConstraint(fields=["scheme", "name"], name="threshold_name_unique"),
            models.CheckConstraint(condition=models.Q(count__gte=1), name="threshold_count_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.count:,})"

    def measured_count(self, *, total: int, in_area: int) -> int:
        """The count this threshold is measured against: all counted signatures, or only
        those from postcodes in the scheme's eligible area. The one home of that rule: the
        counter's crossings, their withdrawal, progress bars and agenda checks all ask here."""
        return in_area if self.counts_in_area_only else total

    def is_reached(self, *, total: int, in_area: int) -> bool:
        return self.measured_count(total=total, in_area=in_area) >= self.count

    def clean(self) -> None:
        # The database constraint guards the same rule; this gives people a message to read.
        if self.count is not None and self.count < 1:
            raise ValidationError({"count": _("A threshold needs at least 1 signature.")})


class BankHoliday(models.Model):
    """A day that is not a working day, for response deadlines counted in working days."""

    date = models.DateField(_("date"), unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["date"]
        verbose_name = _("bank holiday")

    def __str__(self) -> str:
        return f"{self.name} ({self.date:%-d %B %Y})"
