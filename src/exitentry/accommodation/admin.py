"""Admin: areas, hotels and their accounts, police assignments, the deadline policy.

Registrations are read-only here (lists masked, opening one is logged): they change only through
the services, which check transitions and write the audit trail.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from exitentry.accommodation.models import (
    Area,
    Hotel,
    HotelAccount,
    PoliceAssignment,
    Registration,
    RegistrationPolicy,
)
from exitentry.audit.admin import AccessLoggedAdmin


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ("code", "__str__")
    search_fields = ("code",)


class HotelAccountInline(admin.TabularInline):
    model = HotelAccount
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Hotel)
class HotelAdmin(admin.ModelAdmin):
    list_display = ("name", "area", "is_active")
    list_filter = ("area", "is_active")
    search_fields = ("name", "address")
    inlines = [HotelAccountInline]


@admin.register(PoliceAssignment)
class PoliceAssignmentAdmin(admin.ModelAdmin):
    list_display = ("user", "area")
    autocomplete_fields = ("user",)


@admin.register(RegistrationPolicy)
class RegistrationPolicyAdmin(admin.ModelAdmin):
    list_display = ("deadline_hours", "effective_from", "effective_to")


@admin.register(Registration)
class RegistrationAdmin(AccessLoggedAdmin):
    list_display = (
        "reference",
        "kind",
        "area",
        "masked_passport_number",
        "nationality",
        "arrived_at",
        "status",
    )
    list_filter = ("status", "kind", "area")
    # The passport number is encrypted: found by the whole number only (through its digest).
    search_fields = ("reference", "=passport_number")

    @admin.display(description=_("passport number"))
    def masked_passport_number(self, obj: Registration) -> str:
        return obj.masked_passport

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
