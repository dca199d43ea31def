"""The staff landing page: each role sees the work its name says it does."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from townhall.accounts.policies import can_administer, can_clerk, can_moderate, can_respond
from townhall.core.http import no_store


@no_store
@require_safe
def staff_home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    user = request.user
    return render(
        request,
        "accounts/staff_home.html",
        {
            "staff_nav": True,
            "moderates": can_moderate(user),
            "responds": can_respond(user),
            "clerks": can_clerk(user),
            "administers": can_administer(user),
        },
    )
