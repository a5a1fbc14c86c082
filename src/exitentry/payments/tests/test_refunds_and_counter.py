from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from exitentry.accounts.tests.factories import UserFactory
from exitentry.audit.models import AuditEvent
from exitentry.payments import services
from exitentry.payments.models import OrderStatus, Payment, Refund, RefundStatus
from exitentry.payments.tests.conftest import signed_callback

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("monday_10")]


@pytest.fixture
def paid_order(make_order: Any, post_callback: Any) -> Any:
    order = make_order()
    post_callback(*signed_callback(order))
    order.refresh_from_db()
    return order


def test_refunding_one_line_leaves_the_order_partly_refunded(
    paid_order: Any, officer: Any, handlers: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        refunds = services.refund_order(
            paid_order, reason="Application rejected", actor=officer, lines=["item:2"]
        )

    assert [(r.amount, r.line.reference) for r in refunds] == [(Decimal("60.00"), "item:2")]
    assert paid_order.status == OrderStatus.PARTIALLY_REFUNDED
    assert paid_order.refunded_amount == Decimal("60.00")
    refund = Refund.objects.get()
    assert (refund.status, refund.requested_by, refund.reason) == (
        RefundStatus.SUCCEEDED,
        officer,
        "Application rejected",
    )
    assert handlers.refunded == [(paid_order.number, [refund.number])]
    event = AuditEvent.objects.get(action="payments.order_refunded")
    assert event.summary["before"] == {"status": "paid", "refunded_amount": "0.00"}
    assert event.summary["after"] == {"status": "partially_refunded", "refunded_amount": "60.00"}
    assert AuditEvent.objects.filter(action="payments.refund_succeeded").count() == 1


def test_refunding_the_rest_refunds_the_order(paid_order: Any, officer: Any) -> None:
    services.refund_order(paid_order, reason="Rejected", actor=officer, lines=["item:2"])

    rest = services.refund_order(paid_order, reason="Withdrawn", actor=officer)

    assert [r.line.reference for r in rest] == ["item:1"]
    assert paid_order.status == OrderStatus.REFUNDED
    assert paid_order.refunded_amount == Decimal("180.00")


def test_a_line_is_never_refunded_twice(paid_order: Any, officer: Any) -> None:
    services.refund_order_line(
        order_number=paid_order.number, reference="item:1", reason="Withdrawn", requested_by=officer
    )

    with pytest.raises(services.NothingToRefund):
        services.refund_order(paid_order, reason="Again", actor=officer, lines=["item:1"])
    assert Refund.objects.count() == 1


def test_an_unpaid_order_cannot_be_refunded(make_order: Any, officer: Any) -> None:
    order = make_order()

    with pytest.raises(services.OrderNotRefundable):
        services.refund_order(order, reason="Rejected", actor=officer)


def test_refund_needs_a_reason_and_known_lines(paid_order: Any, officer: Any) -> None:
    with pytest.raises(services.InvalidInput):
        services.refund_order(paid_order, reason=" ", actor=officer)
    with pytest.raises(services.InvalidInput):
        services.refund_order(paid_order, reason="Rejected", actor=officer, lines=["item:9"])


def test_a_failed_refund_is_kept_for_a_retry(
    paid_order: Any, officer: Any, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from exitentry.payments.gateways.sandbox import SandboxGateway

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("gateway down")

    monkeypatch.setattr(SandboxGateway, "refund", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        services.refund_order(paid_order, reason="Rejected", actor=officer, lines=["item:1"])
    refund = Refund.objects.get()
    assert (refund.status, refund.last_error) == (RefundStatus.FAILED, "ConnectionError: gateway down")

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        services.retry_refund(refund, actor=officer)

    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUCCEEDED
    assert AuditEvent.objects.filter(action="payments.refund_retried").count() == 1


def test_an_officer_records_a_counter_payment(make_order: Any, officer: Any, handlers: Any, api: Any) -> None:
    from exitentry.accounts.tests.factories import PASSWORD

    order = make_order(channel="counter")
    api.login(officer.username, PASSWORD)
    body = {"amount": "180.00", "method": "cash", "receipt_number": "SD-2026-000123"}

    response = api.post(f"/payments/orders/{order.number}/counter-payments", body)
    again = api.post(f"/payments/orders/{order.number}/counter-payments", body)

    assert response.status_code == again.status_code == 201
    assert response.json()["status"] == "paid"
    assert response.json()["payments"] == [
        {
            "gateway": "counter",
            "transaction_id": "counter-SD-2026-000123",
            "amount": "180.00",
            "outcome": "applied",
            "method": "cash",
            "verified_at": "2026-09-21T02:00:00Z",
        }
    ]
    payment = Payment.objects.get()
    assert payment.recorded_by == officer
    assert handlers.paid == [order.number]
    event = AuditEvent.objects.get(action="payments.order_paid")
    assert event.actor == officer


def test_a_counter_payment_for_the_wrong_amount_is_refused(make_order: Any, officer: Any) -> None:
    order = make_order(channel="counter")

    with pytest.raises(services.AmountMismatch):
        services.record_counter_payment(
            order, officer=officer, amount="120.00", method="card", receipt_number="R-1"
        )
    assert Payment.objects.count() == 0


def test_only_officers_record_counter_payments(make_order: Any, payer: Any, api: Any) -> None:
    from exitentry.accounts.tests.factories import PASSWORD

    order = make_order(channel="counter")
    api.login(payer.username, PASSWORD)

    response = api.post(
        f"/payments/orders/{order.number}/counter-payments",
        {"amount": "180.00", "method": "cash", "receipt_number": "R-1"},
    )

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_one_receipt_number_cannot_pay_two_orders(make_order: Any, officer: Any) -> None:
    first = make_order(channel="counter")
    second = make_order(channel="counter", key="order-2", subject_id="A-2")
    services.record_counter_payment(
        first, officer=officer, amount="180.00", method="cash", receipt_number="R-1"
    )

    with pytest.raises(services.ReceiptNumberReused):
        services.record_counter_payment(
            second, officer=officer, amount="180.00", method="cash", receipt_number="R-1"
        )


def test_staff_refund_through_the_api(paid_order: Any, api: Any) -> None:
    from exitentry.accounts.tests.factories import PASSWORD

    supervisor = UserFactory(role="supervisor")
    api.login(supervisor.username, PASSWORD)

    response = api.post(
        f"/payments/orders/{paid_order.number}/refunds", {"reason": "Rejected", "lines": ["item:1"]}
    )

    assert response.status_code == 201
    assert response.json()["status"] == "partially_refunded"
    assert [(r["amount"], r["line"]) for r in response.json()["refunds"]] == [("120.00", 1)]
