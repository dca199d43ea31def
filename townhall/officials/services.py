"""Recording people and the roles they hold."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils.text import slugify

from townhall.accounts.models import Actor, User
from townhall.accounts.policies import can_administer, require
from townhall.audit.services import audit_record
from townhall.core.errors import DomainError
from townhall.officials.models import Official, Person, RoleKind


def _check_tenure_dates(*, started_on: datetime.date, ended_on: datetime.date | None) -> None:
    """A tenure cannot end before it starts; one with no end yet is still running."""
    if ended_on is not None and ended_on < started_on:
        raise DomainError("A tenure cannot end before it starts.", code="tenure_dates")


@transaction.atomic
def official_appoint(
    *,
    name: str,
    role: str,
    started_on: datetime.date,
    ended_on: datetime.date | None = None,
    kind: RoleKind = RoleKind.ELECTED,
    actor: Actor | None = None,
) -> Official:
    """Record that a person (found by name, or created) holds a role from a date."""
    name, role = name.strip(), role.strip()
    if not name or not role:
        raise DomainError("Give the person's name and the role they hold.", code="official_incomplete")
    _check_tenure_dates(started_on=started_on, ended_on=ended_on)
    person = Person.objects.filter(name=name).first()
    if person is None:
        base = slugify(name)[:70] or "person"
        slug, n = base, 2
        while Person.objects.filter(slug=slug).exists():
            slug, n = f"{base}-{n}", n + 1
        person = Person.objects.create(name=name, slug=slug)
    official = Official.objects.create(
        person=person, role=role, kind=kind, tenure_started_on=started_on, tenure_ended_on=ended_on
    )
    audit_record(action="official.appointed", target=official, actor=actor, data={"role": role})
    return official


@transaction.atomic
def official_end_tenure(*, official_id: int, ended_on: datetime.date, actor: Actor | None = None) -> Official:
    """Record the day a person left a role."""
    official = Official.objects.select_for_update().get(pk=official_id)
    if official.tenure_ended_on is not None:
        raise DomainError("This tenure has already ended.", code="tenure_ended")
    _check_tenure_dates(started_on=official.tenure_started_on, ended_on=ended_on)
    official.tenure_ended_on = ended_on
    official.save(update_fields=["tenure_ended_on"])
    audit_record(action="official.left", target=official, actor=actor, data={"ended_on": ended_on.isoformat()})
    return official


def _require_administrator(actor: Actor | None) -> User:
    return require(can_administer, actor, refusal="Only administrators can record officials and their roles.")


@transaction.atomic
def person_save(*, person: Person, actor: Actor, changed_fields: list[str]) -> Person:
    """An administrator adds a person or corrects their name, page address or summary."""
    actor = _require_administrator(actor)
    created = person.pk is None
    person.name = person.name.strip()
    if not person.name:
        raise DomainError("Give the person's name.", code="official_incomplete")
    person.save()
    audit_record(
        action="person.added" if created else "person.updated",
        target=person,
        actor=actor,
        data={"fields": sorted(changed_fields)},
    )
    return person


@transaction.atomic
def official_save(*, official: Official, actor: Actor, changed_fields: list[str]) -> Official:
    """An administrator records a tenure, or corrects one (role, kind, dates)."""
    actor = _require_administrator(actor)
    created = official.pk is None
    official.role = official.role.strip()
    if not official.role:
        raise DomainError("Give the role the person holds.", code="official_incomplete")
    _check_tenure_dates(started_on=official.tenure_started_on, ended_on=official.tenure_ended_on)
    official.save()
    audit_record(
        action="official.appointed" if created else "official.updated",
        target=official,
        actor=actor,
        data={"role": official.role, "fields": sorted(changed_fields)},
    )
    return official
