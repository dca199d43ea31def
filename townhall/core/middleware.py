"""Domain errors as pages (the one place they become HTTP responses for pages, or the
registered answer of a part of the site such as the API's JSON: core/errorpages.py), the
refusal of NUL bytes in addresses and query parameters, and the Permissions-Policy header on every response."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from townhall.core.errorpages import error_answer
from townhall.core.errors import DomainError, ServiceUnavailable

logger = logging.getLogger(__name__)


# How long a client is asked to wait before trying again while the database is away.
RETRY_AFTER_SECONDS = 5


class DomainErrorMiddleware:
    """A refusal a view did not handle becomes its page (or the API's JSON), and a lost
    database connection becomes a 503 with Retry-After saying nothing was saved, never a 500:
    a PostgreSQL restart or failover lasts seconds, and the same request then works."""

    def __init__(self, get_response):  # type: ignore[no-untyped-def]
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response: HttpResponse = self.get_response(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, (OperationalError, InterfaceError)):
            return database_away_page(request, exception)
        if not isinstance(exception, DomainError):
            return None
        return domain_error_page(request, exception)


def database_away_page(request: HttpRequest, exception: Exception) -> HttpResponse:
    reason = " ".join(str(exception).split())[:200] or type(exception).__name__
    logger.warning("Database unavailable for %s %s: %s", request.method, request.path, reason)
    refusal = ServiceUnavailable(
        _(
            "The petitions service cannot reach its database for a moment. Nothing you sent was "
            "saved. Please try again in a few seconds: go back, and your browser still has what "
            "you typed."
        )
    )
    response = domain_error_page(request, refusal)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def domain_error_page(request: HttpRequest, exception: DomainError) -> HttpResponse:
    def page() -> HttpResponse:
        return render(request, "core/domain_error.html", {"error": exception}, status=exception.http_status)

    response = error_answer(request, status=exception.http_status, refusal=exception, page=page)
    response["Cache-Control"] = "no-store"
    return response


def _has_nul(request: HttpRequest) -> bool:
    if "\x00" in request.path:
        return True
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists())


class RefuseNulMiddleware:
    """A NUL byte in the address or a query parameter is refused with a 400 before any
    view runs, so nothing is changed: PostgreSQL cannot store NUL in text, and no person
    types one. Form fields are left to their forms, which refuse it on the field and keep
    what was typed (Django's CharField, and resident_clean for the person fields)."""

    def __init__(self, get_response):  # type: ignore[no-untyped-def]
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _has_nul(request):
            refusal = DomainError(
                _(
                    "What was sent contains a NUL character (a zero byte), which cannot be stored. "
                    "Remove it and try again."
                ),
                code="nul_character",
            )
            return domain_error_page(request, refusal)
        response: HttpResponse = self.get_response(request)
        return response


class PermissionsPolicyMiddleware:
    """Deny every page the browser features in PERMISSIONS_POLICY_DENIED (none is used)."""

    def __init__(self, get_response):  # type: ignore[no-untyped-def]
        self.get_response = get_response
        self.header = ", ".join(f"{feature}=()" for feature in settings.PERMISSIONS_POLICY_DENIED)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response: HttpResponse = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.header)
        return response
