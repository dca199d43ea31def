from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from townhall.accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):  # type: ignore[type-arg]
    fieldsets = (*(BaseUserAdmin.fieldsets or ()), ("Townhall", {"fields": ("roles",)}))
    list_display = ["username", "email", "roles", "is_active"]
