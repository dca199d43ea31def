"""Staff-only pages: signed-in staff with the right role; everyone else is turned away.

The one place a page says which role it needs: each app's views import the decorator for
the role (`moderator_required`, …) from here, so the refusal, the sign-in redirect and the
no-store header are the same on every staff page.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from townhall.accounts.policies import can_administer, can_clerk, can_moderate, can_respond
from townhall.core.errors import PermissionDeniedError

View = Callable[..., HttpResponseBase]


def staff_only(policy: Callable[[Any], bool], *, refusal: str) -> Callable[[View], View]:
    """Anonymous visitors go to the staff login; staff without the role get a 403.

    Pages behind it carry personal data or forms, so they are never cached (no-store).
    """

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not policy(request.user):
                raise PermissionDeniedError(refusal)
            response = view(request, *args, **kwargs)
            response["Cache-Control"] = "no-store"
            return response

        return wrapper

    return decorator


# Any signed-in member of staff, whatever their roles (the staff home, the second factor).
signed_in_required = staff_only(lambda user: True, refusal="")
moderator_required = staff_only(can_moderate, refusal="You need the moderator role to see this page.")
responder_required = staff_only(can_respond, refusal="You need the responder role to see this page.")
clerk_required = staff_only(can_clerk, refusal="You need the clerk role to see this page.")
administrator_required = staff_only(can_administer, refusal="You need the administrator role to see this page.")
