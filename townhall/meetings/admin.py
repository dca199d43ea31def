"""Staff view of committees and meetings. Changes go through the services, as on the
clerks' pages; the admin never edits a meeting's state or published record directly."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from townhall.accounts.admin import each_through_service
from townhall.meetings.models import AgendaItem, Committee, Meeting
from townhall.meetings.services import committee_create, meeting_cancel


@admin.register(Committee)
class CommitteeAdmin(admin.ModelAdmin[Committee]):
    list_display = ["name", "kind", "slug"]
    fields = ["name", "kind"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Committee, form: Any, change: bool) -> None:
        created = committee_create(name=obj.name, kind=obj.kind, actor=request.user)
        obj.pk, obj.slug = created.pk, created.slug


class AgendaItemInline(admin.TabularInline[AgendaItem, Meeting]):
    model = AgendaItem
    extra = 0
    can_delete = False
    fields = ["position", "kind", "title", "petition", "official", "outcome", "decision", "outcome_recorded_at"]
    readonly_fields = [
        "position",
        "kind",
        "title",
        "petition",
        "official",
        "outcome",
        "decision",
        "outcome_recorded_at",
    ]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin[Meeting]):
    list_display = ["id", "committee", "starts_at", "location", "state", "outcome_published_at"]
    list_filter = ["state", "committee"]
    readonly_fields = [f.name for f in Meeting._meta.fields]
    inlines = [AgendaItemInline]
    actions = ["cancel_meetings"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Cancel the selected meetings (signers are told)")
    def cancel_meetings(self, request: HttpRequest, queryset: QuerySet[Meeting]) -> None:
        each_through_service(
            self,
            request,
            queryset,
            lambda meeting: meeting_cancel(meeting_id=meeting.pk, reason="Cancelled by the clerk.", actor=request.user),
            done="Cancelled %(count)s meeting(s).",
        )
