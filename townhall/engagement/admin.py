"""Staff views of updates and relayed messages. Read-only: decisions go through the
services (the moderation pages, or the approve action here). Email addresses of people
writing through the relay are never shown, not even to staff."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from townhall.accounts.admin import each_through_service
from townhall.engagement.models import ContactMessage, PetitionUpdate
from townhall.engagement.services import update_approve


@admin.register(PetitionUpdate)
class PetitionUpdateAdmin(admin.ModelAdmin[PetitionUpdate]):
    list_display = ["title", "petition", "state", "created_at", "published_at", "fanout_finished_at"]
    list_filter = ["state"]
    search_fields = ["title", "body"]
    readonly_fields = [f.name for f in PetitionUpdate._meta.fields]
    actions = ["approve_updates"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=gettext_lazy("Approve and publish the selected updates"))
    def approve_updates(self, request: HttpRequest, queryset: QuerySet[PetitionUpdate]) -> None:
        each_through_service(
            self,
            request,
            queryset,
            lambda update: update_approve(update_id=update.pk, actor=request.user),
            done=_("Published %(count)s update(s)."),
        )


@admin.register(ContactMessage)
class ContactMessageAdmin(admin.ModelAdmin[ContactMessage]):
    list_display = ["id", "petition", "sender_name", "is_from_creator", "state", "created_at", "reported_at"]
    list_filter = ["state", "is_from_creator"]
    fields = (
        "petition",
        "in_reply_to",
        "sender_name",
        "is_from_creator",
        "body",
        "state",
        "created_at",
        "delivered_at",
        "reported_at",
        "report_reason",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
