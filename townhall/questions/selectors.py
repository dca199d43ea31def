"""Reads of public questions: per meeting, per official, the verdict distribution, and queues.

Every accepted question is in exactly one *status*, defined once here (`_status`) and
used both for the lists and for the distribution, so the two always agree:

- ``meeting_cancelled``: its meeting was cancelled (lists only; never counted);
- ``no_answer_given``: its meeting has started with no written answer published: a fact
  about the official, whatever the asker later says;
- ``answered`` / ``partly`` / ``not_answered``: the asker's verdict on the answer given;
- ``awaiting``: waiting for the written answer (before the meeting) or for the verdict.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Case, CharField, Count, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from townhall.core.errors import NotFound
from townhall.meetings.models import AgendaItem, AgendaItemKind, Meeting, MeetingState, started_condition
from townhall.officials.models import Person
from townhall.questions.models import Question, QuestionState, Verdict


class Status:
    ANSWERED = "answered"
    PARTLY = "partly"
    NOT_ANSWERED = "not_answered"
    NO_ANSWER_GIVEN = "no_answer_given"
    AWAITING = "awaiting"
    MEETING_CANCELLED = "meeting_cancelled"

    LABELS = {
        ANSWERED: _("Answered"),
        PARTLY: _("Partly answered"),
        NOT_ANSWERED: _("Not answered"),
        NO_ANSWER_GIVEN: _("No answer given"),
        AWAITING: _("Awaiting answer or verdict"),
        MEETING_CANCELLED: _("Meeting cancelled"),
    }


def _status(now: datetime.datetime) -> Case:
    return Case(
        When(meeting__state=MeetingState.CANCELLED, then=Value(Status.MEETING_CANCELLED)),
        When(
            started_condition(now, prefix="meeting__") & Q(answered_at__isnull=True), then=Value(Status.NO_ANSWER_GIVEN)
        ),
        When(verdict=Verdict.ANSWERED, then=Value(Status.ANSWERED)),
        When(verdict=Verdict.PARTLY, then=Value(Status.PARTLY)),
        When(verdict=Verdict.NOT_ANSWERED, then=Value(Status.NOT_ANSWERED)),
        default=Value(Status.AWAITING),
        output_field=CharField(),
    )


def _public(now: datetime.datetime) -> QuerySet[Question]:
    return (
        Question.objects.filter(state=QuestionState.ACCEPTED)
        .select_related("meeting__committee", "official__person")
        .annotate(status=_status(now))
    )


@dataclass(frozen=True)
class QuestionRow:
    """An accepted question as the public sees it (never the asker's name or address)."""

    question: Question
    status: str
    # The meeting has started (or was held): the answer, or its absence, is final.
    has_started: bool

    @property
    def status_label(self) -> str:
        return str(Status.LABELS[self.status])

    @property
    def shows_no_answer(self) -> bool:
        return self.status == Status.NO_ANSWER_GIVEN


def _rows(questions: list[Question], *, now: datetime.datetime) -> list[QuestionRow]:
    return [
        QuestionRow(
            question=q,
            status=q.status,  # type: ignore[attr-defined]
            has_started=q.meeting.has_started_at(now),
        )
        for q in questions
    ]


@dataclass(frozen=True)
class VerdictDistribution(Mapping[str, int]):
    """How an official's (or a meeting's) accepted questions fared; each counted once.

    Read as attributes (`d.partly`) or as a mapping (`d["partly"]`, `dict(d)`), keys in
    display order: answered, partly, not_answered, no_answer_given, awaiting.
    """

    answered: int = 0
    partly: int = 0
    not_answered: int = 0
    no_answer_given: int = 0
    awaiting: int = 0

    @property
    def total(self) -> int:
        return self.answered + self.partly + self.not_answered + self.no_answer_given + self.awaiting

    def as_dict(self) -> dict[str, int]:
        return {
            Status.ANSWERED: self.answered,
            Status.PARTLY: self.partly,
            Status.NOT_ANSWERED: self.not_answered,
            Status.NO_ANSWER_GIVEN: self.no_answer_given,
            Status.AWAITING: self.awaiting,
        }

    def __getitem__(self, key: str) -> int:
        return self.as_dict()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.as_dict())

    def __len__(self) -> int:
        return len(self.as_dict())

    @property
    def rows(self) -> list[tuple[str, str, int]]:
        """(status, label, count) in display order, for templates."""
        return [(key, str(Status.LABELS[key]), count) for key, count in self.as_dict().items()]

    @classmethod
    def from_counts(cls, counts: dict[str, int]) -> VerdictDistribution:
        return cls(
            answered=counts.get(Status.ANSWERED, 0),
            partly=counts.get(Status.PARTLY, 0),
            not_answered=counts.get(Status.NOT_ANSWERED, 0),
            no_answer_given=counts.get(Status.NO_ANSWER_GIVEN, 0),
            awaiting=counts.get(Status.AWAITING, 0),
        )


