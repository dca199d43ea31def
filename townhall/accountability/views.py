"""Public pages for officials and their record."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from townhall.accountability.selectors import person_get_public
from townhall.officials.selectors import official_list_current


@require_safe
def official_list(request: HttpRequest) -> HttpResponse:
    return render(request, "accountability/official_list.html", {"officials": official_list_current()})


@require_safe
def official(request: HttpRequest, slug: str) -> HttpResponse:
    person = person_get_public(slug=slug)
    return render(request, "accountability/official.html", {"person": person, "tenures": person.tenures.all()})
