from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    default = True
    name = "townhall.accounts"
    label = "accounts"
    verbose_name = "Staff accounts"


class TownhallAdminConfig(admin_apps.AdminConfig):
    """Django's admin with Townhall's site (townhall.accounts.sites): only administrators
    reach it, and they sign in through the staff sign-in."""

    default = False  # INSTALLED_APPS names it in place of django.contrib.admin
    default_site = "townhall.accounts.sites.TownhallAdminSite"
