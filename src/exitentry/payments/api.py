"""Payments API, mounted at /api/v1/payments.

`POST /callbacks/{gateway}` is called by the payment services themselves (no account; the
signature is the authentication). The other endpoints serve the payer and the staff.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ninja import Router
from ninja.responses import Status

from exitentry.accounts.auth import api_auth
from exitentry.accounts.models import User
from exitentry.accounts.services import require_role
from exitentry.core.schemas import ErrorOut
from exitentry.payments import services
from exitentry.payments.models import Order, Refund
from exitentry.payments.schemas import (
    CallbackOut,
    CounterPaymentIn,
    OrderLineOut,
    OrderOut,
    PaymentOut,
    PaymentStartOut,
    RefundIn,
    RefundOut,
)


def _caller(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user


router = Router(tags=["payments"])


def public_base_url(request: HttpRequest) -> str:
    """Where gateways and payers reach this site: the configured address, else this request's."""
    return settings.PAYMENTS_PUBLIC_BASE_URL or request.build_absolute_uri("/")


def refund_out(refund: Refund) -> RefundOut:
    return RefundOut(
        number=refund.number,
        amount=refund.amount,
        reason=refund.reason,
        status=refund.status,
        line=refund.line.position if refund.line is not None else None,
        created_at=refund.created_at,
        completed_at=refund.completed_at,
    )


def order_out(order: Order) -> OrderOut:
    return OrderOut(
        number=order.number,
        status=order.status,
        status_label=str(order.get_status_display()),
        channel=order.channel,
        subject_type=order.subject_type,
        subject_id=order.subject_id,
        amount=order.amount,
        refunded_amount=order.refunded_amount,
        currency=order.currency,
        expires_at=order.expires_at,
        created_at=order.created_at,
        paid_at=order.paid_at,
        lines=[
            OrderLineOut(
                position=line.position,
                description=line.description,
                reference=line.reference,
                amount=line.amount,
                refunded_amount=line.refunded_amount,
            )
            for line in order.lines.order_by("position")
        ],
        payments=[
            PaymentOut(
                gateway=payment.gateway,
                transaction_id=payment.gateway_transaction_id,
                amount=payment.amount,
                outcome=payment.outcome,
                method=payment.method,
                verified_at=payment.verified_at,
            )
            for payment in order.payments.order_by("verified_at", "pk")
        ],
        refunds=[refund_out(refund) for refund in order.refunds.select_related("line").order_by("pk")],
    )


@router.post(
    "/callbacks/{gateway}",
    response={200: CallbackOut, 400: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    url_name="payments_callback",
)
def callback(request: HttpRequest, gateway: str) -> CallbackOut:
    """A payment service reports a transaction. The body and headers are the gateway's own format
    (the sandbox: JSON signed with HMAC-SHA256 in `X-Sandbox-Signature`).

    400 `invalid_signature` / `malformed_callback` (logged and audited); 404 `order_not_found`,
    `unknown_gateway`; 409 `amount_mismatch` (the payment is not applied). A replay of the same
    transaction answers 200 with the same outcome and changes nothing.
    """
    outcome = services.handle_callback(gateway, dict(request.headers), request.body, request=request)
    return CallbackOut(
        received=True,
        order=outcome.order_number,
        order_status=outcome.order_status,
        outcome=outcome.outcome,
        transaction_id=outcome.transaction_id,
        replayed=outcome.replayed,
    )


@router.get("/orders", response={200: list[OrderOut], 401: ErrorOut}, auth=api_auth)
def my_orders(request: HttpRequest) -> list[OrderOut]:
    """The caller's payment orders, newest first."""
    orders = services.orders_visible_to(_caller(request))[:100]
    return [order_out(order) for order in orders]


@router.get("/orders/{number}", response={200: OrderOut, 401: ErrorOut, 404: ErrorOut}, auth=api_auth)
def order_detail(request: HttpRequest, number: str) -> OrderOut:
    """One order of the caller's (staff see every order; anyone else gets 404)."""
    return order_out(services.order_for(_caller(request), number))


@router.post(
    "/orders/{number}/pay",
    response={200: PaymentStartOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    auth=api_auth,
)
def start_payment(request: HttpRequest, number: str, channel: str | None = None) -> PaymentStartOut:
    """Where to pay: a URL to open on this device and a QR code to scan. The order becomes
    `pending`; asking again gives the same answer. `?channel=alipay` (or `wechat_pay`,
    `unionpay`) switches an unpaid order to that service. 409 `order_not_payable`, `order_expired`."""
    order = services.order_for(_caller(request), number)
    payment = services.start_payment(
        order, actor=_caller(request), base_url=public_base_url(request), channel=channel, request=request
    )
    return PaymentStartOut(
        order=order.number,
        status=order.status,
        payment_url=payment.url,
        qr_payload=payment.qr_payload,
        expires_at=order.expires_at,
    )


@router.post(
    "/orders/{number}/counter-payments",
    response={201: OrderOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    auth=api_auth,
)
def counter_payment(request: HttpRequest, number: str, payload: CounterPaymentIn) -> Status[OrderOut]:
    """An officer records cash (`cash`) or card (`card`) taken at the counter against a receipt
    number; the same receipt number again changes nothing. 409 `amount_mismatch`,
    `order_not_payable`, `order_expired`, `receipt_number_reused`."""
    officer = require_role(_caller(request), *services.COUNTER_ROLES)
    order = services.order_for(officer, number)
    services.record_counter_payment(
        order,
        officer=officer,
        amount=payload.amount,
        method=payload.method,
        receipt_number=payload.receipt_number,
        request=request,
    )
    return Status(201, order_out(order))


@router.post(
    "/orders/{number}/refunds",
    response={201: OrderOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    auth=api_auth,
)
def refund(request: HttpRequest, number: str, payload: RefundIn) -> Status[OrderOut]:
    """Refund a paid order, whole or the lines with the given references. 409
    `order_not_refundable`, `nothing_to_refund`."""
    staff = require_role(_caller(request), *services.REFUND_ROLES)
    order = services.order_for(staff, number)
    services.refund_order(order, reason=payload.reason, actor=staff, lines=payload.lines, request=request)
    return Status(201, order_out(order))
