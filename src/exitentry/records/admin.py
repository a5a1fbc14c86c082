from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from exitentry.records.models import Certificate, Port, TravelRecord


@admin.register(Port)
class PortAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]


@admin.register(TravelRecord)
class TravelRecordAdmin(admin.ModelAdmin):
    list_display = ["person", "crossed_on", "direction", "port", "document_type"]
    list_filter = ["direction", "port"]
    raw_id_fields = ["person"]
    date_hierarchy = "crossed_on"


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = ["code", "person", "period_from", "period_to", "channel", "issued_at"]
    list_filter = ["channel"]
    raw_id_fields = ["person", "issued_by"]
    readonly_fields = [field.name for field in Certificate._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
