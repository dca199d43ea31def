"""The NinjaAPI object: error handling, rate limits and the OpenAPI document.

Every error leaves as `{"error": {"code", "message"}}` (townhall.api.errors): domain errors
with the code and status they were raised with (townhall.core.errors decides those),
parameter validation as 422 `invalid_parameters` with the refused fields, rate limits as
429 `rate_limited` with Retry-After, and anything unexpected as 500 `server_error`
(logged, never with a traceback in the body).
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver
from ninja import NinjaAPI
from ninja.errors import HttpError, Throttled, ValidationError
from ninja.openapi.schema import OpenAPISchema

from townhall.api import errors
from townhall.api.ratelimit import ClientRateThrottle
from townhall.api.v1.routes import router
from townhall.core.errors import DomainError

logger = logging.getLogger(__name__)

DESCRIPTION = """Read-only open data from Townhall: the petition scheme and its thresholds,
petitions, responses, meetings and agendas, public questions with answers and verdicts,
officials and their records.

Errors are JSON `{"error": {"code": "...", "message": "..."}}`; branch on `code`, which
never changes. Requests are rate limited per client IP (429 with `Retry-After`).
No personal data is ever returned (no signer, asker or creator email or postcode).
"""


class TownhallAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: Any = None) -> OpenAPISchema:
        """The generated spec, plus the Retry-After header on every documented 429."""
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                limited = operation.get("responses", {}).get(429)
                if limited is not None:
                    limited["headers"] = {
                        "Retry-After": {
                            "description": "Seconds until the client's rate-limit window ends.",
                            "required": True,
                            "schema": {"type": "integer", "minimum": 1},
                        }
                    }
        return schema


api = TownhallAPI(
    title="Townhall API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api:v1",
    docs_url=None,
    throttle=[ClientRateThrottle()],
)


def _field_errors(exc: ValidationError) -> list[dict[str, str]]:
    fields = []
    for error in exc.errors:
        location = [str(part) for part in error.get("loc", ())]
        fields.append(
            {
                "location": location[0] if location else "",
                "name": ".".join(location[1:]),
                "message": str(error.get("msg", "invalid")),
            }
        )
    return fields


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields = _field_errors(exc)
    names = ", ".join(sorted({f["name"] for f in fields if f["name"]})) or "the request"
    return errors.error_response(
        code=errors.INVALID_PARAMETERS, message=f"Check {names}: see fields.", status=422, fields=fields
    )


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return errors.error_response(code=exc.code, message=exc.message, status=exc.http_status)


@api.exception_handler(Throttled)
def _throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    # Ninja adds Retry-After from the throttle's wait() after this returns.
    return errors.error_response(
        code=errors.RATE_LIMITED, message="Too many requests from your address: wait, then try again.", status=429
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return errors.error_response(code=f"http_{exc.status_code}", message=str(exc), status=exc.status_code)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return errors.error_response(code=errors.NOT_FOUND, message="Not found.", status=404)


@api.exception_handler(Exception)
def _server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("API error on %s", request.path)
    return errors.status_error_response(500)


api.add_router("/", router)


def json_method_not_allowed(
    urls: tuple[list[URLPattern | URLResolver], str, str],
) -> tuple[list[URLPattern | URLResolver], str, str]:
    """Ninja's URL patterns with its plain-text 405 turned into the JSON error body."""
    patterns, app_name, namespace = urls
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            pattern.callback = errors.json_405(pattern.callback)
    return patterns, app_name, namespace
