from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from exitentry.audit.admin import AccessLoggedAdmin
from exitentry.foreigners.models import (
    ForeignerCase,
    ForeignPassport,
    HalfApproval,
    ItemAuthority,
    PortVisa,
    PortVisaReason,
    WorkPermit,
)


@admin.register(WorkPermit)
class WorkPermitAdmin(admin.ModelAdmin):
    list_display = ("number", "category", "employer_name", "valid_from", "valid_to", "status")
    list_filter = ("category", "status")
    search_fields = ("number", "employer_name")
    raw_id_fields = ("person", "employer", "issued_for")


@admin.register(ForeignPassport)
class ForeignPassportAdmin(AccessLoggedAdmin):
    list_display = ("nationality", "masked_number", "surname", "expiry_date")
    # The number is encrypted: found by the whole number only (through its digest).
    search_fields = ("=number", "surname")
    raw_id_fields = ("person",)

    @admin.display(description=_("passport number"))
    def masked_number(self, obj: ForeignPassport) -> str:
        return obj.masked_number


@admin.register(ForeignerCase)
class ForeignerCaseAdmin(admin.ModelAdmin):
    list_display = ("application", "kind", "employer_name", "outcome", "decided_at")
    list_filter = ("kind", "outcome")
    raw_id_fields = ("application", "passport", "employer")
    readonly_fields = ("outcome", "outcome_reason", "decided_at", "result_notified_at")


@admin.register(ItemAuthority)
class ItemAuthorityAdmin(admin.ModelAdmin):
    list_display = ("document_type", "role")


@admin.register(PortVisaReason)
class PortVisaReasonAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "is_active", "sort_order")


@admin.register(PortVisa)
class PortVisaAdmin(admin.ModelAdmin):
    list_display = ("service_point", "passport", "status", "number", "valid_until")
    list_filter = ("status", "service_point")
    raw_id_fields = ("passport", "applied_by", "decided_by")
    readonly_fields = ("status", "number", "decided_at", "decided_by")


@admin.register(HalfApproval)
class HalfApprovalAdmin(admin.ModelAdmin):
    list_display = ("item", "approved_by", "approved_at")
    raw_id_fields = ("item", "approved_by")
