"""Paying at a service hall counter, in cash or by bank card.

There is no outside service: an officer takes the money and records it
(`services.record_counter_payment`, audited), and hands money back for a refund. So this gateway
sends no callbacks; its "payment request" is the order number as a QR code for the officer to scan.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from exitentry.payments.gateways.base import (
    CallbackEvent,
    CallbacksNotAccepted,
    PaymentGateway,
    PaymentRequest,
    RefundResult,
)
from exitentry.payments.models import Order, Payment


class CounterGateway(PaymentGateway):
    accepts_callbacks = False

    def create_payment(self, order: Order, *, notify_url: str, return_url: str) -> PaymentRequest:
        return PaymentRequest(url="", qr_payload=order.number)

    def verify_callback(self, headers: Mapping[str, str], body: bytes) -> CallbackEvent:
        raise CallbacksNotAccepted(gateway=self.code)

    def refund(self, payment: Payment, amount: Decimal, *, reference: str) -> RefundResult:
        # The money is handed back at the counter against the refund number.
        return RefundResult(refund_id=f"counter-{reference}", succeeded=True)
