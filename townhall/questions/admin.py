"""Staff view of public questions. Read-only: decisions go through the services, as on the
moderation, answer and supplementary pages. Askers' tokens are never shown."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from townhall.accounts.admin import each_through_service
from townhall.questions.models import Question
from townhall.questions.services import question_accept


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin[Question]):
    list_display = ["id", "meeting", "official", "state", "answered_at", "verdict"]
    list_filter = ["state", "verdict"]
    search_fields = ["text"]
    exclude = ["token"]
    readonly_fields = [f.name for f in Question._meta.fields if f.name != "token"]
    actions = ["accept_questions"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Accept the selected questions (moderators)")
    def accept_questions(self, request: HttpRequest, queryset: QuerySet[Question]) -> None:
        each_through_service(
            self,
            request,
            queryset,
            lambda question: question_accept(question_id=question.pk, actor=request.user),
            done="Accepted %(count)s question(s).",
        )
