from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from exitentry.audit.models import AuditEvent
from exitentry.catalog.models import PromisedTimeRule, PromiseScope
from exitentry.identity.tests.factories import PersonFactory
from exitentry.payments import services
from exitentry.payments.models import Order, OrderLine, OrderStatus
from exitentry.payments.tasks import expire_unpaid_orders
from exitentry.payments.tests.conftest import MONDAY_10, SUBJECT, signed_callback

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("monday_10")]


def test_order_totals_its_lines_and_is_due_within_the_catalogs_payment_window(
    make_order: Any, payer: Any
) -> None:
    order = make_order()

    assert order.amount == Decimal("180.00")
    assert order.currency == "CNY"
    assert order.status == OrderStatus.CREATED
    assert order.payer == payer
    assert order.number.startswith("P20260921")
    assert len(order.number) == 19
    assert order.expires_at == MONDAY_10 + dt.timedelta(days=7)
    assert list(order.lines.values_list("position", "description", "amount", "reference")) == [
        (1, "Passport renewal", Decimal("120.00"), "item:1"),
        (2, "HK/Macau permit", Decimal("60.00"), "item:2"),
    ]
    event = AuditEvent.objects.get(action="payments.order_created")
    assert event.summary["after"]["amount"] == "180.00"


def test_the_payment_window_is_policy_data(make_order: Any) -> None:
    rule = PromisedTimeRule.objects.get(applies_to=PromiseScope.ONLINE_PAYMENT_WINDOW)
    PromisedTimeRule.objects.filter(pk=rule.pk).update(amount=3)

    order = make_order()

    assert order.expires_at == MONDAY_10 + dt.timedelta(days=3)


def test_without_a_payment_window_rule_no_order_is_made(make_order: Any) -> None:
    PromisedTimeRule.objects.filter(applies_to=PromiseScope.ONLINE_PAYMENT_WINDOW).delete()

    with pytest.raises(services.PaymentWindowNotSet):
        make_order()
    assert Order.objects.count() == 0


def test_the_same_idempotency_key_gives_the_same_order(make_order: Any) -> None:
    first = make_order(key="application:A-1")
    again = make_order(key="application:A-1")

    assert again.pk == first.pk
    assert Order.objects.count() == 1
    assert OrderLine.objects.count() == 2


def test_the_same_key_for_a_different_order_is_refused(make_order: Any) -> None:
    make_order(key="application:A-1")

    with pytest.raises(services.IdempotencyKeyReused):
        make_order(key="application:A-1", lines=[("Passport renewal", Decimal("120.00"), "item:1")])


def test_a_person_without_an_account_can_be_the_payer(make_order: Any) -> None:
    person = PersonFactory()

    order = make_order(who=person)

    assert (order.payer, order.payer_person) == (None, person)


@pytest.mark.parametrize(
    ("lines", "problem"),
    [
        ([], "between_1_and_50_lines"),
        ([("Passport", Decimal("120.001"), "x")], "more_than_two_decimal_places"),
        ([("Passport", "abc", "x")], "not_a_number"),
        ([("Passport", Decimal("-1.00"), "x")], "invalid_line"),
        ([("", Decimal("1.00"), "x")], "invalid_line"),
        ([("Waived", Decimal("0.00"), "x")], "total_must_be_positive"),
    ],
)
def test_invalid_lines_are_refused_with_the_reason(make_order: Any, lines: Any, problem: str) -> None:
    with pytest.raises(services.InvalidOrder) as error:
        make_order(lines=lines)

    assert error.value.details["problem"] == problem
    assert error.value.status == 422


def test_an_unknown_channel_is_refused(make_order: Any) -> None:
    with pytest.raises(services.InvalidOrder) as error:
        make_order(channel="paypal")

    assert error.value.details["field"] == "channel"


