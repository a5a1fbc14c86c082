"""Admin: travel models are edited here (audited); recommendations issued are read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from exitentry.routing import services
from exitentry.routing.models import RecommendationIssued, TravelModel


@admin.register(TravelModel)
class TravelModelAdmin(admin.ModelAdmin):
    list_display = [
        "road_factor",
        "speed_kmh",
        "city_radius_km",
        "intercity_speed_kmh",
        "en_route_grace_minutes",
        "effective_from",
        "effective_to",
        "note",
    ]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        services.save_travel_model(obj, actor=request.user, request=request)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.delete_travel_model(obj, actor=request.user, request=request)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            services.delete_travel_model(obj, actor=request.user, request=request)


@admin.register(RecommendationIssued)
class RecommendationIssuedAdmin(admin.ModelAdmin):
    """Read-only: rows are written by recommendations and expire by themselves."""

    list_display = [
        "service_point",
        "skill",
        "service_code",
        "issued_at",
        "expected_arrival",
        "counted_until",
    ]
    list_filter = ["skill", "service_point"]
    date_hierarchy = "issued_at"
    list_select_related = ["service_point"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
