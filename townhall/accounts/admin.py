"""Staff accounts in the admin, and the permission mixins every app's admin uses, so the
admin obeys the same role policies (accounts.policies) as the staff pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from townhall.accounts.models import User
from townhall.accounts.policies import can_administer
from townhall.core.errors import DomainError


class AdministratorsOnly:
    """Only administrators may add or change these records (the services check again)."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return can_administer(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_administer(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_administer(request.user)


class ReadOnly:
    """Shown for looking only: these records are written by services elsewhere."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def each_through_service(
    model_admin: admin.ModelAdmin[Any],
    request: HttpRequest,
    queryset: QuerySet[Any],
    act: Callable[[Any], object],
    *,
    done: str = "",
) -> int:
    """An admin action: run one service on each selected record. A refusal is shown against
    the record's number and the others go on; `done` (e.g. "Removed %(count)s petition(s).")
    then says how many succeeded. Returns that number."""
    succeeded = 0
    for record in queryset:
        try:
            act(record)
        except DomainError as error:
            model_admin.message_user(request, f"#{record.pk}: {error.message}", messages.WARNING)
        else:
            succeeded += 1
    if done:
        model_admin.message_user(request, done % {"count": succeeded}, messages.SUCCESS)
    return succeeded


@admin.register(User)
class UserAdmin(BaseUserAdmin):  # type: ignore[type-arg]
    fieldsets = (*(BaseUserAdmin.fieldsets or ()), ("Townhall", {"fields": ("roles",)}))
    list_display = ["username", "email", "roles", "is_active"]
