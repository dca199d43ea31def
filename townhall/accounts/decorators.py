"""Staff-only pages: signed-in staff with the right role; everyone else is turned away."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse

from townhall.core.errors import PermissionDeniedError
from townhall.core.http import no_store

View = Callable[..., HttpResponse]


def staff_only(policy: Callable[[Any], bool], *, refusal: str) -> Callable[[View], View]:
    """Anonymous visitors go to the staff login; staff without the role get a 403.

    Pages behind it carry personal data or forms, so they are never cached (no-store).
    """

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not policy(request.user):
                raise PermissionDeniedError(refusal)
            return view(request, *args, **kwargs)

        return no_store(wrapper)

    return decorator
