"""JSON error bodies for the API: `{"error": {"code": "...", "message": "..."}}`.

Domain errors keep the code and HTTP status they were raised with (townhall.core.errors is
the one place that decides them); this module only renders them as JSON, and gives the
errors that do not come from the domain (bad parameters, rate limits, unknown URLs) codes
that never change, so clients can branch on `code` and show `message`.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Schema

# Stable codes for errors that are not domain errors.
INVALID_PARAMETERS = "invalid_parameters"
RATE_LIMITED = "rate_limited"
NOT_FOUND = "not_found"
METHOD_NOT_ALLOWED = "method_not_allowed"
SERVER_ERROR = "server_error"


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


def not_found_json(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any URL under /api/v1/ that names no endpoint."""
    return error_response(code=NOT_FOUND, message="There is no API endpoint at this address.", status=404)
