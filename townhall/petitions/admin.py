"""Staff view of petitions. Read-only except through services (the admin never edits
state directly): administrators can remove a petition, which then answers 410 Gone."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from townhall.accounts.admin import each_through_service
from townhall.accounts.policies import can_administer
from townhall.core.errors import DomainError
from townhall.petitions.models import Petition, ThresholdCrossing
from townhall.petitions.services import (
    petition_remove,
    petition_set_anonymisation_exempt,
    petition_set_proof_of_work,
)


class ThresholdCrossingInline(admin.TabularInline[ThresholdCrossing, Petition]):
    model = ThresholdCrossing
    extra = 0
    can_delete = False
    readonly_fields = ["threshold", "reached_at", "signature_count"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Petition)
class PetitionAdmin(admin.ModelAdmin[Petition]):
    list_display = ["id", "action", "state", "signature_count", "opened_at", "deadline_at"]
    list_filter = ["state", "rejection_reason"]
    search_fields = ["action", "background"]
    inlines = [ThresholdCrossingInline]
    actions = [
        "remove_petitions",
        "keep_personal_details",
        "stop_keeping_personal_details",
        "require_proof_of_work",
        "stop_requiring_proof_of_work",
    ]
    readonly_fields = [f.name for f in Petition._meta.fields if f.name not in ("creator_token", "sponsor_token")]
    exclude = ["creator_token", "sponsor_token"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Remove the selected petitions (their pages answer 410 Gone)")
    def remove_petitions(self, request: HttpRequest, queryset: QuerySet[Petition]) -> None:
        if not can_administer(request.user):
            self.message_user(request, "Only administrators can remove petitions.", messages.ERROR)
            return
        each_through_service(
            self,
            request,
            queryset,
            lambda petition: petition_remove(petition_id=petition.pk, actor=request.user),
            done="Removed %(count)s petition(s).",
        )

    def _set_exempt(self, request: HttpRequest, queryset: QuerySet[Petition], *, exempt: bool) -> None:
        each_through_service(
            self,
            request,
            queryset,
            lambda petition: petition_set_anonymisation_exempt(
                petition_id=petition.pk, exempt=exempt, actor=request.user
            ),
        )

    @admin.action(description="Keep personal details (exempt from anonymisation)")
    def keep_personal_details(self, request: HttpRequest, queryset: QuerySet[Petition]) -> None:
        self._set_exempt(request, queryset, exempt=True)

    @admin.action(description="Anonymise on schedule again (remove the exemption)")
    def stop_keeping_personal_details(self, request: HttpRequest, queryset: QuerySet[Petition]) -> None:
        self._set_exempt(request, queryset, exempt=False)

    def _set_proof_of_work(self, request: HttpRequest, queryset: QuerySet[Petition], *, required: bool) -> None:
        for petition in queryset:
            try:
                petition_set_proof_of_work(petition_id=petition.pk, required=required, actor=request.user)
            except DomainError as error:
                self.message_user(request, f"#{petition.pk}: {error.message}", messages.ERROR)
                return
        self.message_user(request, f"Proof of work {'required' if required else 'no longer required'}.")

    @admin.action(description="Under attack: require proof of work to sign")
    def require_proof_of_work(self, request: HttpRequest, queryset: QuerySet[Petition]) -> None:
        self._set_proof_of_work(request, queryset, required=True)

    @admin.action(description="Stop requiring proof of work to sign")
    def stop_requiring_proof_of_work(self, request: HttpRequest, queryset: QuerySet[Petition]) -> None:
        self._set_proof_of_work(request, queryset, required=False)
