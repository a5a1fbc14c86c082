"""Admin: queue policies and skill profiles are edited here (audited); tickets and sessions are read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from exitentry.queueing import services
from exitentry.queueing.models import CounterSession, QueuePolicy, SkillProfile, Ticket, WaitCorrection


class AuditedSettingAdmin(admin.ModelAdmin):
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        services.save_queue_setting(obj, actor=request.user, request=request)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.delete_queue_setting(obj, actor=request.user, request=request)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            services.delete_queue_setting(obj, actor=request.user, request=request)


@admin.register(QueuePolicy)
class QueuePolicyAdmin(AuditedSettingAdmin):
    list_display = [
        "__str__",
        "check_in_opens_minutes",
        "check_in_closes_minutes",
        "walk_in_fairness_minutes",
        "turn_near_people",
        "effective_from",
        "effective_to",
    ]
    list_filter = ["service_point"]


@admin.register(SkillProfile)
class SkillProfileAdmin(AuditedSettingAdmin):
    list_display = ["letter", "skill", "default_service_minutes"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    """Read-only: tickets change only through the machine and the counters (audited)."""

    list_display = [
        "number",
        "service_point",
        "issued_on",
        "skill",
        "priority",
        "status",
        "counter",
        "issued_at",
    ]
    list_filter = ["status", "priority", "skill", "service_point"]
    date_hierarchy = "issued_at"
    search_fields = ["number"]
    list_select_related = ["service_point", "counter"]
    exclude = ["phone"]


@admin.register(CounterSession)
class CounterSessionAdmin(ReadOnlyAdmin):
    list_display = ["counter", "officer", "opened_at", "closed_at"]
    list_filter = ["counter__service_point"]
    list_select_related = ["counter", "counter__service_point", "officer"]


@admin.register(WaitCorrection)
class WaitCorrectionAdmin(ReadOnlyAdmin):
    list_display = ["service_point", "skill", "factor", "samples", "computed_at"]
    list_filter = ["skill", "service_point"]
