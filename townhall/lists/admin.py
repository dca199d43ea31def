"""The allow and block lists in the admin, through the lists' services (administrators
only, audited, applied at once). The form shows the rule's refusal on the value."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin

from townhall.accounts.admin import AdministratorsOnly, DeletedThroughService
from townhall.core.errors import DomainError
from townhall.lists.models import ListEntry
from townhall.lists.rules import limit_factor_clean, list_value_clean
from townhall.lists.services import list_entry_delete, list_entry_save


class ListEntryAdminForm(forms.ModelForm[ListEntry]):
    class Meta:
        model = ListEntry
        fields = ["kind", "action", "value", "limit_factor", "note"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "kind" in data and "value" in data:
            try:
                # Normalised here too, so the uniqueness check compares the stored form.
                data["value"] = list_value_clean(kind=data["kind"], value=data["value"])
            except DomainError as error:
                self.add_error("value", error.message)
        if "kind" in data and "action" in data:
            try:
                data["limit_factor"] = limit_factor_clean(
                    kind=data["kind"], action=data["action"], factor=data.get("limit_factor")
                )
            except DomainError as error:
                self.add_error("action" if error.code == "list_shared_not_ip" else "limit_factor", error.message)
        return data


@admin.register(ListEntry)
class ListEntryAdmin(AdministratorsOnly, DeletedThroughService, admin.ModelAdmin[ListEntry]):
    form = ListEntryAdminForm
    list_display = ["kind", "action", "value", "limit_factor", "note", "created_at"]
    list_filter = ["kind", "action"]
    search_fields = ["value", "note"]

    def save_model(self, request: Any, obj: ListEntry, form: Any, change: bool) -> None:
        list_entry_save(entry=obj, actor=request.user)

    def delete_through(self, request: Any, obj: ListEntry) -> None:
        list_entry_delete(entry_id=obj.pk, actor=request.user)
