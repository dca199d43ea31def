"""Domain errors as pages (the one place they become HTTP responses for pages), and the
Permissions-Policy header on every response."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from townhall.core.errors import DomainError


class DomainErrorMiddleware:
    def __init__(self, get_response):  # type: ignore[no-untyped-def]
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response: HttpResponse = self.get_response(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DomainError):
            return None
        response = render(
            request,
            "core/domain_error.html",
            {"error": exception},
            status=exception.http_status,
        )
        response["Cache-Control"] = "no-store"
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
