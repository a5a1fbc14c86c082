"""Delivery both ways for endorsements: the applicant sends the permit in by courier, an officer
records its receipt (only then is the endorsement made), and the permit is mailed back."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from exitentry.accounts.tests.factories import PASSWORD
from exitentry.applications import services, shipping
from exitentry.applications.adapters import CourierScan
from exitentry.applications.models import (
    Application,
    ApplicationItem,
    ItemStatus,
    MaterialStatus,
    Shipment,
    ShipmentDirection,
    ShipmentStatus,
)
from exitentry.applications.tests import factories as f
from exitentry.audit.models import AuditEvent
from exitentry.identity.models import HeldDocument
from exitentry.notifications.models import Notification
from exitentry.payments.gateways.sandbox import SandboxGateway
from exitentry.payments.models import Order

ENDORSEMENT = "hk_macau_endorsement.G"
EN = {"Accept-Language": "en"}


@pytest.fixture
def holder():
    """An adult in Jinan holding a valid Hong Kong and Macau permit with no endorsement on it."""
    owner = f.person()
    f.passport(owner)
    f.hk_macau_permit(owner, endorsements=[])
    return owner


@pytest.fixture
def account(holder):
    return f.applicant(holder)


def body(**delivery):
    return f.application_body(
        [ENDORSEMENT],
        entries={ENDORSEMENT: "single"},
        delivery={"method": "mail", "address": "8 Jingshi Road, Jinan", "permit_by_mail": True, **delivery},
    )


def submit(api, user, payload, key="permit-1"):
    return api.post("/applications", payload, headers={**f.bearer(user), "Idempotency-Key": key})


def pay(client, application):
    order = Order.objects.get(number=application.payment_order_id)
    headers, data = SandboxGateway("wechat_pay").callback(order.number, order.amount, succeeded=True)
    response = client.post(
        "/api/v1/payments/callbacks/wechat_pay", data, content_type="application/json", headers=headers
    )
    assert response.status_code == 200, response.content


@pytest.fixture
def submitted(api, account, jinan_hall):
    response = submit(api, account, body())
    assert response.status_code == 201, response.json()
    return response.json()


@pytest.fixture
def under_review(api, client, account, submitted):
    application = Application.objects.get(number=submitted["number"])
    for material in application.materials.filter(status=MaterialStatus.TO_UPLOAD):
        uploaded = client.post(
            f"/api/v1/applications/{application.number}/materials",
            {"material": material.code, "file": SimpleUploadedFile("photo.png", f.png(), "image/png")},
            headers=f.bearer(account),
        )
        assert uploaded.status_code == 201, uploaded.content
    pay(client, application)
    item = application.items.get()
    assert item.status == ItemStatus.UNDER_REVIEW
    assert application.__class__.objects.get(pk=application.pk).accepted_at is not None
    return item


def test_the_applicant_chooses_to_send_the_permit_in_and_is_given_the_halls_address(submitted, jinan_hall):
    assert submitted["delivery_method"] == "mail"
    assert submitted["permit_by_mail"] is True
    [item] = submitted["items"]
    assert item["permit_in"] == {
        "hall_name": jinan_hall.name,
        "hall_address": jinan_hall.address,
        "hall_phone": jinan_hall.phone,
        "courier": "",
        "tracking_number": "",
        "sent_at": None,
        "received_at": None,
    }
    assert Application.objects.get(number=submitted["number"]).service_point == jinan_hall


def test_sending_the_permit_in_needs_the_result_mailed_back(api, account, jinan_hall):
    response = submit(api, account, body(method="pickup", service_point_id=jinan_hall.pk, address=""))

    assert response.status_code == 422
    assert response.json()["code"] == "permit_by_mail_needs_courier"
    assert not Application.objects.exists()


def test_a_new_permit_in_the_same_form_needs_no_permit_sent_in(api, account):
    payload = body()
    payload["services"] = ["hk_macau_permit.renewal", ENDORSEMENT]

    response = submit(api, account, payload)

    assert response.status_code == 422
    assert response.json()["code"] == "permit_by_mail_not_applicable"


def test_an_endorsement_waits_for_the_permit_then_is_made_and_mailed_back(
    api, client, account, holder, officer, under_review, django_capture_on_commit_callbacks, clock
):
    item = under_review
    applicant_headers = f.bearer(account)
    officer_headers = f.bearer(officer)

    sent = api.post(
        f"/applications/items/{item.pk}/permit-shipment",
        {"courier": "SF Express", "tracking_number": "sf1234567890"},
        headers=applicant_headers,
    )
    assert sent.status_code == 200, sent.json()
    assert sent.json()["permit_in"]["tracking_number"] == "SF1234567890"
    assert sent.json()["permit_in"]["courier"] == "SF Express"
    inbound = Shipment.objects.get(direction=ShipmentDirection.INBOUND)
    assert (inbound.item_id, inbound.status) == (item.pk, ShipmentStatus.BOOKED)

    # The courier's own "delivered" scan does not count: the officer must have the permit in hand.
    at = dt.datetime(2026, 9, 21, 3, 0, tzinfo=dt.UTC)
    shipping.record_scan("SF1234567890", CourierScan(code="delivered", at=at, location="Jinan"))
    item.refresh_from_db()
    assert item.permit_received_at is None

    with django_capture_on_commit_callbacks(execute=True):
        approved = api.post(f"/applications/items/{item.pk}/approve", {}, headers=officer_headers)
    assert approved.status_code == 200, approved.json()
    item.refresh_from_db()
    assert item.status == ItemStatus.APPROVED  # the production task waits for the permit

    too_early = api.post(f"/applications/items/{item.pk}/start-production", {}, headers=officer_headers)
    assert (too_early.status_code, too_early.json()["code"]) == (409, "permit_not_received")

    with django_capture_on_commit_callbacks(execute=True):
        received = api.post(f"/applications/items/{item.pk}/permit-received", {}, headers=officer_headers)
    assert received.status_code == 200, received.json()
    assert received.json()["status"] == "in_production"
    assert received.json()["permit_in"]["received_at"] is not None
    inbound.refresh_from_db()
    assert inbound.status == ShipmentStatus.DELIVERED
    event = AuditEvent.objects.get(action="applications.permit_received")
    assert event.actor == officer
    assert Notification.objects.filter(recipient_user=account, template_code="permit_received").exists()

    again = api.post(f"/applications/items/{item.pk}/permit-received", {}, headers=officer_headers)
    assert (again.status_code, again.json()["code"]) == (409, "permit_already_received")
    late_change = api.post(
        f"/applications/items/{item.pk}/permit-shipment",
        {"courier": "SF Express", "tracking_number": "SF0000000001"},
        headers=applicant_headers,
    )
    assert (late_change.status_code, late_change.json()["code"]) == (409, "permit_already_received")

    with django_capture_on_commit_callbacks(execute=True):
        dispatched = api.post(f"/applications/items/{item.pk}/dispatch", {}, headers=officer_headers)
    assert dispatched.status_code == 200, dispatched.json()
    outbound = Shipment.objects.get(direction=ShipmentDirection.OUTBOUND)
    assert outbound.address == "8 Jingshi Road, Jinan"

    clock.shift(dt.timedelta(hours=30))
    with django_capture_on_commit_callbacks(execute=True):
        assert shipping.poll_shipments() == {"checked": 1, "recorded": 4}

    item.refresh_from_db()
    assert item.status == ItemStatus.DELIVERED
    permit = HeldDocument.objects.get(person=holder, document_type="hk_macau_permit")
    assert permit.endorsements == ["G"]
    assert item.issued_document == permit
    assert Notification.objects.filter(recipient_user=account, template_code="delivered").exists()
    assert item.tracking_number == outbound.tracking_number
    # The applicant sees the return trip's scans on the item, not those of the parcel they sent.
    assert [scan.event for scan in services.courier_events(item)] == [
        "picked_up",
        "in_transit",
        "out_for_delivery",
        "delivered",
    ]


def test_only_the_owner_may_give_the_tracking_number(api, under_review, applicant):
    response = api.post(
        f"/applications/items/{under_review.pk}/permit-shipment",
        {"courier": "SF Express", "tracking_number": "SF1234567890"},
        headers=f.bearer(applicant),
    )

    assert (response.status_code, response.json()["code"]) == (404, "item_not_found")
    assert not Shipment.objects.exists()


def test_a_bad_tracking_number_is_refused_and_a_correction_replaces_it(api, account, under_review):
    headers = f.bearer(account)
    url = f"/applications/items/{under_review.pk}/permit-shipment"

    bad = api.post(url, {"courier": "SF Express", "tracking_number": "12 3"}, headers=headers)
    first = api.post(url, {"courier": "SF Express", "tracking_number": "SF1111111111"}, headers=headers)
    fixed = api.post(url, {"courier": "EMS", "tracking_number": "EA222222222CN"}, headers=headers)

    assert (bad.status_code, bad.json()["code"]) == (422, "invalid_tracking_number")
    assert first.status_code == fixed.status_code == 200
    shipment = Shipment.objects.get()
    assert (shipment.courier, shipment.tracking_number) == ("EMS", "EA222222222CN")
    assert AuditEvent.objects.filter(action="applications.permit_sent").count() == 2


def test_an_item_that_does_not_wait_for_a_permit_refuses_both_calls(
    api, account, officer, resident, jinan_hall
):
    item = f.make_item(resident, jinan_hall, delivery="mail")
    owner = item.application.applicant

    sent = api.post(
        f"/applications/items/{item.pk}/permit-shipment",
        {"courier": "SF Express", "tracking_number": "SF1234567890"},
        headers=f.bearer(owner),
    )
    received = api.post(f"/applications/items/{item.pk}/permit-received", {}, headers=f.bearer(officer))

    assert (sent.status_code, sent.json()["code"]) == (409, "permit_not_expected")
    assert (received.status_code, received.json()["code"]) == (409, "permit_not_expected")


# --- Pages ---------------------------------------------------------------------------------------


def test_the_pages_offer_sending_the_permit_show_the_address_and_record_receipt(
    client, account, officer, jinan_hall, django_capture_on_commit_callbacks
):
    assert client.login(username=account.username, password=PASSWORD)
    client.get("/applications/apply/?new=1", headers=EN)
    chosen = client.post(
        "/applications/apply/",
        {f"endorsement_{ENDORSEMENT}": "on", f"entries_{ENDORSEMENT}": "single"},
        headers=EN,
    )
    assert chosen.status_code == 302, chosen.content.decode()
    client.post("/applications/apply/details/", {"phone": "13800000001"}, headers=EN)
    options = client.get("/applications/apply/options/", headers=EN).content.decode()
    assert 'name="permit_by_mail"' in options

    refused = client.post(
        "/applications/apply/options/",
        {
            "channel": "online",
            "priority": "normal",
            "delivery_method": "pickup",
            "pickup_point": jinan_hall.pk,
            "permit_by_mail": "on",
        },
        headers=EN,
    )
    assert refused.status_code == 422
    assert "we send it back by courier too" in refused.content.decode()

    moved = client.post(
        "/applications/apply/options/",
        {
            "channel": "online",
            "priority": "normal",
            "delivery_method": "mail",
            "delivery_address": "8 Jingshi Road, Jinan",
            "permit_by_mail": "on",
        },
        headers=EN,
    )
    assert moved.status_code == 302, moved.content.decode()
    client.post("/applications/apply/documents/", {}, headers=EN)
    check = client.get("/applications/apply/check/", headers=EN).content.decode()
    assert "You send your permit by courier to" in check
    token = re.search(r'name="token" value="([^"]+)"', check).group(1)
    sent = client.post("/applications/apply/check/", {"token": token, "declaration": "on"}, headers=EN)
    assert sent.status_code == 302, sent.content.decode()
    application = Application.objects.get()
    assert application.permit_by_mail is True
    item = application.items.get()

    detail = client.get(f"/applications/{application.number}/", headers=EN).content.decode()
    assert "Send your permit to this address" in detail
    assert jinan_hall.address in detail
    posted = client.post(
        f"/applications/items/{item.pk}/permit/",
        {"courier": "SF Express", "tracking_number": "SF1234567890"},
        headers=EN,
    )
    assert posted.status_code == 302
    assert posted["Location"] == f"/applications/{application.number}/#permit-{item.pk}"
    wrong = client.post(
        f"/applications/items/{item.pk}/permit/", {"courier": "SF", "tracking_number": "x"}, headers=EN
    )
    assert wrong.status_code == 422
    assert "6 to 40 letters" in wrong.content.decode()

    ApplicationItem.objects.filter(pk=item.pk).update(status=ItemStatus.UNDER_REVIEW)
    client.logout()
    assert client.login(username=officer.username, password=PASSWORD)
    review = client.get(f"/officer/items/{item.pk}/", headers=EN).content.decode()
    assert "Parcel: SF Express SF1234567890" in review
    assert f"/officer/items/{item.pk}/permit-received/" in review
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(f"/officer/items/{item.pk}/permit-received/", {}, headers=EN)
    assert done.status_code == 302
    item.refresh_from_db()
    assert item.permit_received_at is not None
    assert item.status == ItemStatus.UNDER_REVIEW
    after = client.get(f"/officer/items/{item.pk}/", headers=EN).content.decode()
    assert "Permit sent in by courier, received" in after
    assert f"/officer/items/{item.pk}/permit-received/" not in after
