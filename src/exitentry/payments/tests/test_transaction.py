"""The payment and the subject's change commit together or not at all (a real transaction)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from exitentry.audit.models import AuditEvent
from exitentry.audit.services import record_event
from exitentry.payments import registry
from exitentry.payments.models import Order, OrderStatus, Payment
from exitentry.payments.tests.conftest import SUBJECT, signed_callback

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("reference_data", "monday_10"),
]


class PowerCut(Exception):
    pass


@pytest.fixture
def crashing_subject() -> Iterator[dict[str, bool]]:
    """The subject moves its items to paid (an audit row stands for that), then, while `crash`
    is set, the process dies before the transaction commits."""
    state = {"crash": True}

    def items_paid(order: Order) -> None:
        record_event("test.items_paid", actor="payments", obj=order)
        if state["crash"]:
            raise PowerCut("between the payment and the subject")

    registry.on_order_paid(SUBJECT, items_paid)
    yield state
    registry.unregister(SUBJECT, items_paid)


def test_a_crash_between_payment_and_handler_leaves_nothing_half_done(
    make_order: Any, post_callback: Any, crashing_subject: dict[str, bool]
) -> None:
    order = make_order()
    assert not transaction.get_connection().in_atomic_block  # the test itself holds no transaction
    headers, body = signed_callback(order)

    crashed = post_callback(headers, body)

    assert crashed.status_code == 500
    assert crashed.json()["code"] == "server_error"
    order.refresh_from_db()
    assert order.status == OrderStatus.CREATED
    assert order.paid_at is None
    assert Payment.objects.count() == 0
    assert not AuditEvent.objects.filter(action__in=["payments.order_paid", "test.items_paid"]).exists()

    # The gateway delivers the same callback again once the fault is gone: applied exactly once.
    crashing_subject["crash"] = False
    retried = post_callback(*signed_callback(order))

    assert retried.status_code == 200
    assert retried.json()["outcome"] == "applied"
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert Payment.objects.count() == 1
    assert AuditEvent.objects.filter(action="payments.order_paid").count() == 1
    assert AuditEvent.objects.filter(action="test.items_paid").count() == 1
