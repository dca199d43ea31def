"""Error answers no view chose: refusals made before any view runs (a NUL byte, a failed
CSRF check) and Django's 400, 403, 404 and 500 handlers (config/urls.py).

They are the site's HTML pages, except under a path prefix whose app registered answers of
its own from `AppConfig.ready()` (the API's JSON under /api/, townhall/api/apps.py): a
client of that part of the site then gets its errors in the one shape it already reads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from django.http import HttpRequest, HttpResponse
from django.views import csrf, defaults

from townhall.core.errors import DomainError


class ErrorAnswer(Protocol):
    def __call__(self, request: HttpRequest, *, status: int, refusal: DomainError | None) -> HttpResponse:
        """The answer for `status`; `refusal` is the domain refusal, when one was made."""
        ...


_answers: dict[str, ErrorAnswer] = {}


def register_error_answer(*, path_prefix: str, answer: ErrorAnswer) -> None:
    """Answer the errors of every path starting with `path_prefix` (e.g. "/api/") with `answer`."""
    _answers[path_prefix] = answer


def _answer_for(request: HttpRequest) -> ErrorAnswer | None:
    matching = [prefix for prefix in _answers if request.path.startswith(prefix)]
    return _answers[max(matching, key=len)] if matching else None


def error_answer(
    request: HttpRequest, *, status: int, page: Callable[[], HttpResponse], refusal: DomainError | None = None
) -> HttpResponse:
    """The registered answer for this request's path, or else `page()`, the HTML page."""
    answer = _answer_for(request)
    if answer is None:
        return page()
    return answer(request, status=status, refusal=refusal)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler400: Django refused the request as suspicious (a bad Host, too many fields)."""
    return error_answer(request, status=400, page=lambda: defaults.bad_request(request, exception))


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler403."""
    return error_answer(request, status=403, page=lambda: defaults.permission_denied(request, exception))


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404: no route, or a view raised Http404."""
    return error_answer(request, status=404, page=lambda: defaults.page_not_found(request, exception))


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: an exception no view or middleware caught (Django has logged it)."""
    return error_answer(request, status=500, page=lambda: defaults.server_error(request))


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: an unsafe method without a valid CSRF token, refused before the view."""
    return error_answer(request, status=403, page=lambda: csrf.csrf_failure(request, reason))
