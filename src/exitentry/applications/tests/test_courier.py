"""Courier delivery: booking on dispatch, scans by polling or signed callback, delivery once."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from exitentry.applications import shipping
from exitentry.applications.models import ItemStatus, Shipment, ShipmentEvent
from exitentry.applications.tests import factories as f
from exitentry.audit.models import AuditEvent
from exitentry.identity.models import HeldDocument
from exitentry.notifications.models import Notification


def dispatch(api, officer, item, body=None):
    return api.post(f"/applications/items/{item.pk}/dispatch", body or {}, headers=f.bearer(officer))


@pytest.fixture
def mailed(resident, jinan_hall):
    return f.make_item(resident, jinan_hall, status="in_production", delivery="mail")


def test_dispatch_books_the_courier_and_gets_a_tracking_number(api, officer, mailed):
    response = dispatch(api, officer, mailed)

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "dispatched"
    assert body["courier"] == "Sandbox Express"
    assert body["tracking_number"].startswith("SBX")
    assert len(body["tracking_number"]) == 15
    shipment = Shipment.objects.get(item=mailed)
    assert (shipment.tracking_number, shipment.status) == (body["tracking_number"], "booked")
    assert shipment.address == "1 Quancheng Road, Jinan"


def test_a_courier_that_does_not_answer_leaves_the_item_in_production(api, officer, resident, jinan_hall):
    item = f.make_item(resident, jinan_hall, status="in_production", delivery="mail")
    item.application.__class__.objects.filter(pk=item.application_id).update(
        delivery_address="sandbox-courier-down street"
    )

    response = dispatch(api, officer, item)

    assert (response.status_code, response.json()["code"]) == (503, "courier_unavailable")
    item.refresh_from_db()
    assert item.status == ItemStatus.IN_PRODUCTION
    assert not Shipment.objects.exists()


def test_polling_records_the_scans_as_time_passes_and_delivery_registers_the_passport(
    api, officer, mailed, resident, clock
):
    old_passport = HeldDocument.objects.get(person=resident, document_type="passport")
    dispatch(api, officer, mailed)

    clock.shift(dt.timedelta(hours=5))
    first = shipping.poll_shipments()
    clock.shift(dt.timedelta(hours=20))
    second = shipping.poll_shipments()
    third = shipping.poll_shipments()

    assert first == {"checked": 1, "recorded": 2}
    assert second == {"checked": 1, "recorded": 2}
    assert third == {"checked": 0, "recorded": 0}
    codes = list(ShipmentEvent.objects.order_by("at").values_list("code", flat=True))
    assert codes == ["picked_up", "in_transit", "out_for_delivery", "delivered"]
    mailed.refresh_from_db()
    assert mailed.status == ItemStatus.DELIVERED
    assert mailed.events.filter(action="delivered").count() == 1
    new_passport = mailed.issued_document
    assert new_passport is not None
    assert new_passport.status == "valid"
    assert (new_passport.issued_on, new_passport.expires_on) == (
        f.TODAY + dt.timedelta(days=1),
        dt.date(2036, 9, 21),
    )
    old_passport.refresh_from_db()
    assert old_passport.status == "invalidated"


def test_tracking_shows_the_courier_scans(api, officer, mailed, resident, clock):
    dispatch(api, officer, mailed)
    clock.shift(dt.timedelta(hours=2))
    shipping.poll_shipments()

    response = api.get("/track", {"number": mailed.application.number, "id_last4": resident.id_number[-4:]})

    item = response.json()["items"][0]
    assert item["tracking_number"] == mailed.shipments.get().tracking_number
    assert [scan["event"] for scan in item["courier_events"]] == ["picked_up"]
    assert item["courier_events"][0]["location"] == "Jinan sorting centre"


def _callback(client, body, signature=None):
    raw = json.dumps(body).encode()
    return client.post(
        "/api/v1/applications/courier/events",
        raw,
        content_type="application/json",
        headers={"X-Courier-Signature": signature if signature is not None else shipping.sign_callback(raw)},
    )


def test_a_signed_callback_delivers_once_and_a_replay_changes_nothing(api, client, officer, mailed):
    tracking = dispatch(api, officer, mailed).json()["tracking_number"]
    body = {"tracking_number": tracking, "event": "delivered", "at": "2026-09-22T09:30:00+08:00"}

    first = _callback(client, body)
    again = _callback(client, body)

    assert (first.status_code, first.json()) == (200, {"received": True, "new": True})
    assert (again.status_code, again.json()) == (200, {"received": True, "new": False})
    mailed.refresh_from_db()
    assert mailed.status == ItemStatus.DELIVERED
    assert mailed.events.filter(action="delivered").count() == 1
    assert (
        HeldDocument.objects.filter(person=mailed.person, document_type="passport", status="valid").count()
        == 1
    )


def test_a_callback_with_a_bad_signature_is_refused_and_logged(api, client, officer, mailed):
    tracking = dispatch(api, officer, mailed).json()["tracking_number"]

    response = _callback(
        client, {"tracking_number": tracking, "event": "delivered", "at": "2026-09-22T09:30:00Z"}, "00"
    )

    assert (response.status_code, response.json()["code"]) == (401, "bad_signature")
    assert AuditEvent.objects.filter(action="applications.courier_callback_refused").count() == 1
    mailed.refresh_from_db()
    assert mailed.status == ItemStatus.DISPATCHED


def test_a_callback_for_an_unknown_tracking_number_is_404(client):
    response = _callback(
        client, {"tracking_number": "SBX000000000000", "event": "picked_up", "at": "2026-09-22T09:30:00Z"}
    )

    assert (response.status_code, response.json()["code"]) == (404, "shipment_not_found")


def test_a_late_scan_never_moves_the_shipment_back(api, client, officer, mailed):
    tracking = dispatch(api, officer, mailed).json()["tracking_number"]
    _callback(
        client, {"tracking_number": tracking, "event": "out_for_delivery", "at": "2026-09-22T08:00:00Z"}
    )
    _callback(client, {"tracking_number": tracking, "event": "picked_up", "at": "2026-09-21T08:00:00Z"})

    assert Shipment.objects.get(item=mailed).status == "out_for_delivery"


def test_a_hand_booked_tracking_number_is_kept(api, officer, mailed):
    response = dispatch(api, officer, mailed, {"tracking_number": "sf1234567890", "courier": "SF Express"})

    assert (response.json()["tracking_number"], response.json()["courier"]) == ("SF1234567890", "SF Express")
    assert Shipment.objects.get(item=mailed).tracking_number == "SF1234567890"


@pytest.mark.parametrize(
    ("language", "labels"),
    [
        ("en", ["Picked up by the courier", "On the way"]),
        ("zh-hans", ["快递已揽收", "运输中"]),
        ("ru", ["Забрано курьером", "В пути"]),
        ("ja", ["宅配便が集荷", "輸送中"]),
        ("ko", ["택배 집하 완료", "배송 중"]),
    ],
)
def test_the_courier_scans_are_shown_in_the_visitors_language(
    api, client, officer, mailed, resident, clock, language, labels
):
    dispatch(api, officer, mailed)
    clock.shift(dt.timedelta(hours=5))
    shipping.poll_shipments()

    response = client.get(
        "/api/v1/track",
        {"number": mailed.application.number, "id_last4": resident.id_number[-4:]},
        headers={"Accept-Language": language},
    )

    assert [scan["label"] for scan in response.json()["items"][0]["courier_events"]] == labels


def test_delivery_tells_the_applicant_once(api, client, officer, mailed, django_capture_on_commit_callbacks):
    tracking = dispatch(api, officer, mailed).json()["tracking_number"]
    body = {"tracking_number": tracking, "event": "delivered", "at": "2026-09-22T09:30:00+08:00"}

    with django_capture_on_commit_callbacks(execute=True):
        _callback(client, body)
        _callback(client, body)

    sent = Notification.objects.filter(template_code="delivered")
    assert sorted(sent.values_list("channel", flat=True)) == ["in_app", "sms"]
    assert set(sent.values_list("recipient_user", flat=True)) == {mailed.application.applicant_id}
