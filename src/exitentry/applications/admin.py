"""Applications in the admin: for looking things up only.

Every change to an application goes through services.py (transition table, events, audit), so
the admin shows applications, items, their events and SLA flags but cannot add, change or delete
them.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from exitentry.applications.models import (
    Application,
    ApplicationItem,
    ItemEvent,
    Shipment,
    ShipmentEvent,
    SlaFlag,
)
from exitentry.core.masking import mask_id_number


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ItemInline(admin.TabularInline):
    model = ApplicationItem
    fields = ("service_code", "entries", "fee", "status", "accepted_on", "promised_date")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    list_display = (
        "number",
        "masked_id_number",
        "channel",
        "priority",
        "service_point",
        "submitted_at",
        "accepted_at",
    )
    list_filter = ("channel", "priority", "zero_visit", "permit_by_mail", "service_point")
    search_fields = ("number",)
    date_hierarchy = "submitted_at"
    exclude = ("id_number", "request_fingerprint")
    inlines = [ItemInline]

    @admin.display(description=_("resident ID number"))
    def masked_id_number(self, application: Application) -> str:
        return mask_id_number(application.id_number)


class EventInline(admin.TabularInline):
    model = ItemEvent
    fields = ("at", "from_status", "to_status", "action", "actor_label", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ApplicationItem)
class ApplicationItemAdmin(ReadOnlyAdmin):
    list_display = ("application", "service_code", "status", "promised_date")
    list_filter = ("status", "document_type")
    search_fields = ("application__number",)
    inlines = [EventInline]


@admin.register(SlaFlag)
class SlaFlagAdmin(ReadOnlyAdmin):
    list_display = ("item", "level", "promised_date", "used_percent", "flagged_at")
    list_filter = ("level",)


class ShipmentEventInline(admin.TabularInline):
    model = ShipmentEvent
    fields = ("at", "code", "location", "received_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Shipment)
class ShipmentAdmin(ReadOnlyAdmin):
    """Parcels both ways: documents sent to applicants, permits sent in for endorsements."""

    list_display = ("tracking_number", "courier", "direction", "status", "item", "booked_at", "delivered_at")
    list_filter = ("direction", "status", "courier")
    search_fields = ("tracking_number", "item__application__number")
    inlines = [ShipmentEventInline]
