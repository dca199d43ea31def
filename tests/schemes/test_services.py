"""Setting up the body from a preset and editing its scheme."""

from __future__ import annotations

from typing import Any

import pytest

from townhall.accounts.models import User
from townhall.audit.models import AuditEvent
from townhall.core.errors import DomainError, NotFound
from townhall.schemes.models import Body, Scheme, Threshold
from townhall.schemes.selectors import scheme_get_current
from townhall.schemes.services import body_setup, scheme_update

pytestmark = pytest.mark.django_db


def _thresholds(scheme: Scheme) -> dict[str, int]:
    return {t.kind: t.count for t in scheme.thresholds.all()}


def test_uk_parliament_preset() -> None:
    scheme = body_setup(
        name="House of Commons", area_name="the United Kingdom", population=68_000_000, preset="uk-parliament"
    )

    scheme.refresh_from_db()
    assert scheme.preset == "uk-parliament"
    assert scheme.duration_months == 6
    assert scheme.sponsor_count == 5
    assert scheme.response_period_days == 30
    assert scheme.eligibility_declaration == "I am a British citizen or UK resident"
    assert _thresholds(scheme) == {"response": 10_000, "debate": 100_000}
    assert [t.name for t in scheme.thresholds.all()] == ["Government response", "Debate in Parliament"]
    assert scheme.goal_ladder[0] == 100
    assert scheme.goal_ladder[-1] == 1_000_000


def test_english_council_preset_sets_the_debate_at_one_percent_of_the_population() -> None:
    scheme = body_setup(
        name="Kingsmere Borough Council",
        area_name="the Borough of Kingsmere",
        population=300_600,
        preset="english-council",
    )

    scheme.refresh_from_db()
    assert scheme.preset == "english-council"
    assert scheme.duration_months == 6
    assert scheme.sponsor_count == 5
    assert scheme.response_period_days == 20
    assert _thresholds(scheme) == {"response": 1_000, "officer_evidence": 1_500, "debate": 3_006}
    # Thresholds read in the order a petition reaches them.
    assert [t.count for t in scheme.thresholds.all()] == [1_000, 1_500, 3_006]
    body = Body.objects.get()
    assert (body.name, body.area_name, body.population) == (
        "Kingsmere Borough Council",
        "the Borough of Kingsmere",
        300_600,
    )


@pytest.mark.parametrize(("population", "debate"), [(300_601, 3_007), (100, 1), (1, 1), (99, 1), (150, 2)])
def test_the_one_percent_debate_threshold_rounds_up(population: int, debate: int) -> None:
    scheme = body_setup(name="Tiny Parish", area_name="the parish", population=population, preset="english-council")

    assert _thresholds(scheme)["debate"] == debate


def test_setting_up_again_replaces_the_body_and_thresholds_rather_than_adding() -> None:
    body_setup(name="First", area_name="first place", population=300_600, preset="english-council")

    scheme = body_setup(name="Second", area_name="second place", population=1_000_000, preset="uk-parliament")

    assert Body.objects.count() == 1
    assert Scheme.objects.count() == 1
    assert Body.objects.get().name == "Second"
    assert Threshold.objects.count() == 2
    assert _thresholds(scheme) == {"response": 10_000, "debate": 100_000}
    assert scheme_get_current().pk == scheme.pk


def test_setting_up_records_an_audit_event(administrator: User) -> None:
    scheme = body_setup(
        name="Kingsmere", area_name="Kingsmere", population=1_000, preset="english-council", actor=administrator
    )

    event = AuditEvent.objects.get(action="scheme.set_up")
    assert event.actor == administrator
    assert (event.target_type, event.target_id) == ("schemes.scheme", str(scheme.pk))
    assert event.data == {"preset": "english-council"}


def test_an_unknown_preset_is_refused_and_nothing_is_created() -> None:
    with pytest.raises(DomainError) as error:
        body_setup(name="Somewhere", area_name="somewhere", population=1_000, preset="scottish-parliament")

    assert error.value.message == (
        "Unknown scheme preset 'scottish-parliament'; choose one of: english-council, uk-parliament."
    )
    assert not Body.objects.exists()
    assert not Scheme.objects.exists()
    assert not AuditEvent.objects.exists()


