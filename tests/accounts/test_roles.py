"""Staff roles are a closed set: only the four named roles can be stored, exactly as named,
and a value that is not a list of them grants nothing, however it reached the database."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from tests.builders import staff
from townhall.accounts.models import Role, User, roles_clean
from townhall.accounts.policies import can_administer, can_clerk, can_moderate, can_respond

pytestmark = pytest.mark.django_db

POLICIES = {"moderate": can_moderate, "administer": can_administer, "respond": can_respond, "clerk": can_clerk}


@pytest.mark.parametrize(
    ("stored", "message"),
    [
        ("not an administrator", "Staff roles must be a list"),
        ("administrator", "Staff roles must be a list"),
        (["modrator"], "“modrator” is not a staff role"),
        (["Administrator"], "“Administrator” is not a staff role"),
        ([" moderator"], "“ moderator” is not a staff role"),
        (["moderator", 1], "“1” is not a staff role"),
        ({"administrator": True}, "Staff roles must be a list"),
    ],
)
def test_a_value_that_is_not_a_list_of_named_roles_is_refused_on_save(stored: Any, message: str) -> None:
    user = staff("sam")
    user.roles = stored
    with pytest.raises(ValidationError) as excinfo, transaction.atomic():
        user.save()
    assert message in " ".join(excinfo.value.messages)
    user.refresh_from_db()
    assert user.roles == []


def test_the_refusal_names_the_roles_there_are() -> None:
    with pytest.raises(ValidationError) as excinfo:
        roles_clean(["modrator"])
    assert "administrator, clerk, moderator, responder" in excinfo.value.messages[0]


def test_roles_are_stored_once_each_in_a_fixed_order() -> None:
    user = staff("sam")
    user.roles = ["responder", "moderator", "responder"]
    user.save()
    user.refresh_from_db()
    assert user.roles == ["moderator", "responder"]


@pytest.mark.parametrize("raw", ['"not an administrator"', '"administrator"', '["Administrator"]', '{"a": 1}', "null"])
def test_a_value_written_around_the_model_grants_no_power(raw: str) -> None:
    user = staff("sam")
    placeholder = "%s::jsonb" if connection.vendor == "postgresql" else "%s"
    with connection.cursor() as cursor:
        # The table name and placeholder are this code's own; the values are parameters.
        cursor.execute(f"UPDATE {User._meta.db_table} SET roles = {placeholder} WHERE id = %s", [raw, user.pk])  # noqa: S608
    user = User.objects.get(pk=user.pk)
    assert {name: policy(user) for name, policy in POLICIES.items()} == dict.fromkeys(POLICIES, False)
    assert not any(user.has_role(role) for role in Role)


@pytest.mark.parametrize("role", list(Role))
def test_each_role_grants_its_own_power(role: Role) -> None:
    user = staff("sam", role)
    assert user.has_role(role)
    assert [other for other in Role if user.has_role(other)] == [role]


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("not an administrator", []),
        ("administrator", ["administrator"]),
        (["responder", "modrator", "moderator", "responder"], ["moderator", "responder"]),
        ({"administrator": True}, []),
        (None, []),
    ],
)
def test_the_migration_keeps_only_exactly_named_roles(before: Any, after: list[str]) -> None:
    migration = importlib.import_module("townhall.accounts.migrations.0002_roles_closed_set")
    assert migration._normalised(before) == after
