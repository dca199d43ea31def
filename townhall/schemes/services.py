"""Setting up the body and editing its scheme."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from townhall.audit.services import audit_record
from townhall.core.errors import DomainError
from townhall.schemes.models import Body, Scheme, Threshold
from townhall.schemes.presets import PRESETS
from townhall.schemes.selectors import scheme_forget_current


@transaction.atomic
def body_setup(*, name: str, area_name: str, population: int, preset: str, actor: Any = None) -> Scheme:
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


@transaction.atomic
def scheme_update(*, scheme: Scheme, actor: Any, changed_fields: list[str]) -> Scheme:
    """Validate and save an edited scheme (the admin calls this), with an audit entry."""
    try:
        scheme.full_clean()
    except ValidationError as exc:
        raise DomainError("; ".join(exc.messages)) from exc
    scheme.save()
    audit_record(action="scheme.updated", target=scheme, actor=actor, data={"fields": sorted(changed_fields)})
    return scheme
