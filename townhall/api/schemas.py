"""The shapes of the native API v1 (typed; they are the OpenAPI spec).

No schema here has a field for a signer's, asker's or creator's email, postcode or IP,
and none for an asker's name: personal data never enters public JSON. The one
name published is a petition creator's, exactly where the petition page shows it.
"""

from __future__ import annotations

import datetime

from ninja import Schema
from pydantic import Field


class PageInfo(Schema):
    """Where a list page sits: 1-based `page`, and the total across all pages."""

    page: int
    page_size: int
    pages: int
    total: int
    has_next: bool
    has_previous: bool


# --- scheme ---------------------------------------------------------------------------


class ThresholdOut(Schema):
    id: int
    name: str
    kind: str = Field(description="response, debate, officer_evidence or other")
    count: int = Field(description="Signatures needed to unlock the route")
    description: str


class BodyOut(Schema):
    name: str
    area_name: str
    population: int


class SchemeOut(Schema):
    body: BodyOut
    duration_months: int
    sponsor_count: int
    eligibility_declaration: str
    excluded_topics: str
    goal_ladder: list[int]
    response_period_days: int
    response_period_kind: str = Field(description="calendar or working")
    question_deadline_days: int
    question_word_limit: int
    questions_per_person: int
    thresholds: list[ThresholdOut]
    updated_at: datetime.datetime


# --- officials ------------------------------------------------------------------------


class OfficialRefOut(Schema):
    """One tenure of a person in a role (what a petition or question is addressed to)."""

    id: int
    person_slug: str
    name: str
    role: str


class TenureOut(Schema):
    id: int
    role: str
    kind: str = Field(description="elected or officer")
    started_on: datetime.date
    ended_on: datetime.date | None
    is_current: bool


class PersonSummaryOut(Schema):
    slug: str
    name: str
    is_current: bool
    tenures: list[TenureOut]
    url: str


class VerdictDistributionOut(Schema):
    """Accepted questions by status, each counted once (see docs/domain.md)."""

    answered: int
    partly: int
    not_answered: int
    no_answer_given: int
    awaiting: int
    total: int


class OfficialRecordOut(Schema):
    responses_published: int
    median_days_to_respond: float | None
    overdue_now: int
    verdicts_answered: int
    verdicts_partly: int
    verdicts_not_answered: int
    no_answer_given: int
    percent_answered: int | None = Field(description="Answered over recorded verdicts, rounded half up")


class PersonOut(PersonSummaryOut):
    summary: str
    record: OfficialRecordOut
    verdicts: VerdictDistributionOut


# --- petitions ------------------------------------------------------------------------


class PetitionSummaryOut(Schema):
    id: int
    action: str | None = Field(description="null when a rejection hides the text")
    state: str
    signature_count: int
    signatures_awaiting_checks: int = Field(
        description="Confirmed signatures held by the fraud controls, not (yet) in signature_count"
    )
    decision_maker: str | None = Field(description="Who it is addressed to; null when a rejection hides the text")
    opened_at: datetime.datetime | None
    deadline_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    rejected_at: datetime.datetime | None
    response_published_at: datetime.datetime | None
    debate_outcome_at: datetime.datetime | None
    url: str


class PetitionListOut(Schema):
    meta: PageInfo
    results: list[PetitionSummaryOut]


class RejectionOut(Schema):
    code: str
    reason: str
    details: str | None = Field(description="null when the rejection hides the text")


class ThresholdProgressOut(Schema):
    name: str
    kind: str
    count: int
    description: str
    is_reached: bool
    reached_at: datetime.datetime | None
    percent: int


class ResponseClockOut(Schema):
    """The response owed to a petition: the public deadline clock, or the published text."""

    id: int
    threshold_reached_at: datetime.datetime
    due_on: datetime.date
    days_left: int
    overdue_by: int
    is_overdue: bool
    is_published: bool
    published_at: datetime.datetime | None
    late_by: int
    body: str | None = Field(
        description="The published response; null until published, and when a rejection hides the petition"
    )


