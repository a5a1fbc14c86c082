from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from exitentry.accounts.models import Role
from exitentry.applications.models import ApplicationItem, ApplicationMaterial, MaterialStatus
from exitentry.applications.tests import factories as f
from exitentry.audit.models import AuditEvent


def act(api, user, item, action, body=None):
    return api.post(f"/applications/items/{item.pk}/{action}", body or {}, headers=f.bearer(user))


@pytest.fixture
def item(resident, jinan_hall):
    return f.make_item(resident, jinan_hall, accepted_on=f.TODAY, promised_date=dt.date(2026, 9, 30))


def test_the_queue_shows_only_the_officers_own_service_points(
    api, officer, resident, jinan_hall, qingdao_hall
):
    own = f.make_item(resident, jinan_hall)
    f.make_item(f.person(), qingdao_hall)

    response = api.get("/applications/queue", headers=f.bearer(officer))

    assert response.status_code == 200
    assert [row["id"] for row in response.json()] == [own.pk]


def test_the_queue_puts_the_earliest_promised_date_first_then_the_most_urgent(api, officer, jinan_hall):
    late = f.make_item(f.person(), jinan_hall, promised_date=dt.date(2026, 10, 9), accepted_on=f.TODAY)
    normal = f.make_item(f.person(), jinan_hall, promised_date=dt.date(2026, 9, 30), accepted_on=f.TODAY)
    urgent = f.make_item(
        f.person(), jinan_hall, promised_date=dt.date(2026, 9, 30), accepted_on=f.TODAY, priority="emergency"
    )
    unaccepted = f.make_item(f.person(), jinan_hall)

    rows = api.get("/applications/queue", headers=f.bearer(officer)).json()

    assert [row["id"] for row in rows] == [urgent.pk, normal.pk, late.pk, unaccepted.pk]
    assert rows[0]["priority"] == "emergency"
    assert "*" in rows[0]["applicant"]


def test_another_points_item_is_not_found_for_the_officer(api, resident, qingdao_hall, officer):
    elsewhere = f.make_item(resident, qingdao_hall)

    response = act(api, officer, elsewhere, "approve")

    assert response.status_code == 404
    assert response.json()["code"] == "item_not_found"
    assert ApplicationItem.objects.get(pk=elsewhere.pk).status == "under_review"


def test_an_item_number_beyond_64_bits_is_not_found(api, officer):
    # The answer echoes the number: it is rendered even though orjson refuses such an integer.
    response = api.post(
        "/applications/items/2052191100147776985341504782336/approve", {}, headers=f.bearer(officer)
    )

    assert response.status_code == 404
    assert response.json()["code"] == "item_not_found"
    assert response.json()["details"] == {"item": 2052191100147776985341504782336}


def test_an_applicant_cannot_approve(api, applicant, item):
    response = act(api, applicant, item, "approve")

    assert response.status_code == 403


