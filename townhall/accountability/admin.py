"""Administrators record decisions here; every save goes through the decision services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from townhall.accountability.models import Decision
from townhall.accountability.services import decision_clean, decision_delete, decision_record, decision_update
from townhall.accounts.admin import AdministratorsOnly, DeletedThroughService
from townhall.core.errors import DomainError
from townhall.officials.models import Official
from townhall.petitions.models import Petition

FIELDS_BY_CODE = {
    "decision_date_blank": "decided_on",
    "decision_kind_invalid": "kind",
    "decision_title_blank": "title",
    "decision_title_too_long": "title",
    "decision_decided_by_too_long": "decided_by",
    "decision_source_invalid": "source_url",
    "decision_official_unknown": "officials",
    "decision_meeting_unknown": "meeting",
    "decision_petition_not_public": "petitions",
}


class DecisionAdminForm(forms.ModelForm[Decision]):
    class Meta:
        model = Decision
        fields = [
            "decided_on",
            "kind",
            "title",
            "description",
            "decided_by",
            "source_url",
            "officials",
            "meeting",
            "petitions",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            decision_clean(**_service_kwargs(data))
        except DomainError as error:
            field = FIELDS_BY_CODE.get(error.code)
            self.add_error(field if field in self.fields else None, error.message)
        return data


def _service_kwargs(data: dict[str, Any]) -> dict[str, Any]:
    meeting = data.get("meeting")
    return {
        "decided_on": data.get("decided_on"),
        "kind": data.get("kind", ""),
        "title": data.get("title", ""),
        "description": data.get("description", ""),
        "decided_by": data.get("decided_by", ""),
        "official_ids": [o.pk for o in data.get("officials") or []],
        "meeting_id": meeting.pk if meeting is not None else None,
        "petition_ids": [p.pk for p in data.get("petitions") or []],
        "source_url": data.get("source_url", ""),
    }


@admin.register(Decision)
class DecisionAdmin(AdministratorsOnly, DeletedThroughService, admin.ModelAdmin[Decision]):
    form = DecisionAdminForm
    list_display = ["decided_on", "title", "kind", "decided_by"]
    list_filter = ["kind"]
    search_fields = ["title", "decided_by"]
    date_hierarchy = "decided_on"
    filter_horizontal = ["officials", "petitions"]

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        # Only published petitions can be linked (decision_clean refuses the others).
        if db_field.name == "petitions":
            kwargs["queryset"] = Petition.objects.published().order_by("-created_at")
        elif db_field.name == "officials":
            kwargs["queryset"] = Official.objects.select_related("person").order_by("person__name", "role")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Decision, form: Any, change: bool) -> None:
        kwargs = _service_kwargs(form.cleaned_data)
        if change:
            decision = decision_update(decision_id=obj.pk, actor=request.user, **kwargs)
        else:
            decision = decision_record(actor=request.user, **kwargs)
        obj.pk = decision.pk

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # The service has already set the officials and petitions.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_through(self, request: HttpRequest, obj: Decision) -> None:
        decision_delete(decision_id=obj.pk, actor=request.user)
