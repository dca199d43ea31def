"""The body, its scheme, thresholds and bank holidays in the admin: every save and delete goes
through the schemes services, which check the administrator role and write the audit log."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.forms import BaseInlineFormSet
from django.http import HttpRequest

from townhall.accounts.admin import AdministratorsOnly, DeletedThroughService, inline_through_services
from townhall.schemes.models import BankHoliday, Body, Scheme, Threshold
from townhall.schemes.services import (
    bank_holiday_delete,
    bank_holiday_save,
    body_update,
    scheme_update,
    threshold_delete,
    threshold_save,
)


@admin.register(Body)
class BodyAdmin(AdministratorsOnly, admin.ModelAdmin[Body]):
    list_display = ["name", "area_name", "population"]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False  # exactly one body, created when the site is set up

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: Any, obj: Body, form: Any, change: bool) -> None:
        body_update(body=obj, actor=request.user, changed_fields=list(form.changed_data))


class ThresholdInline(AdministratorsOnly, admin.TabularInline[Threshold, Scheme]):
    model = Threshold
    extra = 0


@admin.register(Scheme)
class SchemeAdmin(AdministratorsOnly, admin.ModelAdmin[Scheme]):
    inlines = [ThresholdInline]
    list_display = ["body", "duration_months", "sponsor_count", "preset"]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False  # one scheme, created with the body

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: Any, obj: Scheme, form: Any, change: bool) -> None:
        scheme_update(scheme=obj, actor=request.user, changed_fields=list(form.changed_data))

    def save_formset(self, request: Any, form: Any, formset: BaseInlineFormSet[Any, Any, Any], change: bool) -> None:
        """Thresholds are saved and removed one by one through the services."""
        inline_through_services(
            self,
            request,
            formset,
            parent="scheme",
            parent_object=form.instance,
            save=lambda threshold, changed: threshold_save(
                threshold=threshold, actor=request.user, changed_fields=changed
            ),
            delete=lambda threshold: threshold_delete(threshold_id=threshold.pk, actor=request.user),
        )


@admin.register(BankHoliday)
class BankHolidayAdmin(AdministratorsOnly, DeletedThroughService, admin.ModelAdmin[BankHoliday]):
    list_display = ["date", "name"]

    def save_model(self, request: Any, obj: BankHoliday, form: Any, change: bool) -> None:
        bank_holiday_save(holiday=obj, actor=request.user)

    def delete_through(self, request: Any, obj: BankHoliday) -> None:
        bank_holiday_delete(holiday_id=obj.pk, actor=request.user)