class AgendaItemOut(Schema):
    id: int
    meeting_id: int
    position: int
    kind: str = Field(description="debate, officer_evidence, questions or other")
    title: str
    petition_id: int | None
    official: OfficialRefOut | None
    scheduled_at: datetime.datetime
    outcome: str
    decision: str
    outcome_recorded_at: datetime.datetime | None


class TimelineEventOut(Schema):
    at: datetime.datetime
    kind: str
    title: str
    detail: str
    url: str
    is_future: bool


class PetitionOut(PetitionSummaryOut):
    background: str | None
    additional_details: str | None
    creator_name: str | None = Field(description="As on the petition page; null once anonymised or hidden")
    official: OfficialRefOut | None = Field(description="null when a rejection hides the text")
    created_at: datetime.datetime
    goal: int = Field(description="The motivating next round number; never a legal threshold")
    thresholds: list[ThresholdProgressOut]
    rejection: RejectionOut | None
    response: ResponseClockOut | None = Field(description="null when none is owed, or a rejection hides the petition")
    agenda_items: list[AgendaItemOut] = Field(description="empty when a rejection hides the petition")
    timeline: list[TimelineEventOut] = Field(description="empty when a rejection hides the petition")
    # Breakdowns by area: GET /petitions/{id}/breakdowns.


class AreaCountOut(Schema):
    name: str
    code: str = Field(description="e.g. an ONS code")
    kind: str = Field(description="local_authority, ward, constituency, …")
    representative: str = Field(description="e.g. the constituency's MP; empty when not known")
    signature_count: int


class LocalityOut(Schema):
    area_name: str
    area_code: str
    total: int
    in_area: int
    out_of_area: int
    unknown: int = Field(description="Postcodes not recognised")


class BreakdownsOut(Schema):
    petition_id: int
    locality: LocalityOut | None = Field(description="Null when the scheme names no eligible area")
    areas: list[AreaCountOut]


# --- responses ------------------------------------------------------------------------


class ResponseOut(ResponseClockOut):
    petition_id: int
    petition_action: str | None
    official: OfficialRefOut | None
    url: str


class ResponseListOut(Schema):
    meta: PageInfo
    results: list[ResponseOut]


# --- meetings and questions -----------------------------------------------------------


class CommitteeOut(Schema):
    id: int
    slug: str
    name: str
    kind: str = Field(description="full_council, scrutiny, question_time or other")


class MeetingSummaryOut(Schema):
    id: int
    committee: CommitteeOut
    starts_at: datetime.datetime
    location: str
    state: str = Field(description="scheduled, held or cancelled")
    url: str


class MeetingListOut(Schema):
    meta: PageInfo
    results: list[MeetingSummaryOut]


class QuestionOut(Schema):
    """A public question as published: never the asker's name, email or postcode."""

    id: int
    meeting_id: int
    official: OfficialRefOut
    text: str
    status: str = Field(description="answered, partly, not_answered, no_answer_given, awaiting or meeting_cancelled")
    has_meeting_started: bool
    answer: str
    answered_at: datetime.datetime | None
    supplementary_question: str
    supplementary_answer: str
    verdict: str | None = Field(description="The asker's verdict: answered, partly or not_answered")
    verdict_at: datetime.datetime | None
    url: str


class QuestionListOut(Schema):
    meta: PageInfo
    results: list[QuestionOut]


class MeetingOut(MeetingSummaryOut):
    summary: str
    minutes_url: str
    video_url: str
    outcome_published_at: datetime.datetime | None
    cancelled_at: datetime.datetime | None
    cancellation_reason: str
    agenda_items: list[AgendaItemOut]
    questions: list[QuestionOut]
    verdicts: VerdictDistributionOut


class PersonListOut(Schema):
    results: list[PersonSummaryOut]
