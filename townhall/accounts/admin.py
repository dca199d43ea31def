"""Staff accounts in the admin, and the permission mixins every app's admin uses, so the
admin obeys the same role policies (accounts.policies) as the staff pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from townhall.accounts.models import User
from townhall.accounts.policies import can_administer, can_change_staff_account
from townhall.accounts.services import staff_account_save
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


class DeletedThroughService:
    """The admin's delete and bulk delete call one service per record (`delete_through`),
    so each removal is checked and audited like any other write."""

    def delete_through(self, request: HttpRequest, obj: Any) -> None:
        raise NotImplementedError

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self.delete_through(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            self.delete_through(request, obj)


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


def inline_through_services(
    model_admin: admin.ModelAdmin[Any],
    request: HttpRequest,
    formset: Any,
    *,
    parent: str,
    parent_object: Any,
    save: Callable[[Any, list[str]], object],
    delete: Callable[[Any], object] | None = None,
) -> None:
    """Save an admin inline formset row by row through services (`save(row, changed_fields)`,
    `delete(row)`), instead of the formset writing the rows itself. A refused row is shown,
    the others go on. Records what the formset's own save() would have, for the admin's
    change message."""
    formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
    deleted = formset.deleted_forms if formset.can_delete else []
    for inline_form in formset.forms:
        row = inline_form.instance
        try:
            if inline_form in deleted:
                if row.pk is not None and delete is not None:
                    delete(row)
                    formset.deleted_objects.append(row)
            elif inline_form.has_changed():
                created = row.pk is None
                row = inline_form.save(commit=False)
                setattr(row, parent, parent_object)
                save(row, list(inline_form.changed_data))
                if created:
                    formset.new_objects.append(row)
                else:
                    formset.changed_objects.append((row, list(inline_form.changed_data)))
        except DomainError as error:
            model_admin.message_user(request, error.message, messages.ERROR)


# Powers come from the roles alone (RolePermissionsBackend): Django's groups grant nothing,
# so they are not offered.
admin.site.unregister(Group)


@admin.register(User)
class UserAdmin(BaseUserAdmin):  # type: ignore[type-arg]
    """Staff accounts. Powers come from the roles alone (Django's staff flag, groups and
    model permissions grant nothing here), so those fields are not offered. Saves go
    through `staff_account_save`; accounts are switched off, never deleted (the audit log
    names them)."""

    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        (_("Townhall"), {"fields": ("is_active", "roles")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    superuser_fieldsets = (
        *fieldsets[:2],
        (_("Townhall"), {"fields": ("is_active", "roles", "is_superuser")}),
        fieldsets[3],
    )
    readonly_fields = ["last_login", "date_joined"]
    list_display = ["username", "email", "roles", "is_active", "is_superuser"]
    list_filter = ["is_active", "is_superuser"]
    filter_horizontal = ()

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return self.add_fieldsets
        return self.superuser_fieldsets if getattr(request.user, "is_superuser", False) else self.fieldsets

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return can_administer(request.user)
        return can_change_staff_account(request.user, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: Any, obj: User, form: Any, change: bool) -> None:
        staff_account_save(account=obj, changed_fields=list(form.changed_data), actor=request.user)
