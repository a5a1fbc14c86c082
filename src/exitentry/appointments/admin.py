from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from exitentry.appointments import services
from exitentry.appointments.models import Appointment, BookingPolicy, IdempotencyRecord


@admin.register(BookingPolicy)
class BookingPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "service_point",
        "days_ahead",
        "release_time",
        "max_active_per_account",
        "requests_per_ip_per_minute",
        "effective_from",
        "effective_to",
    ]
    list_filter = ["service_point"]
    raw_id_fields = ["service_point"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        services.save_booking_policy(obj, actor=request.user, request=request)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.delete_booking_policy(obj, actor=request.user, request=request)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for policy in queryset:
            services.delete_booking_policy(policy, actor=request.user, request=request)


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    """Read-only: appointments change only through booking, cancelling and the queue."""

    list_display = ["code", "service_code", "status", "slot", "booked_at"]
    list_filter = ["status", "slot__service_point"]
    search_fields = ["code"]
    list_select_related = ["slot", "slot__service_point"]
    date_hierarchy = "booked_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(admin.ModelAdmin):
    list_display = ["user", "key", "response_status", "created_at"]
    search_fields = ["key"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
