"""Domain errors: every refused state change raises one of these with a clear message.

Interfaces never invent their own wording for a refusal: forms show `message`, the
DomainErrorMiddleware turns an uncaught error into a page with `http_status`, and the API
(later) returns `code` and `message` as a JSON body.
"""

from __future__ import annotations


class DomainError(Exception):
    """A business rule refused the request. Nothing was changed."""

    code: str = "refused"
    http_status: int = 400

    def __init__(self, message: str, *, code: str | None = None, http_status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if http_status is not None:
            self.http_status = http_status


class NotFound(DomainError):
    code = "not_found"
    http_status = 404


class Gone(DomainError):
    code = "gone"
    http_status = 410


class InvalidState(DomainError):
    """The thing exists but is not in a state that allows this action."""

    code = "invalid_state"
    http_status = 409


class PermissionDeniedError(DomainError):
    code = "forbidden"
    http_status = 403


class ServiceUnavailable(DomainError):
    """The database cannot be reached for a moment (a restart, a failover, a network blip).
    Nothing was saved; the same request a few seconds later works."""

    code = "database_unavailable"
    http_status = 503