def test_approving_sends_the_item_to_production(api, officer, item, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = act(api, officer, item, "approve", {"note": "All in order"})

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "approved"
    item.refresh_from_db()
    assert (item.status, item.decision_reason) == ("in_production", "All in order")
    assert [e.action for e in item.events.all()] == ["approved", "production_started"]


def test_an_application_still_missing_documents_cannot_be_approved(api, officer, resident, jinan_hall):
    incomplete = f.make_item(resident, jinan_hall)

    response = act(api, officer, incomplete, "approve")

    assert response.status_code == 409
    assert response.json()["code"] == "application_incomplete"
    assert ApplicationItem.objects.get(pk=incomplete.pk).status == "under_review"


def test_approving_twice_is_an_invalid_transition(api, officer, item):
    act(api, officer, item, "approve")

    response = act(api, officer, item, "approve")

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


def test_refusing_needs_a_reason_the_applicant_reads(api, officer, applicant, item):
    assert act(api, officer, item, "reject", {"reason": ""}).json()["code"] == "reason_required"

    response = act(api, officer, item, "reject", {"reason": "The photo on record does not match."})

    assert response.status_code == 200
    mine = api.get(f"/applications/{item.application.number}", headers=f.bearer(applicant)).json()
    assert mine["items"][0]["status"] == "rejected"
    assert mine["items"][0]["decision_reason"] == "The photo on record does not match."


def test_asking_for_more_documents_lets_the_applicant_upload_and_resumes_the_review(
    api, client, officer, applicant, item
):
    response = act(
        api,
        officer,
        item,
        "request-materials",
        {"materials": ["photo"], "note": "The photo is blurred, send another."},
    )

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "needs_more_materials"
    photo = ApplicationMaterial.objects.get(application=item.application, code="photo")
    assert (photo.status, photo.note, photo.requested_by) == (
        MaterialStatus.REQUESTED,
        "The photo is blurred, send another.",
        officer,
    )

    uploaded = client.post(
        f"/api/v1/applications/{item.application.number}/materials",
        {"material": "photo", "file": SimpleUploadedFile("me.jpg", f.jpeg(), content_type="image/jpeg")},
        headers=f.bearer(applicant),
    )

    assert uploaded.status_code == 201, uploaded.json()
    item.refresh_from_db()
    assert item.status == "under_review"
    assert [e.action for e in item.events.all()][-2:] == ["materials_requested", "review_resumed"]


def test_asking_for_an_unknown_document_is_refused(api, officer, item):
    response = act(
        api, officer, item, "request-materials", {"materials": ["unicorn"], "note": "Send a unicorn."}
    )

    assert response.status_code == 422
    assert response.json()["code"] == "unknown_material"


def test_pickup_hand_over_checks_the_last_four_of_the_id_number(api, officer, item, resident):
    ApplicationItem.objects.filter(pk=item.pk).update(status="in_production")
    assert act(api, officer, item, "produce").json()["status"] == "ready_for_pickup"

    wrong = act(api, officer, item, "hand-over", {"id_last4": "0000"})
    right = act(api, officer, item, "hand-over", {"id_last4": resident.id_number[-4:].lower()})

    assert (wrong.status_code, wrong.json()["code"]) == (422, "id_check_failed")
    assert AuditEvent.objects.filter(action="applications.id_check_failed").count() == 1
    assert (right.status_code, right.json()["status"]) == (200, "collected")


def test_courier_delivery_records_the_tracking_number(api, officer, resident, jinan_hall):
    item = f.make_item(resident, jinan_hall, status="in_production", delivery="mail")

    assert act(api, officer, item, "produce").json()["code"] == "delivery_is_by_mail"
    assert (
        act(api, officer, item, "dispatch", {"tracking_number": "x"}).json()["code"]
        == "invalid_tracking_number"
    )
    sent = act(api, officer, item, "dispatch", {"tracking_number": "sf1234567890", "courier": "SF Express"})
    delivered = act(api, officer, item, "delivered")

    assert sent.json()["tracking_number"] == "SF1234567890"
    assert sent.json()["courier"] == "SF Express"
    assert delivered.json()["status"] == "delivered"


def test_a_pickup_item_cannot_be_dispatched(api, officer, resident, jinan_hall):
    item = f.make_item(resident, jinan_hall, status="in_production")

    response = act(api, officer, item, "dispatch", {"tracking_number": "SF1234567890"})

    assert response.json()["code"] == "delivery_is_pickup"


def test_an_officer_reading_an_application_is_logged(api, officer, item):
    response = api.get(f"/applications/{item.application.number}", headers=f.bearer(officer))

    assert response.status_code == 200
    access = AuditEvent.objects.get(action="personal_record.viewed")
    assert (access.actor, access.summary["purpose"]) == (officer, "application_review")


def test_a_manager_sees_every_point_in_the_queue_but_cannot_decide(api, item, qingdao_hall):
    manager = f.staff(Role.MANAGER)
    other = f.make_item(f.person(), qingdao_hall)

    rows = api.get("/applications/queue", headers=f.bearer(manager)).json()

    assert {row["id"] for row in rows} == {item.pk, other.pk}
    assert act(api, manager, item, "approve").status_code == 403


def test_the_applicant_withdraws_an_undecided_item(api, applicant, item):
    response = api.post(f"/applications/items/{item.pk}/withdraw", headers=f.bearer(applicant))

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "withdrawn"


def test_someone_else_cannot_withdraw_an_item(api, item):
    response = api.post(f"/applications/items/{item.pk}/withdraw", headers=f.bearer(f.applicant()))

    assert response.status_code == 404
