"""The payment gateway interface. Each channel's implementation is chosen in settings.

A gateway does three things for us:
- `create_payment(order, ...)` asks it for the place where the payer pays: a URL to open on the
  phone and the content of the QR code to scan;
- `verify_callback(headers, body)` checks that a callback really comes from it (signature) and
  reads it into a `CallbackEvent`; anything it cannot trust raises `InvalidSignature`;
- `refund(payment, amount, reference=...)` returns money; the reference is our refund number,
  which a gateway uses to make a repeated refund request harmless.

`settings.PAYMENT_GATEWAYS` maps each channel to a dotted class path; the class is constructed
with the channel code.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from exitentry.core.errors import DomainError, NotFound

if TYPE_CHECKING:
    from exitentry.payments.models import Order, Payment


class InvalidSignature(DomainError):
    status = 400
    code = "invalid_signature"
    default_message = _("The callback signature could not be verified.")


class MalformedCallback(DomainError):
    status = 400
    code = "malformed_callback"
    default_message = _("The callback could not be read.")


class UnknownGateway(NotFound):
    code = "unknown_gateway"
    default_message = _("There is no such payment service.")


class CallbacksNotAccepted(NotFound):
    code = "callbacks_not_accepted"
    default_message = _("This payment service does not send callbacks.")


@dataclass(frozen=True)
class PaymentRequest:
    """Where the payer pays: `url` opens on this device, `qr_payload` is scanned with another."""

    url: str
    qr_payload: str


@dataclass(frozen=True)
class CallbackEvent:
    """A verified message from a gateway about one transaction."""

    gateway: str
    transaction_id: str
    order_number: str
    amount: Decimal
    currency: str
    succeeded: bool
    occurred_at: dt.datetime
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RefundResult:
    refund_id: str
    succeeded: bool
    message: str = ""


class PaymentGateway(ABC):
    accepts_callbacks: bool = True

    def __init__(self, code: str) -> None:
        self.code = code

    @abstractmethod
    def create_payment(self, order: Order, *, notify_url: str, return_url: str) -> PaymentRequest: ...

    @abstractmethod
    def verify_callback(self, headers: Mapping[str, str], body: bytes) -> CallbackEvent: ...

    @abstractmethod
    def refund(self, payment: Payment, amount: Decimal, *, reference: str) -> RefundResult: ...


def get_gateway(code: str) -> PaymentGateway:
    path = settings.PAYMENT_GATEWAYS.get(code)
    if not path:
        raise UnknownGateway(gateway=code)
    gateway = import_string(path)(code)
    assert isinstance(gateway, PaymentGateway)
    return gateway
