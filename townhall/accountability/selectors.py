"""Officials' public pages and records, read across responses, questions and decisions.

Accountability sits above the responses, meetings and questions apps, so it reads their
tables directly here; nothing below it needs to know an official's record exists.
"""

from __future__ import annotations

import datetime
import statistics
from dataclasses import dataclass
from fractions import Fraction

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from townhall.accountability.models import Decision
from townhall.core.errors import NotFound
from townhall.officials.models import Official, Person
from townhall.petitions.models import PUBLISHED_STATES, Petition
from townhall.questions.models import Question, QuestionState
from townhall.questions.selectors import question_verdict_distribution
from townhall.responses.models import Response


def person_get_public(*, slug: str) -> Person:
    """A person who holds or held a role in the body; their tenures come prefetched."""
    person = (
        Person.objects.prefetch_related(Prefetch("tenures", queryset=Official.objects.order_by("-tenure_started_on")))
        .filter(slug=slug)
        .first()
    )
    if person is None:
        raise NotFound("There is no official with that name on this site.")
    return person


@dataclass(frozen=True)
class PersonRoles:
    person: Person
    # Roles held on the day asked about (empty for former officials), then the rest.
    current: list[Official]
    past: list[Official]


@dataclass(frozen=True)
class OfficialDirectory:
    current: list[PersonRoles]
    former: list[PersonRoles]


def person_list_directory(*, today: datetime.date | None = None) -> OfficialDirectory:
    """Everyone with a tenure, split into people in a role today and people who have left.

    "Today" is the body's local date (settings.TIME_ZONE), the calendar tenures are
    recorded in. A person who left one role but holds another is current. Two queries.
    """
    today = today or timezone.localdate()
    people = Person.objects.prefetch_related(
        Prefetch("tenures", queryset=Official.objects.order_by("-tenure_started_on", "role"))
    ).order_by("name")
    current: list[PersonRoles] = []
    former: list[PersonRoles] = []
    for person in people:
        tenures = list(person.tenures.all())
        if not tenures:
            continue
        now_held = [t for t in tenures if t.is_current_on(today)]
        entry = PersonRoles(person=person, current=now_held, past=[t for t in tenures if t not in now_held])
        (current if now_held else former).append(entry)
    return OfficialDirectory(current=current, former=former)


@dataclass(frozen=True)
class OfficialRecord:
    """The figures shown on an official's page. See `official_record` for each rule."""

    responses_published: int
    median_days_to_respond: float | None
    overdue_now: int
    verdicts_answered: int
    verdicts_partly: int
    verdicts_not_answered: int
    no_answer_given: int

    @property
    def verdicts_recorded(self) -> int:
        return self.verdicts_answered + self.verdicts_partly + self.verdicts_not_answered

    @property
    def share_answered(self) -> Fraction | None:
        """Questions the askers judged answered, as an exact fraction of recorded verdicts."""
        if not self.verdicts_recorded:
            return None
        return Fraction(self.verdicts_answered, self.verdicts_recorded)

    @property
    def percent_answered(self) -> int | None:
        """`share_answered` as a whole percentage, rounded half up, for display."""
        share = self.share_answered
        if share is None:
            return None
        return int(share * 100 + Fraction(1, 2))


def days_to_respond(*, threshold_reached_at: datetime.datetime, published_at: datetime.datetime) -> int:
    """Whole calendar days on the body's calendar from the threshold crossing to publication.

    Counted between local dates (settings.TIME_ZONE), the same calendar the response's
    `due_on` is set on, so "responded in 30 days" and "due within 30 days" mean the same
    thing: a response published on the day the threshold was crossed took 0 days, one
    published at 00:10 the next day took 1. Fractions of a day would make the figure
    depend on the hour the counter happened to run.
    """
    return (timezone.localdate(published_at) - timezone.localdate(threshold_reached_at)).days


def official_record(
    *, person: Person, today: datetime.date | None = None, now: datetime.datetime | None = None
) -> OfficialRecord:
    """A person's record across every role they held (three queries).

    - median days to respond: the median, over the person's published responses
      (Response.official.person is this person), of `days_to_respond`; the mean of the
      two middle values when there is an even number (so it may end in .5); None if the
      person has published no response.
    - overdue now: their unpublished responses whose `due_on` is before today, on the
      body's local calendar (a response due today is not yet overdue).
    - questions: counted as the public lists count them (question_verdict_distribution):
      an accepted question whose meeting started without a written answer is "no answer
      given"; otherwise it counts under the asker's verdict once recorded. The share
      judged answered is "answered" over all recorded verdicts.
    """
    today = today or timezone.localdate()
    now = now or timezone.now()
    responses = Response.objects.filter(official__person=person)
    published = list(responses.filter(published_at__isnull=False).values_list("threshold_reached_at", "published_at"))
    days = [days_to_respond(threshold_reached_at=reached, published_at=at) for reached, at in published if at]
    median = float(statistics.median(days)) if days else None
    overdue = responses.filter(published_at__isnull=True, due_on__lt=today).count()
    # The same buckets as the public question lists (questions.selectors), so the figures
    # on an official's page always agree with the lists beside them.
    distribution = question_verdict_distribution(person_id=person.pk)
    return OfficialRecord(
        responses_published=len(days),
        median_days_to_respond=median,
        overdue_now=overdue,
        verdicts_answered=distribution.answered,
        verdicts_partly=distribution.partly,
        verdicts_not_answered=distribution.not_answered,
        no_answer_given=distribution.no_answer_given,
    )


def petition_list_addressed_to(*, person: Person) -> QuerySet[Petition]:
    """Published petitions addressed to any of the person's tenures, newest first."""
    return (
        Petition.objects.published()
        .filter(official__person=person)
        .select_related("official")
        .order_by("-created_at", "-id")
    )


@dataclass(frozen=True)
class ResponseGiven:
    response: Response
    days: int


def response_list_published_by(*, person: Person) -> list[ResponseGiven]:
    """The person's published responses, newest first, with the days each took."""
    responses = (
        Response.objects.filter(
            official__person=person, published_at__isnull=False, petition__state__in=PUBLISHED_STATES
        )
        .select_related("petition", "official")
        .order_by("-published_at", "-id")
    )
    return [
        ResponseGiven(
            response=response,
            days=days_to_respond(
                threshold_reached_at=response.threshold_reached_at, published_at=response.published_at
            ),
        )
        for response in responses
        if response.published_at is not None
    ]


def question_list_answered_by(*, person: Person) -> QuerySet[Question]:
    """Accepted questions to the person with a written answer, newest answer first."""
    return (
        Question.objects.filter(official__person=person, state=QuestionState.ACCEPTED, answered_at__isnull=False)
        .select_related("meeting__committee", "official")
        .order_by("-answered_at", "-id")
    )


def decision_list_for_person(*, person: Person) -> QuerySet[Decision]:
    """Decisions linked to any of the person's tenures, oldest first (a timeline)."""
    return (
        Decision.objects.filter(officials__person=person)
        .distinct()
        .select_related("meeting__committee")
        .prefetch_related(Prefetch("petitions", queryset=Petition.objects.published()))
        .order_by("decided_on", "id")
    )


def decision_list_for_petition(*, petition_id: int) -> QuerySet[Decision]:
    """Decisions linked to a petition, oldest first, for the petition's timeline."""
    return (
        Decision.objects.filter(petitions=petition_id)
        .prefetch_related(Prefetch("officials", queryset=Official.objects.select_related("person")))
        .order_by("decided_on", "id")
    )
