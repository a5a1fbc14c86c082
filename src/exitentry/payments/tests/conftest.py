from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.apps import apps

from exitentry.accounts.tests.factories import UserFactory
from exitentry.payments import registry, services
from exitentry.payments.gateways.sandbox import SandboxGateway
from exitentry.payments.models import Order

# Monday 2026-09-21, 10:00 in Shanghai.
MONDAY_10 = dt.datetime(2026, 9, 21, 2, 0, tzinfo=dt.UTC)
SUBJECT = "test.subject"


@pytest.fixture
def monday_10() -> Iterator[Any]:
    with time_machine.travel(MONDAY_10, tick=False) as traveller:
        yield traveller


@pytest.fixture
def reference_data(transactional_db: None) -> None:
    """For tests with real transactions: the database is flushed between them, which also
    removes what the migrations loaded; put back the catalog and the notification templates."""
    from exitentry.catalog.models import PromisedTimeRule
    from exitentry.catalog.services import load_reference_data
    from exitentry.notifications.models import NotificationTemplate

    if not PromisedTimeRule.objects.exists():
        load_reference_data()
    if not NotificationTemplate.objects.exists():
        importlib.import_module("exitentry.notifications.migrations.0002_seed_templates").seed(apps, None)


@pytest.fixture
def payer(db: None) -> Any:
    return UserFactory(phone="13812345678")


@pytest.fixture
def officer(db: None) -> Any:
    return UserFactory(role="officer")


@pytest.fixture
def make_order(payer: Any) -> Callable[..., Order]:
    def make(
        *,
        lines: list[tuple[str, Decimal, str]] | None = None,
        channel: str = "wechat_pay",
        key: str = "order-1",
        subject_id: str = "A-1",
        who: Any = None,
    ) -> Order:
        return services.create_order(
            payer=who or payer,
            lines=lines
            if lines is not None
            else [
                ("Passport renewal", Decimal("120.00"), "item:1"),
                ("HK/Macau permit", Decimal("60.00"), "item:2"),
            ],
            subject_type=SUBJECT,
            subject_id=subject_id,
            channel=channel,
            idempotency_key=key,
        )

    return make


class Recorder:
    """A subject's payment handlers that remember what they were told."""

    def __init__(self) -> None:
        self.paid: list[str] = []
        self.refunded: list[tuple[str, list[str]]] = []
        self.expired: list[str] = []

    def on_paid(self, order: Order) -> None:
        self.paid.append(order.number)

    def on_refunded(self, order: Order, refunds: list[Any]) -> None:
        self.refunded.append((order.number, [refund.number for refund in refunds]))

    def on_expired(self, order: Order) -> None:
        self.expired.append(order.number)


@pytest.fixture
def handlers() -> Iterator[Recorder]:
    recorder = Recorder()
    registry.on_order_paid(SUBJECT, recorder.on_paid)
    registry.on_order_refunded(SUBJECT, recorder.on_refunded)
    registry.on_order_expired(SUBJECT, recorder.on_expired)
    yield recorder
    for handler in (recorder.on_paid, recorder.on_refunded, recorder.on_expired):
        registry.unregister(SUBJECT, handler)


def signed_callback(
    order: Order, *, gateway: str = "wechat_pay", amount: Decimal | None = None, succeeded: bool = True
) -> tuple[dict[str, str], bytes]:
    return SandboxGateway(gateway).callback(
        order.number, order.amount if amount is None else amount, succeeded=succeeded
    )


@pytest.fixture
def post_callback(client: Any) -> Callable[..., Any]:
    def post(headers: dict[str, str], body: bytes, *, gateway: str = "wechat_pay") -> Any:
        return client.post(
            f"/api/v1/payments/callbacks/{gateway}", body, content_type="application/json", headers=headers
        )

    return post
