from __future__ import annotations

import datetime as dt

from exitentry.accounts.models import Role
from exitentry.audit.models import AuditEvent
from exitentry.kiosk import services
from exitentry.kiosk.models import DeviceStatus, KioskDevice
from exitentry.kiosk.tests import factories as f


def test_heartbeat_records_the_printer_status_and_audits_only_a_change(api, kiosk):
    device, token = kiosk
    headers = {"X-Kiosk-Token": token}

    first = api.post("/kiosk/heartbeat", {"status": "ok"}, headers=headers)
    jammed = api.post("/kiosk/heartbeat", {"status": "printer_jam"}, headers=headers)
    again = api.post("/kiosk/heartbeat", {"status": "printer_jam"}, headers=headers)

    assert first.status_code == 200, first.content
    assert jammed.json()["status"] == "printer_jam"
    assert again.json()["last_heartbeat_at"] == "2026-09-21T02:00:00Z"
    changes = AuditEvent.objects.filter(action="kiosk.device_status_changed", object_id=str(device.pk))
    assert [event.summary["after"]["status"] for event in changes] == ["printer_jam"]


def test_heartbeat_with_an_unknown_token_is_refused(api, kiosk):
    response = api.post("/kiosk/heartbeat", {"status": "ok"}, headers={"X-Kiosk-Token": "kd_wrong"})

    assert response.status_code == 401
    assert response.json()["code"] == "kiosk_device_not_registered"


def test_a_device_cannot_report_itself_offline(api, kiosk):
    _device, token = kiosk
    response = api.post("/kiosk/heartbeat", {"status": "offline"}, headers={"X-Kiosk-Token": token})

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


def test_a_device_silent_longer_than_the_policy_allows_is_flagged_offline(api, kiosk, clock):
    device, token = kiosk
    api.post("/kiosk/heartbeat", {"status": "ok"}, headers={"X-Kiosk-Token": token})

    clock.shift(dt.timedelta(minutes=4))
    assert services.flag_offline_devices() == 0
    clock.shift(dt.timedelta(minutes=2))
    assert services.flag_offline_devices() == 1
    assert services.flag_offline_devices() == 0

    device.refresh_from_db()
    assert device.status == DeviceStatus.OFFLINE
    api.post("/kiosk/heartbeat", {"status": "ok"}, headers={"X-Kiosk-Token": token})
    device.refresh_from_db()
    assert device.status == DeviceStatus.OK


def test_officers_see_and_register_devices_only_at_their_own_service_point(api, kiosk, jinan_hall):
    other_hall = f.hall("qingdao-shinan", f.app_factories.QINGDAO)
    f.device(other_hall)
    officer = f.officer(jinan_hall)
    headers = f.bearer(officer)

    listed = api.get("/kiosk/devices", headers=headers)
    created = api.post(
        "/kiosk/devices",
        {"service_point_id": jinan_hall.pk, "code": "lixia-02", "name": "Lixia 2"},
        headers=headers,
    )
    elsewhere = api.post(
        "/kiosk/devices",
        {"service_point_id": other_hall.pk, "code": "shinan-09", "name": "Shinan 9"},
        headers=headers,
    )
    duplicate = api.post(
        "/kiosk/devices",
        {"service_point_id": jinan_hall.pk, "code": "lixia-02", "name": "Lixia 2 again"},
        headers=headers,
    )

    assert [row["code"] for row in listed.json()] == [kiosk[0].code]
    assert created.status_code == 201, created.content
    token = created.json()["token"]
    assert created.json()["idle_timeout_seconds"] == 90
    assert services.device_for_token(token) == KioskDevice.objects.get(code="lixia-02")
    assert elsewhere.status_code == 404
    assert duplicate.status_code == 409
    assert duplicate.json()["code"] == "device_code_taken"


def test_applicants_cannot_list_devices(api, kiosk):
    owner = f.person()
    response = api.get("/kiosk/devices", headers=f.bearer(f.applicant_user(owner)))

    assert response.status_code == 403


def test_the_officer_page_shows_a_jammed_device(client, kiosk, jinan_hall):
    device, _token = kiosk
    services.record_heartbeat(device, status=DeviceStatus.PRINTER_JAM)
    client.force_login(f.staff(Role.SUPERVISOR, jinan_hall))

    response = client.get("/kiosk/devices/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    body = response.content.decode()
    assert f'data-device="{device.code}"' in body
    assert "Printer jammed" in body
