"""A sandbox gateway for WeChat Pay, Alipay and UnionPay: no money moves, the code path is real.

It behaves like the real services where it matters to us:
- `create_payment` returns the address of the sandbox cashier (our page standing in for the
  gateway's), carrying a token signed with the sandbox secret so nobody can alter the amount or
  the address the callback goes to;
- when the payer presses "Pay now" there, the cashier signs a callback with HMAC-SHA256 and POSTs
  it over HTTP to the notify address, `POST /api/v1/payments/callbacks/{gateway}`, exactly as a
  gateway's server would; the endpoint verifies it with `verify_callback`;
- the transaction id is derived from the order, so paying twice for one order is the same
  transaction (as at a real gateway, which refuses a second payment for one merchant order).

Signature (modelled on WeChat Pay API v3): headers `X-Sandbox-Timestamp` (Unix seconds),
`X-Sandbox-Nonce` and `X-Sandbox-Signature: v1=<hex>`, where the hex is
HMAC-SHA256(secret, "<gateway>\\n<timestamp>\\n<nonce>\\n" + body). A timestamp further than
`PAYMENTS_CALLBACK_TOLERANCE_SECONDS` from now is refused, so an old message cannot be replayed
with a new meaning; the transaction id makes an exact replay harmless anyway.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

from django.conf import settings
from django.core import signing
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils.dateparse import parse_datetime

from exitentry.core import clock
from exitentry.payments.gateways.base import (
    CallbackEvent,
    InvalidSignature,
    MalformedCallback,
    PaymentGateway,
    PaymentRequest,
    RefundResult,
)
from exitentry.payments.models import Order, Payment

TIMESTAMP_HEADER = "X-Sandbox-Timestamp"
NONCE_HEADER = "X-Sandbox-Nonce"
SIGNATURE_HEADER = "X-Sandbox-Signature"
SIGNATURE_VERSION = "v1"
TOKEN_SALT = "exitentry.payments.sandbox.cashier"
SUCCEEDED = "payment.succeeded"
FAILED = "payment.failed"
DELIVERY_TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class CashierTicket:
    """What the sandbox cashier page knows about a payment, read from its signed token."""

    gateway: str
    order_number: str
    amount: Decimal
    notify_url: str
    return_url: str


@dataclass(frozen=True)
class Delivery:
    status: int
    body: str


def post_callback(url: str, headers: Mapping[str, str], body: bytes) -> Delivery:
    """POST a callback over HTTP, as a gateway's server does; 4xx/5xx answers are returned too."""
    if urlsplit(url).scheme not in {"http", "https"}:
        raise ValueError(f"refusing to deliver a callback to {url!r}")
    request = urllib.request.Request(  # noqa: S310  (scheme checked above)
        url, data=body, method="POST", headers={"Content-Type": "application/json", **headers}
    )
    try:
        with urllib.request.urlopen(request, timeout=DELIVERY_TIMEOUT_SECONDS) as response:  # noqa: S310
            return Delivery(status=response.status, body=response.read().decode("utf-8", "replace"))
    except urllib.error.HTTPError as error:
        return Delivery(status=error.code, body=error.read().decode("utf-8", "replace"))


