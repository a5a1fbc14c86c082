"""Paying in the sandbox from a phone, end to end over HTTP, and the inbox and outbox pages:
every page passes axe-core and fits the screen. The sandbox's "Pay now" makes the sandbox POST a
signed callback to the live server's callback endpoint, exactly as a payment service would."""

from __future__ import annotations

import importlib
from decimal import Decimal

import pytest
from django.apps import apps
from playwright.sync_api import expect

from exitentry.accounts.tests.factories import PASSWORD, UserFactory
from exitentry.catalog.models import PromisedTimeRule
from exitentry.catalog.services import load_reference_data
from exitentry.notifications.models import NotificationTemplate
from exitentry.notifications.services import notify
from exitentry.payments import services as payments
from exitentry.payments.models import Order, OrderStatus
from tests.browser.accessibility import assert_accessible
from tests.browser.pages import fits_the_screen, open_page, sign_in


@pytest.fixture(autouse=True)
def _reference_data(transactional_db):
    # The live server's database is flushed between tests; put the catalog and templates back.
    if not PromisedTimeRule.objects.exists():
        load_reference_data()
    if not NotificationTemplate.objects.exists():
        importlib.import_module("exitentry.notifications.migrations.0002_seed_templates").seed(apps, None)


def _check(page):
    assert page.locator("h1").count() == 1
    assert fits_the_screen(page)
    assert_accessible(page)


def test_an_applicant_pays_in_the_sandbox_and_sees_the_result(page, page_errors):
    applicant = UserFactory(username="payer1", phone="13812345678")
    order = payments.create_order(
        payer=applicant,
        lines=[
            ("Passport renewal", Decimal("120.00"), "item:1"),
            ("G endorsement", Decimal("15.00"), "item:2"),
        ],
        subject_type="browser.test",
        subject_id="E1",
        channel="wechat_pay",
        idempotency_key="browser-order-1",
    )
    path = f"/payments/orders/{order.number}/"
    sign_in(page, "payer1", PASSWORD, then="/accounts/me/")

    open_page(page, path)
    _check(page)
    page.click("main form button[type=submit]")  # continue to payment
    page.wait_for_selector("#pay")
    _check(page)

    page.click("text=立即支付（测试）")
    page.wait_for_url(f"**/payments/orders/{order.number}/result/")

    assert page.locator("h1").inner_text() == "缴费成功"
    _check(page)
    assert page_errors == []
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


def test_the_sandbox_cashier_page_is_accessible(new_page):
    applicant = UserFactory(username="payer2")
    order = payments.create_order(
        payer=applicant,
        lines=[("Passport renewal", Decimal("120.00"), "item:1")],
        subject_type="browser.test",
        subject_id="E2",
        channel="alipay",
        idempotency_key="browser-order-2",
    )
    page = new_page(locale="en-GB", viewport={"width": 1280, "height": 800})
    sign_in(page, "payer2", PASSWORD, then="/accounts/me/")
    page.goto(f"/payments/orders/{order.number}/")
    page.click("main form button[type=submit]")
    page.wait_for_selector("#pay")
    page.click("text=Open the payment page on this phone")
    page.wait_for_selector("text=Decline the payment")

    assert page.get_attribute("html", "lang") == "en"
    _check(page)
    page.click("text=Decline the payment")
    page.wait_for_url(f"**/payments/orders/{order.number}/result/")
    assert page.locator("h1").inner_text() == "The payment did not go through"
    assert Order.objects.get(pk=order.pk).status == OrderStatus.FAILED
    _check(page)


def test_an_officer_sees_the_counter_form_and_its_error_summary(new_page):
    UserFactory(username="officer1", role="officer")
    applicant = UserFactory(username="payer3")
    order = payments.create_order(
        payer=applicant,
        lines=[("Passport renewal", Decimal("120.00"), "item:1")],
        subject_type="browser.test",
        subject_id="E3",
        channel="counter",
        idempotency_key="browser-order-3",
    )
    page = new_page(java_script_enabled=False)
    sign_in(page, "officer1", PASSWORD, then="/accounts/me/")
    open_page(page, f"/payments/orders/{order.number}/")
    page.click("text=登记收费")

    expect(page.locator(".error-summary li")).to_have_count(2)  # method and receipt number
    page.fill("#id_receipt_number", "R-1")
    page.check("#id_method_0")
    page.click("text=登记收费")
    page.wait_for_url(f"**/payments/orders/{order.number}/result/")
    assert page.locator("h1").inner_text() == "缴费成功"


@pytest.mark.parametrize("path", ["/notifications/", "/notifications/outbox/"])
def test_inbox_and_outbox_are_accessible(page, path):
    applicant = UserFactory(username="reader1", phone="13812345678", preferred_language="ru")
    notify(applicant, "item_rejected", {"number": "E20260921001", "reason": "фото не подходит"})
    UserFactory(username="officer2", role="officer")
    who = "officer2" if "outbox" in path else "reader1"
    if "outbox" in path:
        from exitentry.notifications.services import send_due_notifications

        send_due_notifications()
    sign_in(page, who, PASSWORD, then="/accounts/me/")

    open_page(page, path)

    _check(page)
    assert "E20260921001" in page.locator("main").inner_text()
