from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Schema
from pydantic import Field


class CallbackOut(Schema):
    received: bool
    order: str
    order_status: str
    outcome: str
    transaction_id: str
    replayed: bool


class OrderLineOut(Schema):
    position: int
    description: str
    reference: str
    amount: Decimal
    refunded_amount: Decimal


class PaymentOut(Schema):
    gateway: str
    transaction_id: str
    amount: Decimal
    outcome: str
    method: str
    verified_at: dt.datetime


class RefundOut(Schema):
    number: str
    amount: Decimal
    reason: str
    status: str
    line: int | None
    created_at: dt.datetime
    completed_at: dt.datetime | None


class OrderOut(Schema):
    number: str
    status: str
    status_label: str
    channel: str
    subject_type: str
    subject_id: str
    amount: Decimal
    refunded_amount: Decimal
    currency: str
    expires_at: dt.datetime
    created_at: dt.datetime
    paid_at: dt.datetime | None
    lines: list[OrderLineOut]
    payments: list[PaymentOut]
    refunds: list[RefundOut]


class PaymentStartOut(Schema):
    order: str
    status: str
    payment_url: str
    qr_payload: str
    expires_at: dt.datetime


class CounterPaymentIn(Schema):
    amount: Decimal = Field(..., gt=0, max_digits=12, decimal_places=2)
    method: str = Field(..., min_length=1, max_length=10)
    receipt_number: str = Field(..., min_length=1, max_length=40)


class RefundIn(Schema):
    reason: str = Field(..., min_length=1, max_length=300)
    lines: list[str] | None = Field(
        None, max_length=50, description="References of the lines to refund; all lines when omitted."
    )
