from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from exitentry.accounts.tests.factories import UserFactory
from exitentry.payments.gateways import sandbox
from exitentry.payments.models import Order, OrderStatus, Payment

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("monday_10")]

EN = {"Accept-Language": "en"}


@pytest.fixture
def gateway_server(monkeypatch: Any) -> list[tuple[str, int]]:
    """The sandbox's HTTP delivery, routed to this test's server: (path, answer) per callback."""
    delivered: list[tuple[str, int]] = []
    gateway_client = Client()

    def post(url: str, headers: Any, body: bytes) -> sandbox.Delivery:
        path = urlsplit(url).path
        # A real gateway calls from elsewhere; here the nested request must not change the
        # language the outer request answers in.
        with translation.override(translation.get_language()):
            response = gateway_client.post(path, body, content_type="application/json", headers=dict(headers))
        delivered.append((path, response.status_code))
        return sandbox.Delivery(status=response.status_code, body=response.content.decode())

    monkeypatch.setattr(sandbox, "post_callback", post)
    return delivered


def _page(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_payment_pages_need_signing_in(client: Any, make_order: Any) -> None:
    order = make_order()

    response = client.get(reverse("payments:order", args=[order.number]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_someone_elses_order_looks_like_no_order(client: Any, make_order: Any) -> None:
    order = make_order()
    client.force_login(UserFactory())

    assert client.get(reverse("payments:order", args=[order.number])).status_code == 404
    assert client.get(reverse("payments:result", args=[order.number])).status_code == 404


def test_paying_in_the_sandbox_from_order_page_to_result(
    client: Any, payer: Any, make_order: Any, handlers: Any, gateway_server: Any
) -> None:
    order = make_order()
    client.force_login(payer)

    page = _page(client.get(reverse("payments:order", args=[order.number]), headers=EN))
    assert "Passport renewal" in page
    assert "180.00 yuan" in page
    assert "2026-09-28 10:00" in page  # pay by: seven days, local time
    assert 'name="channel" id="channel-wechat_pay" value="wechat_pay" checked' in page

    started = client.post(reverse("payments:pay", args=[order.number]), {"channel": "alipay"})
    assert started.status_code == 302
    assert started["Location"] == reverse("payments:order", args=[order.number]) + "#pay"
    order.refresh_from_db()
    assert (order.status, order.channel) == (OrderStatus.PENDING, "alipay")

    pay_page = _page(client.get(started["Location"], headers=EN))
    assert "Pay with Alipay" in pay_page
    assert '<svg role="img" aria-label="QR code to pay order' in pay_page
    assert "Pay now (test)" in pay_page
    cashier_url = re.search(r'<form method="post" action="([^"]+)">', pay_page).group(1).replace("&amp;", "&")
    assert cashier_url.startswith("http://testserver/payments/sandbox/alipay/?t=")

    cashier = _page(client.get(cashier_url, headers=EN))
    assert "Alipay (test)" in cashier
    assert order.number in cashier

    paid = client.post(cashier_url, {"action": "pay"})

    assert paid.status_code == 302
    assert paid["Location"] == "http://testserver" + reverse("payments:result", args=[order.number])
    assert gateway_server == [("/api/v1/payments/callbacks/alipay", 200)]
    assert handlers.paid == [order.number]
    result = _page(client.get(paid["Location"], headers=EN))
    assert "Payment received" in result
    assert Payment.objects.get().gateway_transaction_id in result


def test_declining_in_the_sandbox_shows_that_the_payment_failed(
    client: Any, payer: Any, make_order: Any, gateway_server: Any
) -> None:
    order = make_order()
    client.force_login(payer)
    client.post(reverse("payments:pay", args=[order.number]))
    order.refresh_from_db()

    declined = client.post(order.payment_url, {"action": "decline"})

    order.refresh_from_db()
    assert order.status == OrderStatus.FAILED
    result = _page(client.get(declined["Location"], headers=EN))
    assert "The payment did not go through" in result
    assert "Try again" in result


def test_the_cashier_refuses_a_forged_token(client: Any, make_order: Any) -> None:
    make_order()

    assert (
        client.get(reverse("payments:sandbox_cashier", args=["wechat_pay"]), {"t": "forged"}).status_code
        == 404
    )
    assert client.get(reverse("payments:sandbox_cashier", args=["counter"]), {"t": "x"}).status_code == 404


def test_the_cashier_says_so_when_the_shop_refuses_the_callback(
    client: Any, payer: Any, make_order: Any, gateway_server: Any
) -> None:
    order = make_order()
    client.force_login(payer)
    client.post(reverse("payments:pay", args=[order.number]))
    order.refresh_from_db()
    Order.objects.filter(pk=order.pk).update(amount=Decimal("999.00"))  # the shop now expects more

    response = client.post(order.payment_url, {"action": "pay"}, headers=EN)

    assert response.status_code == 502
    assert "The shop did not accept the payment (answer 409)." in response.content.decode()
    assert gateway_server == [("/api/v1/payments/callbacks/wechat_pay", 409)]
    assert Payment.objects.count() == 0


def test_a_forged_or_outdated_cashier_token_is_not_found(
    client: Any, payer: Any, make_order: Any, monkeypatch: Any
) -> None:
    order = make_order()
    client.force_login(payer)
    client.post(reverse("payments:pay", args=[order.number]))
    order.refresh_from_db()
    monkeypatch.setattr("django.conf.settings.PAYMENTS_SANDBOX_SECRET", "another-secret")

    assert client.post(order.payment_url, {"action": "pay"}).status_code == 404


def test_a_counter_order_shows_its_code_and_an_officer_records_the_payment(
    client: Any, make_order: Any, officer: Any, handlers: Any
) -> None:
    order = make_order(channel="counter")
    client.force_login(officer)

    page = _page(client.get(reverse("payments:order", args=[order.number]), headers=EN))
    assert "Pay at a service hall counter" in page
    assert f'aria-label="QR code of payment order {order.number}"' in page
    assert "Record a payment at the counter" in page

    wrong = client.post(
        reverse("payments:counter_payment", args=[order.number]),
        {"amount": "18.00", "method": "cash", "receipt_number": "R-1"},
        headers=EN,
    )
    assert wrong.status_code == 409
    assert "There is a problem" in wrong.content.decode()
    assert (
        '<a href="#id_amount">The amount paid does not match the amount of the order.</a>'
        in wrong.content.decode()
    )

    done = client.post(
        reverse("payments:counter_payment", args=[order.number]),
        {"amount": "180.00", "method": "card", "receipt_number": "R-1"},
    )
    assert done.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert handlers.paid == [order.number]


def test_the_counter_form_lists_every_missing_answer(client: Any, make_order: Any, officer: Any) -> None:
    order = make_order(channel="counter")
    client.force_login(officer)

    response = client.post(reverse("payments:counter_payment", args=[order.number]), {}, headers=EN)

    page = response.content.decode()
    assert response.status_code == 400
    assert '<a href="#id_amount">Enter the amount received.</a>' in page
    assert '<a href="#id_method_0">Choose how it was paid.</a>' in page
    assert '<a href="#id_receipt_number">Enter the receipt number.</a>' in page


def test_the_payer_cannot_record_counter_payments(client: Any, make_order: Any, payer: Any) -> None:
    order = make_order(channel="counter")
    client.force_login(payer)

    page = _page(client.get(reverse("payments:order", args=[order.number]), headers=EN))
    assert "Record a payment at the counter" not in page
    response = client.post(
        reverse("payments:counter_payment", args=[order.number]),
        {"amount": "180.00", "method": "cash", "receipt_number": "R-1"},
    )
    assert response.status_code == 404


def test_an_expired_order_says_the_time_has_passed(
    client: Any, payer: Any, make_order: Any, monday_10: Any
) -> None:
    order = make_order()
    monday_10.shift(dt.timedelta(days=8))
    client.force_login(payer)

    page = _page(client.get(reverse("payments:order", args=[order.number]), headers=EN))
    assert "Continue to payment" not in page
    assert "The time to pay this order has passed." in page
    result = _page(client.get(reverse("payments:result", args=[order.number]), headers=EN))
    assert "The time to pay has passed" in result
    assert "Back to payment" not in result
