"""The admin, held to the roles.

Only administrators reach `/admin/` (signed-in staff without the role get the same refusal
page as elsewhere; everyone else goes to the staff sign-in, with its throttle and second
factor). Inside it, Django's model permissions come from the roles too
(`RolePermissionsBackend`): the staff flag, groups and per-model permissions grant nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import admin
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from townhall.accounts.models import Actor
from townhall.accounts.policies import can_administer
from townhall.core.errors import PermissionDeniedError
from townhall.core.http import safe_next


class TownhallAdminSite(admin.AdminSite):
    site_header = gettext_lazy("Townhall administration")
    site_title = gettext_lazy("Townhall administration")

    def has_permission(self, request: HttpRequest) -> bool:
        return can_administer(request.user)

    def admin_view(self, view: Callable[..., Any], cacheable: bool = False) -> Any:
        inner = super().admin_view(view, cacheable)

        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not self.has_permission(request):
                raise PermissionDeniedError(_("You need the administrator role to use the admin."))
            return inner(request, *args, **kwargs)

        return guarded

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        """The admin has no sign-in of its own: the staff sign-in, then back here."""
        return redirect_to_login(safe_next(request, request.GET.get("next"), "admin:index"))


class RolePermissionsBackend(ModelBackend):
    """Django's password sign-in, with permissions read from the roles alone.

    Every Django permission (what the admin asks before showing or saving a model) is
    the administrator role; each ModelAdmin narrows it further (read-only records, writes
    through services). Superusers keep every permission, as in Django.
    """

    def get_user_permissions(self, user_obj: Actor, obj: Any = None) -> set[str]:
        return set()

    def get_group_permissions(self, user_obj: Actor, obj: Any = None) -> set[str]:
        return set()

    def has_perm(self, user_obj: Actor, perm: str, obj: Any = None) -> bool:
        return can_administer(user_obj)

    def has_module_perms(self, user_obj: Actor, app_label: str) -> bool:
        return can_administer(user_obj)
