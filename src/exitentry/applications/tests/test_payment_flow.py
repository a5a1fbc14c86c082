from __future__ import annotations

import datetime as dt
from decimal import Decimal

from exitentry.accounts.models import Role
from exitentry.applications.models import Application, ItemStatus
from exitentry.applications.tests import factories as f
from exitentry.notifications.models import Notification
from exitentry.payments import services as payments
from exitentry.payments.gateways.sandbox import SandboxGateway
from exitentry.payments.models import Order, OrderStatus, Refund

SERVICES = ["passport.renewal", "hk_macau_permit.renewal", "hk_macau_endorsement.G"]


def apply(api, user, point):
    response = api.post(
        "/applications",
        f.application_body(SERVICES, pickup=point.pk),
        headers={**f.bearer(user), "Idempotency-Key": "pay-1"},
    )
    assert response.status_code == 201, response.json()
    return Application.objects.get(number=response.json()["number"])


def pay(client, order):
    headers, body = SandboxGateway("wechat_pay").callback(order.number, order.amount, succeeded=True)
    return client.post(
        "/api/v1/payments/callbacks/wechat_pay", body, content_type="application/json", headers=headers
    )


def test_paying_moves_every_item_to_review_in_one_step(
    api, client, applicant, jinan_hall, django_capture_on_commit_callbacks
):
    application = apply(api, applicant, jinan_hall)
    order = Order.objects.get(number=application.payment_order_id)

    with django_capture_on_commit_callbacks(execute=True):
        response = pay(client, order)

    assert response.status_code == 200, response.content
    items = list(application.items.order_by("sort_order"))
    assert [item.status for item in items] == [ItemStatus.UNDER_REVIEW] * 3
    assert [e.action for e in items[0].events.all()] == [
        "created",
        "submitted",
        "payment_requested",
        "paid",
        "review_started",
    ]
    assert Notification.objects.filter(recipient_user=applicant, template_code="payment_received").exists()


def test_a_replayed_payment_callback_changes_nothing(api, client, applicant, jinan_hall):
    application = apply(api, applicant, jinan_hall)
    order = Order.objects.get(number=application.payment_order_id)
    pay(client, order)

    again = pay(client, order)

    assert again.status_code == 200
    assert application.items.first().events.filter(action="paid").count() == 1


def test_an_unpaid_application_expires_with_its_order(api, applicant, jinan_hall, clock):
    application = apply(api, applicant, jinan_hall)

    clock.shift(dt.timedelta(days=8))
    expired = payments.expire_unpaid_orders()

    assert expired == 1
    assert set(application.items.values_list("status", flat=True)) == {ItemStatus.EXPIRED}
    # An expired application no longer blocks a new one for the same documents.
    retry = api.post(
        "/applications",
        f.application_body(SERVICES, pickup=jinan_hall.pk, face_check_reference="sandbox-pass-2"),
        headers={**f.bearer(applicant), "Idempotency-Key": "pay-2"},
    )
    assert retry.status_code == 201, retry.json()


def test_withdrawing_a_paid_item_refunds_its_line_only(api, client, applicant, jinan_hall):
    application = apply(api, applicant, jinan_hall)
    order = Order.objects.get(number=application.payment_order_id)
    pay(client, order)
    endorsement = application.items.get(service_code="hk_macau_endorsement.G")

    response = api.post(f"/applications/items/{endorsement.pk}/withdraw", headers=f.bearer(applicant))

    assert response.status_code == 200, response.json()
    refund = Refund.objects.get()
    assert (refund.amount, refund.line.reference) == (Decimal("15.00"), f"item:{endorsement.pk}")
    order.refresh_from_db()
    assert order.status == OrderStatus.PARTIALLY_REFUNDED
    assert sorted(application.items.values_list("status", flat=True)) == [
        ItemStatus.UNDER_REVIEW,
        ItemStatus.UNDER_REVIEW,
        ItemStatus.WITHDRAWN,
    ]


def test_a_refund_made_by_the_office_withdraws_the_open_item(api, client, applicant, jinan_hall):
    application = apply(api, applicant, jinan_hall)
    order = Order.objects.get(number=application.payment_order_id)
    pay(client, order)
    passport = application.items.get(service_code="passport.renewal")
    officer = f.staff(Role.OFFICER, jinan_hall)

    payments.refund_order(
        order, reason="Applied twice by mistake", actor=officer, lines=[f"item:{passport.pk}"]
    )

    passport.refresh_from_db()
    assert passport.status == ItemStatus.WITHDRAWN
    assert application.items.exclude(pk=passport.pk).filter(status=ItemStatus.UNDER_REVIEW).count() == 2


def test_counter_applications_are_paid_at_the_counter(api, officer, resident, jinan_hall):
    from exitentry.identity.models import HeldDocument

    HeldDocument.objects.filter(person=resident).delete()
    response = api.post(
        "/applications",
        f.application_body(["passport.first_issue"], channel="window", person_id_number=resident.id_number),
        headers={**f.bearer(officer), "Idempotency-Key": "counter-1"},
    )
    order = Order.objects.get(number=response.json()["payment_order"])

    payments.record_counter_payment(
        order, officer=officer, amount="120.00", method="cash", receipt_number="R0001"
    )

    assert order.channel == "counter"
    assert Application.objects.get().items.get().status == ItemStatus.UNDER_REVIEW


def test_an_item_withdrawn_before_paying_is_refunded_when_the_order_is_paid(
    api, client, applicant, jinan_hall, django_capture_on_commit_callbacks
):
    application = apply(api, applicant, jinan_hall)
    endorsement = application.items.get(service_code="hk_macau_endorsement.G")
    api.post(f"/applications/items/{endorsement.pk}/withdraw", headers=f.bearer(applicant))
    order = Order.objects.get(number=application.payment_order_id)

    with django_capture_on_commit_callbacks(execute=True):
        pay(client, order)

    refund = Refund.objects.get()
    assert (refund.amount, refund.line.reference) == (Decimal("15.00"), f"item:{endorsement.pk}")
    assert sorted(application.items.values_list("status", flat=True)) == [
        ItemStatus.UNDER_REVIEW,
        ItemStatus.UNDER_REVIEW,
        ItemStatus.WITHDRAWN,
    ]
