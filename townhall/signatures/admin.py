from __future__ import annotations

from typing import Any

from django.contrib import admin

from townhall.signatures.fraud import forget_signer_lists
from townhall.signatures.models import SignerListEntry


@admin.register(SignerListEntry)
class SignerListEntryAdmin(admin.ModelAdmin[SignerListEntry]):
    list_display = ["kind", "action", "value", "note", "created_at"]
    list_filter = ["kind", "action"]
    search_fields = ["value", "note"]

    def save_model(self, request: Any, obj: SignerListEntry, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        forget_signer_lists()

    def delete_model(self, request: Any, obj: SignerListEntry) -> None:
        super().delete_model(request, obj)
        forget_signer_lists()
