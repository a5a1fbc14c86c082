"""Concurrent deliveries on PostgreSQL: many copies of one callback apply the payment once."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from exitentry.audit.models import AuditEvent
from exitentry.payments import services
from exitentry.payments.models import OrderStatus, Payment
from exitentry.payments.tests.conftest import signed_callback

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("reference_data", "monday_10"),
]


def _race(count: int, work: Callable[[int], str]) -> Counter[str]:
    start_line = threading.Barrier(count)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(index: int) -> None:
        try:
            start_line.wait()
            result = work(index)
            with lock:
                outcomes.append(result)
        finally:
            connection.close()  # each thread had its own connection

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return Counter(outcomes)


def test_twelve_copies_of_one_callback_at_once_apply_the_payment_once(make_order: Any, handlers: Any) -> None:
    order = make_order()
    deliveries = [signed_callback(order) for _ in range(12)]

    outcomes = _race(
        12,
        lambda i: (
            "replayed" if services.handle_callback("wechat_pay", *deliveries[i]).replayed else "applied"
        ),
    )

    assert outcomes == {"applied": 1, "replayed": 11}
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert Payment.objects.count() == 1
    assert handlers.paid == [order.number]
    assert AuditEvent.objects.filter(action="payments.order_paid").count() == 1
