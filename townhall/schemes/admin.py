from __future__ import annotations

from typing import Any

from django.contrib import admin

from townhall.schemes.models import BankHoliday, Body, Scheme, Threshold
from townhall.schemes.services import scheme_update


@admin.register(Body)
class BodyAdmin(admin.ModelAdmin[Body]):
    list_display = ["name", "area_name", "population"]


class ThresholdInline(admin.TabularInline[Threshold, Scheme]):
    model = Threshold
    extra = 0


@admin.register(Scheme)
class SchemeAdmin(admin.ModelAdmin[Scheme]):
    inlines = [ThresholdInline]
    list_display = ["body", "duration_months", "sponsor_count", "preset"]

    def save_model(self, request: Any, obj: Scheme, form: Any, change: bool) -> None:
        scheme_update(scheme=obj, actor=request.user, changed_fields=list(form.changed_data))


@admin.register(BankHoliday)
class BankHolidayAdmin(admin.ModelAdmin[BankHoliday]):
    list_display = ["date", "name"]
