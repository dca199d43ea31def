"""Setting up the body and editing its scheme."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from townhall.accounts.models import Actor, User
from townhall.accounts.policies import can_administer, require
from townhall.audit.services import audit_record
from townhall.core.errors import DomainError
from townhall.schemes.models import BankHoliday, Body, Scheme, Threshold
from townhall.schemes.presets import PRESETS
from townhall.schemes.selectors import scheme_forget_current


@transaction.atomic
def body_setup(*, name: str, area_name: str, population: int, preset: str, actor: Actor | None = None) -> Scheme:
    """Create (or re-create) the one body and give it a scheme from a preset.

    Replaces any existing scheme's thresholds, so use it for first set-up and demos; later
    edits go through `scheme_update` or the admin.
    """
    if preset not in PRESETS:
        raise DomainError(f"Unknown scheme preset {preset!r}; choose one of: {', '.join(sorted(PRESETS))}.")
    if population < 1:
        raise DomainError("The population must be at least 1.")
    body, _ = Body.objects.update_or_create(
        id=1, defaults={"name": name, "area_name": area_name, "population": population}
    )
    chosen = PRESETS[preset]
    scheme, _ = Scheme.objects.update_or_create(
        body=body,
        defaults={
            "preset": chosen.key,
            "duration_months": chosen.duration_months,
            "sponsor_count": chosen.sponsor_count,
            "eligibility_declaration": chosen.eligibility_declaration,
            "excluded_topics": chosen.excluded_topics,
            "goal_ladder": list(chosen.goal_ladder),
            "response_period_days": chosen.response_period_days,
            "response_period_kind": chosen.response_period_kind,
        },
    )
    scheme.thresholds.all().delete()
    Threshold.objects.bulk_create(
        Threshold(
            scheme=scheme,
            name=item.name,
            kind=item.kind,
            count=item.count(population),
            description=item.description,
        )
        for item in chosen.thresholds
    )
    # bulk_create sends no signals: drop this process's cached scheme now and on commit.
    scheme_forget_current()
    transaction.on_commit(scheme_forget_current)
    audit_record(action="scheme.set_up", target=scheme, actor=actor, data={"preset": preset})
    return scheme


def _require_administrator(actor: Actor | None) -> User:
    return require(can_administer, actor, refusal="Only administrators can change the petition scheme.")


def _clean_and_save(record: Body | Scheme | Threshold | BankHoliday) -> None:
    try:
        record.full_clean()
    except ValidationError as exc:
        raise DomainError("; ".join(exc.messages)) from exc
    record.save()


@transaction.atomic
def body_update(*, body: Body, actor: Actor, changed_fields: list[str]) -> Body:
    """An administrator corrects the body's name, area or population."""
    actor = _require_administrator(actor)
    _clean_and_save(body)
    audit_record(action="body.updated", target=body, actor=actor, data={"fields": sorted(changed_fields)})
    return body


@transaction.atomic
def threshold_save(*, threshold: Threshold, actor: Actor, changed_fields: list[str]) -> Threshold:
    """An administrator adds or edits one of the scheme's thresholds."""
    actor = _require_administrator(actor)
    created = threshold.pk is None
    _clean_and_save(threshold)
    audit_record(
        action="threshold.added" if created else "threshold.updated",
        target=threshold,
        actor=actor,
        data={"name": threshold.name, "count": threshold.count, "fields": sorted(changed_fields)},
    )
    return threshold


@transaction.atomic
def threshold_delete(*, threshold_id: int, actor: Actor) -> None:
    """An administrator removes a threshold no petition has crossed (crossings keep theirs)."""
    actor = _require_administrator(actor)
    threshold = Threshold.objects.select_for_update().filter(pk=threshold_id).first()
    if threshold is None:
        return
    if threshold.crossings.exists():
        raise DomainError(
            "Petitions have crossed this threshold, so it cannot be removed; change its count instead.",
            code="threshold_crossed",
        )
    audit_record(action="threshold.removed", target=threshold, actor=actor, data={"name": threshold.name})
    threshold.delete()


@transaction.atomic
def bank_holiday_save(*, holiday: BankHoliday, actor: Actor) -> BankHoliday:
    """An administrator records a day that is not a working day (response deadlines)."""
    actor = _require_administrator(actor)
    _clean_and_save(holiday)
    audit_record(action="bank_holiday.saved", target=holiday, actor=actor, data={"date": holiday.date.isoformat()})
    return holiday


@transaction.atomic
def bank_holiday_delete(*, holiday_id: int, actor: Actor) -> None:
    actor = _require_administrator(actor)
    holiday = BankHoliday.objects.filter(pk=holiday_id).first()
    if holiday is not None:
        audit_record(
            action="bank_holiday.removed", target=holiday, actor=actor, data={"date": holiday.date.isoformat()}
        )
        holiday.delete()


@transaction.atomic
def scheme_update(*, scheme: Scheme, actor: Actor, changed_fields: list[str]) -> Scheme:
    """Validate and save an edited scheme (the admin calls this), with an audit entry."""
    actor = _require_administrator(actor)
    try:
        scheme.full_clean()
    except ValidationError as exc:
        raise DomainError("; ".join(exc.messages)) from exc
    scheme.save()
    audit_record(action="scheme.updated", target=scheme, actor=actor, data={"fields": sorted(changed_fields)})
    return scheme
