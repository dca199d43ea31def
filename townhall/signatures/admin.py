"""The signer allow and block lists in the admin, through the signatures services
(administrators only, audited, applied to the next signature at once)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from townhall.accounts.admin import AdministratorsOnly, DeletedThroughService
from townhall.signatures.models import SignerListEntry
from townhall.signatures.services import signer_list_entry_delete, signer_list_entry_save


@admin.register(SignerListEntry)
class SignerListEntryAdmin(AdministratorsOnly, DeletedThroughService, admin.ModelAdmin[SignerListEntry]):
    list_display = ["kind", "action", "value", "note", "created_at"]
    list_filter = ["kind", "action"]
    search_fields = ["value", "note"]

    def save_model(self, request: Any, obj: SignerListEntry, form: Any, change: bool) -> None:
        signer_list_entry_save(entry=obj, actor=request.user)

    def delete_through(self, request: Any, obj: SignerListEntry) -> None:
        signer_list_entry_delete(entry_id=obj.pk, actor=request.user)