def question_verdict_distribution(
    *, person_id: int | None = None, meeting_id: int | None = None
) -> VerdictDistribution:
    """Counts of accepted questions by status, for a person (all their roles), a meeting,
    or both; one query. Questions for cancelled meetings were never put, so never count.
    """
    questions = Question.objects.filter(state=QuestionState.ACCEPTED).exclude(meeting__state=MeetingState.CANCELLED)
    if person_id is not None:
        questions = questions.filter(official__person_id=person_id)
    if meeting_id is not None:
        questions = questions.filter(meeting_id=meeting_id)
    counts = dict(
        questions.annotate(status=_status(timezone.now()))
        .order_by()
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return VerdictDistribution.from_counts(counts)


def distribution_of(rows: list[QuestionRow]) -> VerdictDistribution:
    """The distribution of rows already loaded (same statuses; saves a query on a page)."""
    return VerdictDistribution.from_counts(dict(Counter(row.status for row in rows)))


def question_list_for_meeting(*, meeting_id: int) -> list[QuestionRow]:
    """A meeting's accepted questions in the order they were asked (one query)."""
    now = timezone.now()
    return _rows(list(_public(now).filter(meeting_id=meeting_id).order_by("created_at", "id")), now=now)


def question_page_for_person(*, person_id: int, page: int, page_size: int) -> tuple[Page[Question], list[QuestionRow]]:
    """One page of the accepted questions put to a person in any role, latest meeting first."""
    now = timezone.now()
    questions = _public(now).filter(official__person_id=person_id).order_by("-meeting__starts_at", "created_at", "id")
    found = Paginator(questions, page_size).get_page(page)
    return found, _rows(list(found.object_list), now=now)


def question_page_all(*, page: int, page_size: int) -> tuple[Page[Question], list[QuestionRow]]:
    """One page of every accepted question, latest meeting first."""
    now = timezone.now()
    questions = _public(now).order_by("-meeting__starts_at", "created_at", "id")
    found = Paginator(questions, page_size).get_page(page)
    return found, _rows(list(found.object_list), now=now)


def person_get_by_slug(*, slug: str) -> Person | None:
    return Person.objects.filter(slug=slug).first()


def people_with_questions() -> list[Person]:
    """People who have been asked at least one published question (the list's filter)."""
    return list(Person.objects.filter(tenures__questions__state=QuestionState.ACCEPTED).distinct().order_by("name"))


def meeting_list_open_for_questions(*, now: datetime.datetime) -> list[Meeting]:
    """Scheduled meetings with a public questions item, still in the future, soonest first.

    Whether each is still before its submission deadline is for the caller to show.
    """
    has_questions = AgendaItem.objects.filter(kind=AgendaItemKind.QUESTIONS).values("meeting_id")
    return list(
        Meeting.objects.select_related("committee")
        .filter(state=MeetingState.SCHEDULED, starts_at__gt=now, pk__in=has_questions)
        .order_by("starts_at", "id")
    )


def question_official_for_meeting(*, meeting_id: int) -> int | None:
    """The official named on the meeting's public questions item, to preselect on the form."""
    return (
        AgendaItem.objects.filter(meeting_id=meeting_id, kind=AgendaItemKind.QUESTIONS, official__isnull=False)
        .order_by("position")
        .values_list("official_id", flat=True)
        .first()
    )


def question_list_awaiting_moderation() -> list[Question]:
    return list(
        Question.objects.filter(state=QuestionState.AWAITING_MODERATION)
        .select_related("meeting__committee", "official__person")
        .order_by("confirmed_at", "id")
    )


def question_list_awaiting_answer(*, now: datetime.datetime) -> list[Question]:
    """Accepted questions still without a written answer whose meeting has not started."""
    return list(
        Question.objects.filter(
            state=QuestionState.ACCEPTED,
            answered_at__isnull=True,
            meeting__state=MeetingState.SCHEDULED,
            meeting__starts_at__gt=now,
        )
        .select_related("meeting__committee", "official__person")
        .order_by("meeting__starts_at", "created_at", "id")
    )


def question_get(*, question_id: int) -> Question:
    question = Question.objects.select_related("meeting__committee", "official__person").filter(pk=question_id).first()
    if question is None:
        raise NotFound("There is no question with that number.")
    return question


def question_meeting_id(*, question_id: int) -> int | None:
    """The meeting a question (in any state) was asked for, to read it through that
    meeting's public list, where its status is decided."""
    return Question.objects.filter(pk=question_id).values_list("meeting_id", flat=True).first()


def question_list_recently_answered(*, limit: int) -> list[Question]:
    """Accepted questions with a written answer, newest answer first (never the asker)."""
    return list(
        Question.objects.select_related("meeting__committee", "official__person")
        .filter(state=QuestionState.ACCEPTED, answered_at__isnull=False)
        .order_by("-answered_at", "-id")[:limit]
    )
