"""Public pages for officials and their record."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from townhall.accountability import selectors


@require_safe
def official_list(request: HttpRequest) -> HttpResponse:
    return render(request, "accountability/official_list.html", {"directory": selectors.person_list_directory()})


@require_safe
def official(request: HttpRequest, slug: str) -> HttpResponse:
    person = selectors.person_get_public(slug=slug)
    return render(
        request,
        "accountability/official.html",
        {
            "person": person,
            "tenures": person.tenures.all(),
            "record": selectors.official_record(person=person),
            "petitions": selectors.petition_list_addressed_to(person=person),
            "responses": selectors.response_list_published_by(person=person),
            "questions": selectors.question_list_answered_by(person=person),
            "decisions": selectors.decision_list_for_person(person=person),
        },
    )
