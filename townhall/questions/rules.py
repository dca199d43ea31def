"""The scheme's rules for public questions, as pure functions (forms, services, pages, tests)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone


def question_closes_at(*, starts_at: datetime.datetime, deadline_days: int) -> datetime.datetime:
    """The last moment a question may be submitted: `deadline_days` before the meeting.

    Counted on the body's wall clock (settings.TIME_ZONE), so a 7pm meeting closes for
    questions at 7pm a week earlier even when the clocks change in between.
    """
    local = timezone.localtime(starts_at)
    naive = local.replace(tzinfo=None) - datetime.timedelta(days=deadline_days)
    return timezone.make_aware(naive, timezone.get_current_timezone()).astimezone(datetime.UTC)


def count_words(text: str) -> int:
    """Words as a reader counts them: runs of characters between spaces or line breaks."""
    return len(text.split())


@dataclass(frozen=True)
class QuestionRules:
    """What the scheme allows for one meeting, for the ask page and the service alike."""

    closes_at: datetime.datetime
    deadline_days: int
    word_limit: int
    per_person: int

    def is_open(self, now: datetime.datetime) -> bool:
        return now < self.closes_at
