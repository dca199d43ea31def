from django.contrib import admin

from townhall.officials.models import Official


@admin.register(Official)
class OfficialAdmin(admin.ModelAdmin[Official]):
    list_display = ["name", "role", "tenure_started_on", "tenure_ended_on"]
