"""Scheme presets shipped in code. An administrator starts from one and edits freely."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from townhall.schemes.models import PeriodKind, ThresholdKind


@dataclass(frozen=True)
class ThresholdPreset:
    name: str
    kind: ThresholdKind
    # The count may depend on the body's population (e.g. 1% for a debate).
    count: Callable[[int], int]
    description: str


@dataclass(frozen=True)
class SchemePreset:
    key: str
    title: str
    duration_months: int
    sponsor_count: int
    eligibility_declaration: str
    excluded_topics: str
    goal_ladder: tuple[int, ...]
    response_period_days: int
    response_period_kind: PeriodKind
    thresholds: tuple[ThresholdPreset, ...]


UK_PARLIAMENT = SchemePreset(
    key="uk-parliament",
    title="UK Parliament",
    duration_months=6,
    sponsor_count=5,
    eligibility_declaration="I am a British citizen or UK resident",
    excluded_topics=(
        "Matters the Government and Parliament are not directly responsible for; "
        "cases before the courts; honours and appointments; personal cases."
    ),
    goal_ladder=(100, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000),
    response_period_days=30,
    response_period_kind=PeriodKind.CALENDAR,
    thresholds=(
        ThresholdPreset(
            "Government response",
            ThresholdKind.RESPONSE,
            lambda population: 10_000,
            "The Government responds in writing.",
        ),
        ThresholdPreset(
            "Debate in Parliament",
            ThresholdKind.DEBATE,
            lambda population: 100_000,
            "The Petitions Committee considers it for a debate.",
        ),
    ),
)

ENGLISH_COUNCIL = SchemePreset(
    key="english-council",
    title="English council",
    duration_months=6,
    sponsor_count=5,
    eligibility_declaration="I live, work or study in the borough",
    excluded_topics=(
        "Planning and licensing applications under appeal; matters with their own right of appeal; "
        "individual staff matters; anything before the courts; matters the council is not "
        "responsible for; statements that may be defamatory, offensive or reveal personal data."
    ),
    goal_ladder=(50, 100, 250, 500, 1_000, 1_500, 2_500, 5_000, 10_000, 25_000),
    response_period_days=20,
    response_period_kind=PeriodKind.WORKING,
    thresholds=(
        ThresholdPreset(
            "Written response",
            ThresholdKind.RESPONSE,
            lambda population: 1_000,
            "The relevant cabinet member or officer responds in writing.",
        ),
        ThresholdPreset(
            "Officer evidence at scrutiny",
            ThresholdKind.OFFICER_EVIDENCE,
            lambda population: 1_500,
            "A senior officer named in the petition gives evidence at Overview and Scrutiny.",
        ),
        ThresholdPreset(
            "Full Council debate",
            ThresholdKind.DEBATE,
            lambda population: max(1, math.ceil(population / 100)),
            "The petition is debated at a meeting of Full Council (1% of the population).",
        ),
    ),
)

PRESETS: dict[str, SchemePreset] = {preset.key: preset for preset in (UK_PARLIAMENT, ENGLISH_COUNCIL)}
