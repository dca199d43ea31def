"""Staff sessions end: after a spell without any request (idle), and a fixed time after
sign-in (absolute), whichever comes first. Settings STAFF_SESSION_IDLE_SECONDS and
STAFF_SESSION_MAX_SECONDS. A staff member signed out this way is sent to sign in again
and then back to the page they asked for. Django gives a new session at each sign-in, so
the clocks start with the first request a sign-in makes."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

SIGNED_IN_AT = "townhall_signed_in_at"
LAST_SEEN_AT = "townhall_last_seen_at"
# The last-seen time is written at most this often, so most requests do not save the session.
_SEEN_GRANULARITY = 60


class StaffSessionLimitsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            expired = self._expired(request)
            if expired:
                logout(request)
                messages.info(request, expired)
                return redirect_to_login(request.get_full_path())
        return self.get_response(request)

    def _expired(self, request: HttpRequest) -> str:
        """Why this session has ended ("" if it has not); notes the request otherwise."""
        now = int(time.time())
        session = request.session
        if SIGNED_IN_AT not in session:  # the first request of a new sign-in starts the clocks
            session[SIGNED_IN_AT] = session[LAST_SEEN_AT] = now
            return ""
        signed_in_at = int(session.get(SIGNED_IN_AT) or 0)
        last_seen_at = int(session.get(LAST_SEEN_AT) or 0)
        idle, lifetime = settings.TOWNHALL["STAFF_SESSION_IDLE_SECONDS"], settings.TOWNHALL["STAFF_SESSION_MAX_SECONDS"]
        if now - signed_in_at >= lifetime:
            return _("You were signed out because your session reached its time limit. Sign in again to go on.")
        if now - last_seen_at >= idle:
            return _("You were signed out after a while without activity. Sign in again to go on.")
        if now - last_seen_at >= _SEEN_GRANULARITY:
            session[LAST_SEEN_AT] = now
        return ""
