"""The story of the demo province, end to end through the API (see accounts/demo.py).

applicant001 (Jinan, adult, fingerprints on file, passport expiring, HK/Macau permit that carried
a G endorsement) renews the passport fully online and adds a permit renewal with a G endorsement
on the same form, uploads the documents, pays in the sandbox, an officer of the collection hall
reviews and approves, the applicant tracks it and collects it. A child in the demo is told why
they cannot apply online and is offered a booking.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from exitentry.accounts.demo import DEMO_PASSWORD, seed_accounts
from exitentry.accounts.models import Role, User
from exitentry.applications.tests import factories as f
from exitentry.payments.gateways.sandbox import SandboxGateway
from exitentry.payments.models import Order
from exitentry.servicepoints.demo import seed_service_network
from exitentry.servicepoints.models import ServicePoint


@pytest.fixture
def demo(db):
    seed_service_network(days=3)
    seed_accounts()


def token(api, username):
    api.headers.pop("Authorization", None)
    return {"Authorization": f"Bearer {api.login(username, DEMO_PASSWORD)}"}


def test_applicant001_renews_online_pays_is_approved_tracks_and_collects(
    api, client, demo, django_capture_on_commit_callbacks
):
    hall = ServicePoint.objects.get(code="jinan-lixia-hall")
    applicant = token(api, "applicant001")
    eligible = api.post(
        "/applications/eligibility/zero-visit",
        {
            "services": ["passport.renewal", "hk_macau_permit.renewal"],
            "face_check_reference": "sandbox-pass-demo",
        },
        headers=applicant,
    )
    assert eligible.json()["eligible"] is True, eligible.json()

    submitted = api.post(
        "/applications",
        {
            "services": ["passport.renewal", "hk_macau_permit.renewal", "hk_macau_endorsement.G"],
            "entries": {"hk_macau_endorsement.G": "single"},
            "channel": "online",
            "delivery": {"method": "pickup", "service_point_id": hall.pk},
            "face_check_reference": "sandbox-pass-demo",
        },
        headers={**applicant, "Idempotency-Key": "demo-story-1"},
    )
    assert submitted.status_code == 201, submitted.json()
    number = submitted.json()["number"]
    assert submitted.json()["total_fee_cny"] == "195.00"

    for material, content in [
        ("resident_id_card", f.png()),
        ("previous_passport", f.jpeg()),
        ("previous_hk_macau_permit", f.pdf()),
    ]:
        sent = client.post(
            f"/api/v1/applications/{number}/materials",
            {"material": material, "file": SimpleUploadedFile(f"{material}.bin", content)},
            headers=applicant,
        )
        assert sent.status_code == 201, sent.json()

    order = Order.objects.get(number=submitted.json()["payment_order"])
    headers, body = SandboxGateway("wechat_pay").callback(order.number, order.amount, succeeded=True)
    paid = client.post(
        "/api/v1/payments/callbacks/wechat_pay", body, content_type="application/json", headers=headers
    )
    assert paid.status_code == 200

    officer = User.objects.get(role=Role.OFFICER, service_points=hall)
    staff = token(api, officer.username)
    queue = api.get("/applications/queue", headers=staff).json()
    mine = [row for row in queue if row["number"] == number]
    assert [row["status"] for row in mine] == ["under_review"] * 3
    assert mine[0]["promised_date"] == "2026-10-08"
    for row in mine:
        with django_capture_on_commit_callbacks(execute=True):
            assert api.post(f"/applications/items/{row['id']}/approve", {}, headers=staff).status_code == 200
        assert (
            api.post(f"/applications/items/{row['id']}/produce", headers=staff).json()["status"]
            == "ready_for_pickup"
        )

    person = User.objects.get(username="applicant001").person
    api.headers.pop("Authorization", None)
    tracked = api.get(
        "/track", {"number": number, "id_last4": person.id_number[-4:]}, headers={"Accept-Language": "en"}
    )
    assert tracked.status_code == 200
    assert (tracked.json()["status"], tracked.json()["status_label"], tracked.json()["promised_date"]) == (
        "ready_for_pickup",
        "Ready to collect",
        "2026-10-08",
    )

    for row in mine:
        handed = api.post(
            f"/applications/items/{row['id']}/hand-over", {"id_last4": person.id_number[-4:]}, headers=staff
        )
        assert handed.json()["status"] == "collected"


def test_a_child_in_the_demo_is_told_why_and_offered_a_booking(api, demo):
    child = next(
        user
        for user in User.objects.filter(role=Role.APPLICANT, person__isnull=False).select_related("person")
        if (f.TODAY - user.person.birth_date).days < 16 * 365
    )

    response = api.post(
        "/applications/eligibility/zero-visit",
        {"services": ["passport.renewal"], "face_check_reference": "sandbox-pass-demo"},
        headers={**token(api, child.username), "Accept-Language": "en"},
    )

    data = response.json()
    assert data["eligible"] is False
    assert "under_16" in [failure["code"] for failure in data["failures"]]
    assert data["booking_url"].startswith("/appointments/book/?service=passport.renewal")
    assert data["where_to_go"]