class SandboxGateway(PaymentGateway):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        secret = settings.PAYMENTS_SANDBOX_SECRET
        if not secret:
            raise ImproperlyConfigured("PAYMENTS_SANDBOX_SECRET must be set to use the sandbox gateway")
        self._secret = secret.encode()

    # --- signing ------------------------------------------------------------------------------

    def _signature(self, timestamp: str, nonce: str, body: bytes) -> str:
        message = f"{self.code}\n{timestamp}\n{nonce}\n".encode() + body
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def sign(self, body: bytes) -> dict[str, str]:
        timestamp = str(int(clock.now().timestamp()))
        nonce = secrets.token_hex(16)
        return {
            TIMESTAMP_HEADER: timestamp,
            NONCE_HEADER: nonce,
            SIGNATURE_HEADER: f"{SIGNATURE_VERSION}={self._signature(timestamp, nonce, body)}",
        }

    def transaction_id(self, order_number: str, *, succeeded: bool) -> str:
        outcome = "paid" if succeeded else "failed"
        digest = hmac.new(self._secret, f"{self.code}:{order_number}:{outcome}".encode(), hashlib.sha256)
        return f"SB{self.code[:2].upper()}{digest.hexdigest()[:26].upper()}"

    def callback(
        self, order_number: str, amount: Decimal, *, succeeded: bool
    ) -> tuple[dict[str, str], bytes]:
        """The headers and body of the callback this gateway sends for one payment attempt."""
        body = json.dumps(
            {
                "id": secrets.token_hex(12),
                "event": SUCCEEDED if succeeded else FAILED,
                "transaction_id": self.transaction_id(order_number, succeeded=succeeded),
                "order_number": order_number,
                "amount": f"{amount:.2f}",
                "currency": "CNY",
                "occurred_at": clock.now().isoformat(),
            },
            separators=(",", ":"),
        ).encode()
        return self.sign(body), body

    # --- the gateway interface ----------------------------------------------------------------

    def create_payment(self, order: Order, *, notify_url: str, return_url: str) -> PaymentRequest:
        token = signing.dumps(
            {
                "g": self.code,
                "o": order.number,
                "a": f"{order.amount:.2f}",
                "n": notify_url,
                "r": return_url,
            },
            key=self._secret.decode(),
            salt=TOKEN_SALT,
            compress=True,
        )
        path = reverse("payments:sandbox_cashier", args=[self.code])
        url = urljoin(return_url, path) + "?" + urlencode({"t": token})
        return PaymentRequest(url=url, qr_payload=url)

    def verify_callback(self, headers: Mapping[str, str], body: bytes) -> CallbackEvent:
        lowered = {key.lower(): value for key, value in headers.items()}
        timestamp = lowered.get(TIMESTAMP_HEADER.lower(), "")
        nonce = lowered.get(NONCE_HEADER.lower(), "")
        signature = lowered.get(SIGNATURE_HEADER.lower(), "")
        version, _sep, digest = signature.partition("=")
        if not (timestamp.isdigit() and nonce and version == SIGNATURE_VERSION and digest):
            raise InvalidSignature(reason="missing_headers")
        if not hmac.compare_digest(digest, self._signature(timestamp, nonce, body)):
            raise InvalidSignature(reason="mismatch")
        age = abs(clock.now().timestamp() - int(timestamp))
        if age > settings.PAYMENTS_CALLBACK_TOLERANCE_SECONDS:
            raise InvalidSignature(reason="stale_timestamp")
        return self._parse(body)

    def _parse(self, body: bytes) -> CallbackEvent:
        try:
            data = json.loads(body)
            event = data["event"]
            amount = Decimal(str(data["amount"]))
            occurred_at = parse_datetime(str(data["occurred_at"]))
            transaction_id = str(data["transaction_id"])
            order_number = str(data["order_number"])
            currency = str(data["currency"])
        except (ValueError, KeyError, TypeError, InvalidOperation) as error:
            raise MalformedCallback() from error
        if (
            event not in {SUCCEEDED, FAILED}
            or occurred_at is None
            or occurred_at.tzinfo is None
            or not amount.is_finite()
            or not 0 < len(transaction_id) <= 64
            or not 0 < len(order_number) <= 32
        ):
            raise MalformedCallback()
        return CallbackEvent(
            gateway=self.code,
            transaction_id=transaction_id,
            order_number=order_number,
            amount=amount,
            currency=currency,
            succeeded=event == SUCCEEDED,
            occurred_at=occurred_at,
            raw=data,
        )

    def refund(self, payment: Payment, amount: Decimal, *, reference: str) -> RefundResult:
        # The sandbox returns money at once; the id is derived from our reference, so asking
        # twice for the same refund gives the same answer.
        digest = hmac.new(self._secret, f"{self.code}:refund:{reference}".encode(), hashlib.sha256)
        return RefundResult(refund_id=f"SBR{digest.hexdigest()[:24].upper()}", succeeded=True)

    # --- the sandbox cashier ------------------------------------------------------------------

    def read_ticket(self, token: str) -> CashierTicket:
        """The payment behind a cashier token; a forged or damaged token raises `BadSignature`."""
        data: dict[str, Any] = signing.loads(token, key=self._secret.decode(), salt=TOKEN_SALT)
        if data.get("g") != self.code:
            raise signing.BadSignature("token for another gateway")
        return CashierTicket(
            gateway=self.code,
            order_number=str(data["o"]),
            amount=Decimal(str(data["a"])),
            notify_url=str(data["n"]),
            return_url=str(data["r"]),
        )

    def pay(self, ticket: CashierTicket, *, succeeded: bool) -> Delivery:
        """What the gateway's server does once the payer confirms (or declines): tell the merchant."""
        headers, body = self.callback(ticket.order_number, ticket.amount, succeeded=succeeded)
        return post_callback(ticket.notify_url, headers, body)
