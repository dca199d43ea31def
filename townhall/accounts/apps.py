from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    default = True
    name = "townhall.accounts"
    label = "accounts"
    verbose_name = "Staff accounts"

    def ready(self) -> None:
        from townhall.accounts.services import session_forget_expired
        from townhall.core import retention

        # A session's period is its own expiry, SESSION_COOKIE_AGE, which settings make the
        # same number as the staff session's absolute limit.
        retention.register(
            name="expired-sessions",
            models=("sessions.Session",),
            period_key="STAFF_SESSION_MAX_SECONDS",
            enforce=session_forget_expired,
        )


class TownhallAdminConfig(admin_apps.AdminConfig):
    """Django's admin with Townhall's site (townhall.accounts.sites): only administrators
    reach it, and they sign in through the staff sign-in."""

    default = False  # INSTALLED_APPS names it in place of django.contrib.admin
    default_site = "townhall.accounts.sites.TownhallAdminSite"
