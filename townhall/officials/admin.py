from django.contrib import admin

from townhall.officials.models import Official, Person


class OfficialInline(admin.TabularInline[Official, Person]):
    model = Official
    extra = 0


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin[Person]):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ("name",)}
    inlines = [OfficialInline]
    search_fields = ["name"]


@admin.register(Official)
class OfficialAdmin(admin.ModelAdmin[Official]):
    list_display = ["person", "role", "kind", "tenure_started_on", "tenure_ended_on"]
    list_filter = ["kind"]
