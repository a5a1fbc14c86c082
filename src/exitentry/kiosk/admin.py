from __future__ import annotations

from django.contrib import admin

from exitentry.kiosk.models import InstantEndorsement, InstantEndorsementRule, KioskDevice, KioskPolicy


@admin.register(KioskPolicy)
class KioskPolicyAdmin(admin.ModelAdmin):
    list_display = (
        "effective_from",
        "default_idle_timeout_seconds",
        "offline_after_minutes",
        "payment_wait_seconds",
        "stuck_after_minutes",
    )


@admin.register(InstantEndorsementRule)
class InstantEndorsementRuleAdmin(admin.ModelAdmin):
    list_display = ("endorsement_type", "basis", "effective_from", "effective_to")


@admin.register(KioskDevice)
class KioskDeviceAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "service_point",
        "status",
        "last_heartbeat_at",
        "idle_timeout_seconds",
        "is_active",
    )
    list_filter = ("status", "is_active")
    readonly_fields = ("token_hash", "token_hint", "status", "last_heartbeat_at", "created_at", "updated_at")
    fields = (
        "code",
        "name",
        "service_point",
        "idle_timeout_seconds",
        "is_active",
        "status",
        "last_heartbeat_at",
        "token_hint",
        "token_hash",
        "created_at",
        "updated_at",
    )

    def has_add_permission(self, request: object) -> bool:
        return False  # devices are registered on the kiosk page, which issues the token


@admin.register(InstantEndorsement)
class InstantEndorsementAdmin(admin.ModelAdmin):
    list_display = ("number", "device", "endorsement_type", "status", "failure_code", "fee", "created_at")
    list_filter = ("status", "failure_code")
    readonly_fields = [field.name for field in InstantEndorsement._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
