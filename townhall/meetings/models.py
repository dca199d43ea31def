"""Committees, their meetings, and agenda items linking petitions (debates, evidence)."""

from __future__ import annotations

import datetime

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from townhall.signatures.models import SignerFanOut


class CommitteeKind(models.TextChoices):
    FULL_COUNCIL = "full_council", _("Full Council")
    SCRUTINY = "scrutiny", _("Overview and Scrutiny")
    QUESTION_TIME = "question_time", _("Mayor's Question Time")
    OTHER = "other", _("Other committee")


class Committee(models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=CommitteeKind.choices)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MeetingState(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class Meeting(models.Model):
    committee = models.ForeignKey(Committee, on_delete=models.PROTECT, related_name="meetings")
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    location = models.CharField(_("location"), max_length=200, blank=True)
    state = models.CharField(max_length=10, choices=MeetingState.choices, default=MeetingState.SCHEDULED)
    # The clerk's record after the meeting.
    summary = models.TextField(_("summary"), blank=True)
    minutes_url = models.URLField(_("minutes"), blank=True)
    video_url = models.URLField(_("video"), blank=True)
    outcome_published_at = models.DateTimeField(null=True, blank=True)
    # Set when a clerk cancels the meeting; the reason is shown on its page.
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancellation_reason = models.TextField(_("reason for cancelling"), blank=True)

    class Meta:
        ordering = ["starts_at", "id"]

    def __str__(self) -> str:
        return f"{self.committee.name}, {timezone.localtime(self.starts_at):%-d %B %Y}"

    def has_started_at(self, now: datetime.datetime) -> bool:
        """The one rule for "the meeting has started": its start time has come, or it has
        been held. From then on written answers are closed, supplementaries and verdicts
        open, and an unanswered question shows "No answer given". As a query condition:
        `started_condition`."""
        return self.state == MeetingState.HELD or self.starts_at <= now

    @property
    def has_started(self) -> bool:
        return self.has_started_at(timezone.now())


def started_condition(now: datetime.datetime, *, prefix: str = "") -> models.Q:
    """`Meeting.has_started_at` as a query condition; `prefix` reaches the meeting through a
    relation, e.g. "meeting__"."""
    return models.Q(**{f"{prefix}state": MeetingState.HELD}) | models.Q(**{f"{prefix}starts_at__lte": now})


class AgendaItemKind(models.TextChoices):
    DEBATE = "debate", _("Petition debate")
    OFFICER_EVIDENCE = "officer_evidence", _("Officer evidence session")
    QUESTIONS = "questions", _("Public questions")
    OTHER = "other", _("Other business")


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    position = models.PositiveSmallIntegerField(default=1)
    kind = models.CharField(max_length=20, choices=AgendaItemKind.choices)
    title = models.CharField(_("title"), max_length=300)
    petition = models.ForeignKey(
        "petitions.Petition", null=True, blank=True, on_delete=models.PROTECT, related_name="agenda_items"
    )
    # The officer giving evidence (officer evidence sessions).
    official = models.ForeignKey(
        "officials.Official", null=True, blank=True, on_delete=models.PROTECT, related_name="agenda_items"
    )
    scheduled_at = models.DateTimeField()
    # When the clerk put the item on the agenda (the petition timeline's "scheduled" step).
    created_at = models.DateTimeField(null=True, blank=True)
    # Recorded by the clerk after the meeting.
    outcome = models.TextField(_("outcome"), blank=True)
    decision = models.TextField(_("decision"), blank=True)
    outcome_recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["meeting", "position", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def public_title(self) -> str:
        """The title public pages show. An item about a petition that is now hidden is named
        by its kind alone, since a title such as "Debate: <action>" repeats the petition's
        words."""
        petition = self.petition
        if petition is not None and petition.is_hidden:
            return f"{self.get_kind_display()}: {petition.public_title}"
        return self.title


class NoticeEvent(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    CANCELLED = "cancelled", _("Cancelled")
    OUTCOME = "outcome", _("Outcome published")


class AgendaNotice(SignerFanOut):
    """Letters owed to a petition's signers about one agenda item, for one event (it was
    scheduled, its meeting was cancelled, its outcome was published): the row holds the
    cursor of that fan-out, so each signer hears of each event once."""

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="notices")
    event = models.CharField(max_length=10, choices=NoticeEvent.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "event"], name="agenda_notice_unique")]

    def __str__(self) -> str:
        return f"{self.event} notice for agenda item {self.item_id}"
