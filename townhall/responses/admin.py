"""Responses in the admin: for looking, not editing. Drafting and publishing happen on the
responders' pages (/responses/), through the same services, with a confirmation step."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from townhall.core.errors import DomainError
from townhall.responses.models import Response
from townhall.responses.services import response_fanout_resume


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin[Response]):
    list_display = ["petition", "due_on", "published_at", "fanout_finished_at", "responder_page"]
    list_filter = [("published_at", admin.EmptyFieldListFilter)]
    search_fields = ["petition__action"]
    date_hierarchy = "due_on"
    list_select_related = ["petition"]
    readonly_fields = [
        "petition",
        "threshold_reached_at",
        "due_on",
        "official",
        "draft",
        "drafted_at",
        "drafted_by",
        "body",
        "published_at",
        "published_by",
        "fanout_after_id",
        "fanout_finished_at",
        "responder_page",
    ]
    actions = ["resume_fanout"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="Draft and publish")
    def responder_page(self, obj: Response) -> SafeString:
        return format_html('<a href="{}">{}</a>', reverse("responses:detail", kwargs={"pk": obj.pk}), "Open")

    @admin.action(description="Resume the email fan-out of the selected published responses")
    def resume_fanout(self, request: HttpRequest, queryset: QuerySet[Response]) -> None:
        """Safe to use at any time: the fan-out never emails anyone twice."""
        try:
            resumed = sum(response_fanout_resume(response_id=response.pk, actor=request.user) for response in queryset)
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
            return
        self.message_user(request, f"Queued the fan-out of {resumed} response(s).", messages.SUCCESS)
