"""Read-only admin for payments: money changes only through the services (callbacks, counter,
refunds), each audited. A failed refund can be sent again from the refund list."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from exitentry.core.errors import DomainError
from exitentry.payments import services
from exitentry.payments.models import Order, OrderLine, Payment, Refund


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    readonly_fields = ("position", "description", "reference", "amount", "refunded_amount")
    fields = readonly_fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PaymentInline(admin.TabularInline):
    model = Payment
    extra = 0
    readonly_fields = (
        "gateway",
        "gateway_transaction_id",
        "amount",
        "outcome",
        "method",
        "verified_at",
        "recorded_by",
    )
    fields = readonly_fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = [
        "number",
        "status",
        "channel",
        "amount",
        "refunded_amount",
        "subject_type",
        "subject_id",
        "created_at",
        "expires_at",
    ]
    list_filter = ["status", "channel", "subject_type"]
    search_fields = ["number", "subject_id"]
    date_hierarchy = "created_at"
    inlines = [OrderLineInline, PaymentInline]
    raw_id_fields = ["payer", "payer_person"]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = [
        "gateway_transaction_id",
        "gateway",
        "order",
        "amount",
        "outcome",
        "method",
        "verified_at",
    ]
    list_filter = ["gateway", "outcome"]
    search_fields = ["gateway_transaction_id", "order__number"]
    date_hierarchy = "verified_at"


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ["number", "order", "amount", "status", "reason", "created_at", "completed_at"]
    list_filter = ["status"]
    search_fields = ["number", "order__number", "gateway_refund_id"]
    date_hierarchy = "created_at"
    actions = ["retry"]

    @admin.action(description=_("Send the chosen failed refunds again"))
    def retry(self, request: HttpRequest, queryset: QuerySet[Refund]) -> None:
        for refund in queryset:
            try:
                services.retry_refund(refund, actor=request.user, request=request)
            except DomainError as error:
                self.message_user(request, f"{refund.number}: {error.message}", messages.WARNING)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The list's action needs change permission; the form itself stays read-only.
        return obj is None and super(ReadOnlyAdmin, self).has_change_permission(request, obj)
