"""Public questions to officials for a meeting, their answers, and the asker's verdict."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class QuestionState(models.TextChoices):
    PENDING = "pending", _("Waiting for the asker to confirm their email")
    AWAITING_MODERATION = "awaiting_moderation", _("Waiting for moderation")
    ACCEPTED = "accepted", _("Accepted for the meeting")
    REJECTED = "rejected", _("Rejected")


class Verdict(models.TextChoices):
    ANSWERED = "answered", _("Answered")
    PARTLY = "partly", _("Partly answered")
    NOT_ANSWERED = "not_answered", _("Not answered")


def finished_condition(moment: datetime.datetime) -> models.Q:
    """Questions finished by `moment`, as a query condition: rejected by then, or asked for a
    meeting that had started or been cancelled by then. Nothing more is done with a finished
    question that needs its asker, except their verdict, which opens when the meeting starts.
    """
    return (
        models.Q(state=QuestionState.REJECTED, moderated_at__lte=moment)
        | models.Q(meeting__starts_at__lte=moment)
        | models.Q(meeting__cancelled_at__lte=moment)
    )


class Question(models.Model):
    meeting = models.ForeignKey("meetings.Meeting", on_delete=models.PROTECT, related_name="questions")
    official = models.ForeignKey("officials.Official", on_delete=models.PROTECT, related_name="questions")
    text = models.TextField(_("question"))
    asker_name = models.CharField(_("name"), max_length=100)
    asker_email = models.EmailField(_("email"))
    asker_email_canonical = models.CharField(max_length=254, db_index=True)
    asker_postcode = models.CharField(_("postcode"), max_length=8)
    token = models.CharField(max_length=64)
    state = models.CharField(max_length=24, choices=QuestionState.choices, default=QuestionState.PENDING)
    created_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    moderated_at = models.DateTimeField(null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rejection_reason = models.TextField(blank=True)
    # The official's written answer, published before the meeting.
    answer = models.TextField(_("written answer"), blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    # Recorded by the clerk at the meeting.
    supplementary_question = models.TextField(_("supplementary question"), blank=True)
    supplementary_answer = models.TextField(_("supplementary answer"), blank=True)
    supplementary_recorded_at = models.DateTimeField(null=True, blank=True)
    # The asker's judgement, recorded once.
    verdict = models.CharField(_("verdict"), max_length=12, choices=Verdict.choices, blank=True)
    verdict_reason = models.TextField(_("reason"), blank=True)
    verdict_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["meeting", "created_at", "id"]

    def __str__(self) -> str:
        return self.text[:60]
