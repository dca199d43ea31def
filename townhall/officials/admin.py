"""People and their tenures in the admin: every save goes through the officials services
(administrators only, audited). Records are kept: a tenure ends, it is never deleted."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.forms import BaseInlineFormSet
from django.http import HttpRequest

from townhall.accounts.admin import AdministratorsOnly, inline_through_services
from townhall.officials.models import Official, Person
from townhall.officials.services import official_save, person_save


class KeptRecord(AdministratorsOnly):
    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a tenure ends (its end date), it is never deleted


class OfficialInline(KeptRecord, admin.TabularInline[Official, Person]):
    model = Official
    extra = 0


@admin.register(Person)
class PersonAdmin(KeptRecord, admin.ModelAdmin[Person]):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ("name",)}
    inlines = [OfficialInline]
    search_fields = ["name"]

    def save_model(self, request: Any, obj: Person, form: Any, change: bool) -> None:
        person_save(person=obj, actor=request.user, changed_fields=list(form.changed_data))

    def save_formset(self, request: Any, form: Any, formset: BaseInlineFormSet[Any, Any, Any], change: bool) -> None:
        inline_through_services(
            self,
            request,
            formset,
            parent="person",
            parent_object=form.instance,
            save=lambda official, changed: official_save(official=official, actor=request.user, changed_fields=changed),
        )


@admin.register(Official)
class OfficialAdmin(KeptRecord, admin.ModelAdmin[Official]):
    list_display = ["person", "role", "kind", "tenure_started_on", "tenure_ended_on"]
    list_filter = ["kind"]

    def save_model(self, request: Any, obj: Official, form: Any, change: bool) -> None:
        official_save(official=obj, actor=request.user, changed_fields=list(form.changed_data))
