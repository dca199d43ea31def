from django.contrib import admin

from townhall.integrity.models import Invalidation, TrendAlert


@admin.register(Invalidation)
class InvalidationAdmin(admin.ModelAdmin[Invalidation]):
    list_display = ["requested_at", "reason", "state", "matched", "processed", "invalidated"]
    readonly_fields = [f.name for f in Invalidation._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False


@admin.register(TrendAlert)
class TrendAlertAdmin(admin.ModelAdmin[TrendAlert]):
    list_display = ["hour_starting", "petition", "kind", "value", "count", "share_percent"]
    list_filter = ["kind"]