def test_an_unknown_preset_leaves_an_existing_scheme_alone(scheme: Scheme) -> None:
    with pytest.raises(DomainError):
        body_setup(name="Renamed", area_name="elsewhere", population=5, preset="nope")

    assert Body.objects.get().name == "Kingsmere Borough Council"
    assert _thresholds(Scheme.objects.get()) == {"response": 1_000, "officer_evidence": 1_500, "debate": 3_006}


def test_a_population_below_one_is_refused() -> None:
    with pytest.raises(DomainError, match=r"The population must be at least 1\."):
        body_setup(name="Empty", area_name="nowhere", population=0, preset="english-council")

    assert not Body.objects.exists()


def test_without_a_scheme_the_site_says_it_is_not_set_up() -> None:
    with pytest.raises(NotFound, match="has not been set up yet"):
        scheme_get_current()


# --- scheme_update ------------------------------------------------------------------------


def test_scheme_update_saves_and_writes_an_audit_event(scheme: Scheme, administrator: User) -> None:
    scheme.duration_months = 12
    scheme.goal_ladder = [10, 20, 50]

    scheme_update(scheme=scheme, actor=administrator, changed_fields=["goal_ladder", "duration_months"])

    saved = Scheme.objects.get()
    assert saved.duration_months == 12
    assert saved.goal_ladder == [10, 20, 50]
    event = AuditEvent.objects.get(action="scheme.updated")
    assert event.actor == administrator
    assert event.target_id == str(scheme.pk)
    assert event.data == {"fields": ["duration_months", "goal_ladder"]}


@pytest.mark.parametrize("months", [1, 24])
def test_scheme_update_accepts_the_duration_limits(scheme: Scheme, administrator: User, months: int) -> None:
    scheme.duration_months = months

    scheme_update(scheme=scheme, actor=administrator, changed_fields=["duration_months"])

    assert Scheme.objects.get().duration_months == months


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("goal_ladder", [100, 50, 200], "Goals must go up: each one larger than the one before."),
        ("goal_ladder", [100, 100], "Goals must go up: each one larger than the one before."),
        ("goal_ladder", [100, "500"], "Every goal must be a whole number above zero."),
        ("goal_ladder", [100, 2.5], "Every goal must be a whole number above zero."),
        ("goal_ladder", [0, 100], "Every goal must be a whole number above zero."),
        ("goal_ladder", [True, 100], "Every goal must be a whole number above zero."),
        ("goal_ladder", [], "This field cannot be blank."),
        ("goal_ladder", {"first": 100}, "Give the goal ladder as a list of whole numbers, e.g. [100, 500, 1000]."),
        ("duration_months", 0, "A petition runs for between 1 and 24 months."),
        ("duration_months", 25, "A petition runs for between 1 and 24 months."),
        ("sponsor_count", 51, "Ask for at most 50 sponsors."),
    ],
)
def test_scheme_update_refuses_invalid_values_and_saves_nothing(
    scheme: Scheme, administrator: User, field: str, value: Any, message: str
) -> None:
    before = Scheme.objects.values().get()
    events_before = AuditEvent.objects.count()
    setattr(scheme, field, value)

    with pytest.raises(DomainError) as error:
        scheme_update(scheme=scheme, actor=administrator, changed_fields=[field])

    assert message in error.value.message
    assert Scheme.objects.values().get() == before
    assert AuditEvent.objects.count() == events_before


def test_scheme_update_reports_every_problem_at_once(scheme: Scheme, administrator: User) -> None:
    scheme.goal_ladder = [5, 1]
    scheme.eligibility_declaration = ""

    with pytest.raises(DomainError) as error:
        scheme_update(scheme=scheme, actor=administrator, changed_fields=["goal_ladder", "eligibility_declaration"])

    assert "Goals must go up" in error.value.message
    assert "This field cannot be blank." in error.value.message
    assert Scheme.objects.get().eligibility_declaration == "I live, work or study in the borough"
