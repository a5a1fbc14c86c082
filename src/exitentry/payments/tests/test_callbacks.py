from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest

from exitentry.audit.models import AuditEvent
from exitentry.payments.gateways.sandbox import SandboxGateway
from exitentry.payments.models import Order, OrderStatus, Payment, PaymentOutcome, Refund, RefundStatus
from exitentry.payments.tests.conftest import signed_callback

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("monday_10")]

EN = {"Accept-Language": "en"}


def test_signed_callback_marks_the_order_paid_and_calls_the_handler_once(
    make_order: Any, handlers: Any, post_callback: Any
) -> None:
    order = make_order()
    headers, body = signed_callback(order)

    response = post_callback(headers, body)

    assert response.status_code == 200
    assert response.json() == {
        "received": True,
        "order": order.number,
        "order_status": "paid",
        "outcome": "applied",
        "transaction_id": SandboxGateway("wechat_pay").transaction_id(order.number, succeeded=True),
        "replayed": False,
    }
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.paid_at == dt.datetime(2026, 9, 21, 2, 0, tzinfo=dt.UTC)
    payment = Payment.objects.get()
    assert (payment.order_id, payment.amount, payment.outcome) == (order.pk, Decimal("180.00"), "applied")
    assert payment.raw_callback["order_number"] == order.number
    assert handlers.paid == [order.number]
    assert AuditEvent.objects.filter(action="payments.order_paid", object_id=str(order.pk)).count() == 1


def test_replayed_callback_answers_the_same_and_applies_nothing_twice(
    make_order: Any, handlers: Any, post_callback: Any
) -> None:
    order = make_order()
    first = post_callback(*signed_callback(order))
    # The gateway retries: the same transaction, freshly signed, and the very same message again.
    again = post_callback(*signed_callback(order))
    headers, body = signed_callback(order)
    post_callback(headers, body)
    exact = post_callback(headers, body)

    assert first.status_code == again.status_code == exact.status_code == 200
    assert {**first.json(), "replayed": True} == again.json() == exact.json()
    assert Payment.objects.count() == 1
    assert handlers.paid == [order.number]
    assert AuditEvent.objects.filter(action="payments.order_paid").count() == 1


def test_callback_with_a_bad_signature_is_refused_and_audited(
    make_order: Any, handlers: Any, post_callback: Any
) -> None:
    order = make_order()
    headers, body = signed_callback(order)
    forged = body.replace(b'"amount":"180.00"', b'"amount":"1.00"')

    response = post_callback(headers, forged, gateway="wechat_pay")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_signature"
    order.refresh_from_db()
    assert order.status == OrderStatus.CREATED
    assert Payment.objects.count() == 0
    assert handlers.paid == []
    event = AuditEvent.objects.get(action="payments.callback_rejected")
    assert (event.object_type, event.object_id, event.actor_label) == (
        "payments.gateway",
        "wechat_pay",
        "gateway:wechat_pay",
    )
    assert event.summary["code"] == "invalid_signature"
    assert event.summary["details"] == {"reason": "mismatch"}


def test_callback_without_signature_headers_is_refused(make_order: Any, post_callback: Any) -> None:
    order = make_order()
    _headers, body = signed_callback(order)

    response = post_callback({}, body)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_signature"
    assert response.json()["details"] == {"reason": "missing_headers"}


def test_callback_signed_for_another_gateway_is_refused(make_order: Any, post_callback: Any) -> None:
    order = make_order()

    response = post_callback(*signed_callback(order, gateway="wechat_pay"), gateway="alipay")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_signature"


def test_callback_signed_too_long_ago_is_refused(make_order: Any, post_callback: Any, monday_10: Any) -> None:
    order = make_order()
    headers, body = signed_callback(order)
    monday_10.shift(dt.timedelta(minutes=6))

    response = post_callback(headers, body)

    assert response.status_code == 400
    assert response.json()["details"] == {"reason": "stale_timestamp"}


def test_callback_with_the_wrong_amount_is_refused_and_not_applied(
    make_order: Any, handlers: Any, post_callback: Any
) -> None:
    order = make_order()

    response = post_callback(*signed_callback(order, amount=Decimal("18.00")))

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "amount_mismatch"
    assert body["details"] == {
        "order": order.number,
        "expected": "180.00",
        "received": "18.00",
        "currency": "CNY",
    }
    order.refresh_from_db()
    assert order.status == OrderStatus.CREATED
    assert Payment.objects.count() == 0
    assert handlers.paid == []
    event = AuditEvent.objects.get(action="payments.callback_rejected")
    assert event.summary["code"] == "amount_mismatch"


