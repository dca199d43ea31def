"""Invalidations and trend alerts in the admin: read-only. Invalidations are requested on the
integrity pages (through their service, with a preview); alerts are written by the detector."""

from __future__ import annotations

from django.contrib import admin

from townhall.accounts.admin import ReadOnly
from townhall.integrity.models import Invalidation, TrendAlert


@admin.register(Invalidation)
class InvalidationAdmin(ReadOnly, admin.ModelAdmin[Invalidation]):
    list_display = ["requested_at", "action", "reason", "state", "matched", "processed", "invalidated"]


@admin.register(TrendAlert)
class TrendAlertAdmin(ReadOnly, admin.ModelAdmin[TrendAlert]):
    list_display = ["hour_starting", "petition", "kind", "value", "count", "share_percent"]
    list_filter = ["kind"]
