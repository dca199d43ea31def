"""JSON error bodies for the API: `{"error": {"code": "...", "message": "..."}}`.

Domain errors keep the code and HTTP status they were raised with (townhall.core.errors is
the one place that decides them); this module only renders them as JSON, and gives the
errors that do not come from the domain (bad parameters, rate limits, unknown URLs) codes
that never change, so clients can branch on `code` and show `message`.

The same shape answers every error under /api/ that no API view answered (a NUL byte
refused by the middleware, Django's 400, 403, 404 and 500): `api_error_answer`, registered
with townhall/core/errorpages.py by townhall/api/apps.py.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from ninja import Schema

from townhall.core.errors import DomainError

# Stable codes for errors that are not domain errors.
INVALID_PARAMETERS = "invalid_parameters"
RATE_LIMITED = "rate_limited"
NOT_FOUND = "not_found"
METHOD_NOT_ALLOWED = "method_not_allowed"
SERVER_ERROR = "server_error"
BAD_REQUEST = "bad_request"
FORBIDDEN = "forbidden"

# The code and message of each error that is known only by its HTTP status.
STATUS_ERRORS: dict[int, tuple[str, str]] = {
    400: (BAD_REQUEST, "The request could not be read: check its address, parameters and headers."),
    403: (FORBIDDEN, "This request is not allowed. The API is read-only: use GET."),
    404: (NOT_FOUND, "There is no API endpoint at this address."),
    405: (METHOD_NOT_ALLOWED, "This API is read-only: use GET."),
    500: (SERVER_ERROR, "Something went wrong on our side. It has been logged."),
}


class FieldErrorOut(Schema):
    """One refused parameter: where it was (query or path), its name, and why."""

    location: str
    name: str
    message: str


class ErrorDetailOut(Schema):
    code: str
    message: str
    # Only on 422 (invalid_parameters): each parameter that was refused.
    fields: list[FieldErrorOut] | None = None


class ErrorOut(Schema):
    error: ErrorDetailOut


def error_body(*, code: str, message: str, fields: list[dict[str, str]] | None = None) -> dict[str, Any]:
    detail: dict[str, Any] = {"code": code, "message": message}
    if fields is not None:
        detail["fields"] = fields
    return {"error": detail}


def error_response(*, code: str, message: str, status: int, fields: list[dict[str, str]] | None = None) -> HttpResponse:
    response = JsonResponse(error_body(code=code, message=message, fields=fields), status=status)
    response["Cache-Control"] = "no-store"
    return response


def status_error_response(status: int) -> HttpResponse:
    """The error body for an error known only by its status (STATUS_ERRORS)."""
    code, message = STATUS_ERRORS.get(status, (f"http_{status}", "The request was refused."))
    return error_response(code=code, message=message, status=status)


def api_error_answer(request: HttpRequest, *, status: int, refusal: DomainError | None) -> HttpResponse:
    """An error under /api/ that no API view answered: a domain refusal with its own code and
    message, anything else by its status."""
    if refusal is not None:
        return error_response(code=refusal.code, message=refusal.message, status=status)
    return status_error_response(status)


def json_405(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """The view, with its plain 405 (a method it does not take) turned into the JSON error body."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        if response.status_code != 405:
            return response
        refused = status_error_response(405)
        refused["Allow"] = response.get("Allow", "GET")
        return refused

    return wrapper
