"""Every write the Django admin makes goes through a service that checks the role with
accounts.policies and writes the audit log: a member of staff without the role, even one
given every Django model permission, changes nothing."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.test import RequestFactory

from tests.builders import open_petition
from townhall.accounts.models import User
from townhall.audit.models import AuditEvent
from townhall.core.errors import PermissionDeniedError
from townhall.lists.models import ListAction, ListEntry, ListKind
from townhall.lists.services import list_entry_delete, list_entry_save
from townhall.officials.models import Official, Person
from townhall.officials.services import official_save, person_save
from townhall.petitions.services import petition_set_anonymisation_exempt, petition_set_proof_of_work
from townhall.schemes.models import BankHoliday, Body, Scheme, Threshold
from townhall.schemes.services import (
    bank_holiday_delete,
    bank_holiday_save,
    body_update,
    scheme_update,
    threshold_delete,
    threshold_save,
)

pytestmark = pytest.mark.django_db


def _writes(scheme: Scheme, petition_id: int) -> dict[str, Callable[[User], object]]:
    """Each admin write, as a function of who acts. Each builds its own row afresh."""
    holiday = BankHoliday.objects.create(date=datetime.date(2026, 12, 25), name="Christmas Day")
    entry = ListEntry.objects.create(kind=ListKind.EMAIL_DOMAIN, action=ListAction.BLOCK, value="x.example")
    spare = Threshold.objects.create(scheme=scheme, name="Spare", kind="other", count=99_999)
    return {
        "body": lambda actor: body_update(body=Body.objects.get(), actor=actor, changed_fields=["name"]),
        "scheme": lambda actor: scheme_update(scheme=scheme, actor=actor, changed_fields=["duration_months"]),
        "threshold": lambda actor: threshold_save(
            threshold=Threshold(scheme=scheme, name=f"New {actor.pk}", kind="other", count=7),
            actor=actor,
            changed_fields=["name"],
        ),
        "threshold removed": lambda actor: threshold_delete(threshold_id=spare.pk, actor=actor),
        "bank holiday": lambda actor: bank_holiday_save(
            holiday=BankHoliday(date=datetime.date(2026, 12, 26), name="Boxing Day"), actor=actor
        ),
        "bank holiday removed": lambda actor: bank_holiday_delete(holiday_id=holiday.pk, actor=actor),
        "person": lambda actor: person_save(
            person=Person(name="Jo Bloggs", slug=f"jo-bloggs-{actor.pk}"), actor=actor, changed_fields=["name"]
        ),
        "official": lambda actor: official_save(
            official=Official(
                person=Person.objects.create(name="Sam Lee", slug=f"sam-lee-{actor.pk}"),
                role="Chief Executive",
                tenure_started_on=datetime.date(2026, 1, 5),
            ),
            actor=actor,
            changed_fields=["role"],
        ),
        "signer list": lambda actor: list_entry_save(
            entry=ListEntry(kind=ListKind.IP, action=ListAction.BLOCK, value=f"198.51.100.{actor.pk % 256}"),
            actor=actor,
        ),
        "signer list removed": lambda actor: list_entry_delete(entry_id=entry.pk, actor=actor),
        "proof of work": lambda actor: petition_set_proof_of_work(petition_id=petition_id, required=True, actor=actor),
        "keep personal details": lambda actor: petition_set_anonymisation_exempt(
            petition_id=petition_id, exempt=True, actor=actor
        ),
    }


def test_a_moderator_with_every_model_permission_changes_nothing_through_the_admin_services(
    scheme: Scheme, moderator: User
) -> None:
    petition = open_petition(moderator=moderator)
    moderator.is_staff = True
    moderator.save()
    moderator.user_permissions.set(Permission.objects.all())
    for name, write in _writes(scheme, petition.pk).items():
        audit_before = AuditEvent.objects.count()
        with pytest.raises(PermissionDeniedError):
            write(moderator)
        assert AuditEvent.objects.count() == audit_before, name


def test_an_administrator_s_admin_writes_are_each_audited(scheme: Scheme, moderator: User, administrator: User) -> None:
    petition = open_petition(moderator=moderator)
    for name, write in _writes(scheme, petition.pk).items():
        before = AuditEvent.objects.filter(actor=administrator).count()
        write(administrator)
        assert AuditEvent.objects.filter(actor=administrator).count() == before + 1, name


@pytest.mark.parametrize("model", [Body, Scheme, BankHoliday, Person, Official, ListEntry])
def test_the_admin_offers_these_records_only_to_administrators(
    scheme: Any, moderator: User, administrator: User, model: type[Any]
) -> None:
    model_admin = admin.site._registry[model]
    moderator.is_staff = True
    moderator.save()
    moderator.user_permissions.set(Permission.objects.all())
    as_moderator = RequestFactory().get("/admin/")
    as_moderator.user = User.objects.get(pk=moderator.pk)
    as_administrator = RequestFactory().get("/admin/")
    as_administrator.user = administrator
    assert not model_admin.has_change_permission(as_moderator)
    assert not model_admin.has_delete_permission(as_moderator)
    assert model_admin.has_change_permission(as_administrator)
