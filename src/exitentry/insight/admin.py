from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from exitentry.insight.models import InsightPolicy, RollupDay


@admin.register(InsightPolicy)
class InsightPolicyAdmin(admin.ModelAdmin):
    list_display = (
        "effective_from",
        "effective_to",
        "refresh_days_back",
        "sla_days_ahead",
        "max_export_days",
    )


@admin.register(RollupDay)
class RollupDayAdmin(admin.ModelAdmin):
    list_display = ("day", "computed_at", "items")
    date_hierarchy = "day"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: RollupDay | None = None) -> bool:
        return False