def test_unpaid_orders_expire_after_seven_days(make_order: Any, handlers: Any, monday_10: Any) -> None:
    order = make_order()
    later = make_order(key="order-2", subject_id="A-2")

    monday_10.shift(dt.timedelta(days=7) - dt.timedelta(seconds=1))
    assert expire_unpaid_orders.enqueue().return_value == 0
    monday_10.shift(dt.timedelta(seconds=1))
    Order.objects.filter(pk=later.pk).update(expires_at=MONDAY_10 + dt.timedelta(days=8))
    assert expire_unpaid_orders.enqueue().return_value == 1
    assert expire_unpaid_orders.enqueue().return_value == 0

    order.refresh_from_db()
    later.refresh_from_db()
    assert (order.status, later.status) == (OrderStatus.EXPIRED, OrderStatus.CREATED)
    assert handlers.expired == [order.number]
    assert AuditEvent.objects.filter(action="payments.order_expired", object_id=str(order.pk)).count() == 1


def test_paid_orders_never_expire(make_order: Any, post_callback: Any, monday_10: Any) -> None:
    order = make_order()
    post_callback(*signed_callback(order))

    monday_10.shift(dt.timedelta(days=30))
    services.expire_unpaid_orders()

    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


def test_an_expired_order_cannot_start_a_payment(make_order: Any, payer: Any, monday_10: Any) -> None:
    order = make_order()
    monday_10.shift(dt.timedelta(days=8))

    with pytest.raises(services.OrderExpired):
        services.start_payment(order, actor=payer, base_url="http://testserver/")


def test_starting_a_payment_is_pending_and_asking_again_gives_the_same_answer(
    make_order: Any, payer: Any
) -> None:
    order = make_order()

    first = services.start_payment(order, actor=payer, base_url="http://testserver/")
    again = services.start_payment(order, actor=payer, base_url="http://testserver/")

    assert first == again
    assert first.url.startswith("http://testserver/payments/sandbox/wechat_pay/?t=")
    assert order.status == OrderStatus.PENDING
    assert AuditEvent.objects.filter(action="payments.payment_started").count() == 1


def test_the_payer_may_switch_to_another_online_channel(make_order: Any, payer: Any) -> None:
    order = make_order()
    services.start_payment(order, actor=payer, base_url="http://testserver/")

    switched = services.start_payment(order, actor=payer, base_url="http://testserver/", channel="alipay")

    assert switched.url.startswith("http://testserver/payments/sandbox/alipay/?t=")
    assert (order.channel, order.status) == ("alipay", OrderStatus.PENDING)
    event = AuditEvent.objects.filter(action="payments.payment_started").order_by("pk").last()
    assert event.summary["before"]["channel"] == "wechat_pay"
    assert event.summary["after"]["channel"] == "alipay"


def test_orders_are_shown_to_their_payer_and_staff_only(make_order: Any, payer: Any, officer: Any) -> None:
    from exitentry.accounts.tests.factories import UserFactory

    order = make_order()

    assert services.order_for(payer, order.number) == order
    assert services.order_for(officer, order.number) == order
    with pytest.raises(services.OrderNotFound):
        services.order_for(UserFactory(), order.number)


def test_subject_handlers_registered_twice_run_once(
    make_order: Any, post_callback: Any, handlers: Any
) -> None:
    from exitentry.payments import registry

    registry.on_order_paid(SUBJECT, handlers.on_paid)

    post_callback(*signed_callback(make_order()))

    assert len(handlers.paid) == 1


def test_production_on_the_sandbox_gateway_is_warned_about(settings: Any) -> None:
    from exitentry.notifications.checks import sandbox_senders_in_production
    from exitentry.payments.checks import sandbox_gateways_in_production

    settings.PRODUCTION = True

    assert [m.id for m in sandbox_gateways_in_production()] == ["payments.W001"]
    assert [m.id for m in sandbox_senders_in_production()] == ["notifications.W001"]
    settings.PRODUCTION = False
    assert sandbox_gateways_in_production() == sandbox_senders_in_production() == []