def test_refusals_are_explained_in_the_callers_language(make_order: Any, client: Any) -> None:
    order = make_order()
    headers, body = signed_callback(order, amount=Decimal("1.00"))

    response = client.post(
        "/api/v1/payments/callbacks/wechat_pay",
        body,
        content_type="application/json",
        headers={**headers, **EN},
    )

    assert response.json()["message"] == "The amount paid does not match the amount of the order."


def test_callback_for_an_unknown_order_is_404(make_order: Any, post_callback: Any) -> None:
    order = make_order()
    order.number = "P20260921NOSUCHONE"

    response = post_callback(*signed_callback(order))

    assert response.status_code == 404
    assert response.json()["code"] == "order_not_found"


def test_unknown_gateway_and_the_counter_take_no_callbacks(make_order: Any, post_callback: Any) -> None:
    order = make_order()
    headers, body = signed_callback(order)

    assert post_callback(headers, body, gateway="paypal").json()["code"] == "unknown_gateway"
    counter = post_callback(headers, body, gateway="counter")
    assert counter.status_code == 404
    assert counter.json()["code"] == "callbacks_not_accepted"


def test_signed_but_unreadable_callback_is_refused(post_callback: Any) -> None:
    gateway = SandboxGateway("wechat_pay")
    body = json.dumps({"event": "payment.succeeded", "amount": "lots"}).encode()

    response = post_callback(gateway.sign(body), body)

    assert response.status_code == 400
    assert response.json()["code"] == "malformed_callback"


def test_failed_payment_marks_the_order_failed_and_it_can_still_be_paid(
    make_order: Any, handlers: Any, post_callback: Any
) -> None:
    order = make_order()

    failed = post_callback(*signed_callback(order, succeeded=False))
    order.refresh_from_db()
    assert failed.json()["outcome"] == "failed"
    assert order.status == OrderStatus.FAILED
    assert handlers.paid == []

    paid = post_callback(*signed_callback(order))
    order.refresh_from_db()
    assert paid.json()["outcome"] == "applied"
    assert order.status == OrderStatus.PAID
    assert handlers.paid == [order.number]


def test_payment_after_the_deadline_is_recorded_and_returned(
    make_order: Any,
    handlers: Any,
    post_callback: Any,
    monday_10: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    order = make_order()
    monday_10.shift(dt.timedelta(days=7, seconds=1))
    headers, body = signed_callback(order)

    with django_capture_on_commit_callbacks(execute=True):
        response = post_callback(headers, body)

    assert response.status_code == 200
    assert response.json()["outcome"] == "refunded"
    assert response.json()["order_status"] == "expired"
    order.refresh_from_db()
    assert order.status == OrderStatus.EXPIRED
    assert handlers.expired == [order.number]
    assert handlers.paid == []
    payment = Payment.objects.get()
    assert payment.outcome == PaymentOutcome.REFUNDED
    refund = Refund.objects.get()
    assert (refund.payment_id, refund.amount, refund.line_id) == (payment.pk, Decimal("180.00"), None)
    assert refund.status == RefundStatus.SUCCEEDED
    assert refund.gateway_refund_id.startswith("SBR")


def test_a_second_payment_for_a_paid_order_is_returned(
    make_order: Any, handlers: Any, post_callback: Any, django_capture_on_commit_callbacks: Any
) -> None:
    order = make_order()
    post_callback(*signed_callback(order, gateway="wechat_pay"), gateway="wechat_pay")

    with django_capture_on_commit_callbacks(execute=True):
        second = post_callback(*signed_callback(order, gateway="alipay"), gateway="alipay")

    assert second.json()["outcome"] == "refunded"
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert handlers.paid == [order.number]
    assert list(Payment.objects.order_by("pk").values_list("gateway", "outcome")) == [
        ("wechat_pay", "applied"),
        ("alipay", "refunded"),
    ]
    assert Refund.objects.get().status == RefundStatus.SUCCEEDED
    assert Order.objects.get().refunded_amount == Decimal("0.00")
