from __future__ import annotations

from decimal import Decimal

import pytest

from exitentry.applications import numbering
from exitentry.applications.models import Application, ApplicationItem, ItemEvent, MaterialStatus
from exitentry.applications.tests import factories as f
from exitentry.audit.models import AuditEvent
from exitentry.identity.models import HeldDocument, HeldDocumentStatus
from exitentry.payments.models import Order

RENEW_WITH_PERMIT = ["passport.renewal", "hk_macau_permit.renewal", "hk_macau_endorsement.G"]


def submit(api, user, body, key="key-1"):
    return api.post("/applications", body, headers={**f.bearer(user), "Idempotency-Key": key})


def test_one_form_makes_one_application_with_an_item_per_document(api, applicant, jinan_hall):
    body = f.application_body(
        RENEW_WITH_PERMIT, pickup=jinan_hall.pk, entries={"hk_macau_endorsement.G": "single"}
    )

    response = submit(api, applicant, body)

    assert response.status_code == 201, response.json()
    data = response.json()
    assert numbering.is_well_formed(data["number"])
    assert [(i["service"], i["status"], i["fee_cny"]) for i in data["items"]] == [
        ("passport.renewal", "awaiting_payment", "120.00"),
        ("hk_macau_permit.renewal", "awaiting_payment", "60.00"),
        ("hk_macau_endorsement.G", "awaiting_payment", "15.00"),
    ]
    assert data["total_fee_cny"] == "195.00"
    assert data["status"] == "awaiting_payment"
    assert data["zero_visit"] is True
    assert data["applicant"]["full_name"] == applicant.person.full_name
    assert data["applicant"]["id_number_masked"] == applicant.person.masked_id_number
    application = Application.objects.get(number=data["number"])
    assert application.id_number == applicant.person.id_number
    assert application.service_point == jinan_hall
    assert [
        e.action for e in ItemEvent.objects.filter(item__application=application, item__sort_order=0)
    ] == [
        "created",
        "submitted",
        "payment_requested",
    ]


def test_the_payment_order_has_one_line_per_item_with_a_fee(api, applicant, jinan_hall):
    response = submit(api, applicant, f.application_body(RENEW_WITH_PERMIT, pickup=jinan_hall.pk))

    order = Order.objects.get(number=response.json()["payment_order"])
    assert order.subject_type == "applications.application"
    assert order.subject_id == response.json()["number"]
    assert order.amount == Decimal("195.00")
    items = {item.pk: item for item in ApplicationItem.objects.filter(application__number=order.subject_id)}
    assert sorted(line.reference for line in order.lines.all()) == sorted(f"item:{pk}" for pk in items)


def test_materials_come_from_the_catalog_checklist(api, applicant, jinan_hall):
    response = submit(api, applicant, f.application_body(RENEW_WITH_PERMIT, pickup=jinan_hall.pk))

    statuses = {m["code"]: m["status"] for m in response.json()["materials"]}
    assert statuses == {
        "resident_id_card": MaterialStatus.TO_UPLOAD,
        "application_form": MaterialStatus.MADE_FOR_YOU,
        "photo": MaterialStatus.MADE_FOR_YOU,
        "previous_passport": MaterialStatus.TO_UPLOAD,
        "previous_hk_macau_permit": MaterialStatus.TO_UPLOAD,
    }
    assert response.json()["accepted_at"] is None
    assert response.json()["promised_date"] is None


def test_the_same_idempotency_key_returns_the_same_application(api, applicant, jinan_hall):
    body = f.application_body(RENEW_WITH_PERMIT, pickup=jinan_hall.pk)

    first = submit(api, applicant, body, key="double-click")
    second = submit(api, applicant, body, key="double-click")

    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["number"] == second.json()["number"]
    assert Application.objects.count() == 1
    assert Order.objects.count() == 1


def test_the_same_key_with_another_form_is_refused(api, applicant, jinan_hall):
    submit(api, applicant, f.application_body(["passport.renewal"], pickup=jinan_hall.pk), key="k")

    response = submit(api, applicant, f.application_body(RENEW_WITH_PERMIT, pickup=jinan_hall.pk), key="k")

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert Application.objects.count() == 1


def test_an_application_needs_an_idempotency_key(api, applicant, jinan_hall):
    response = api.post(
        "/applications",
        f.application_body(["passport.renewal"], pickup=jinan_hall.pk),
        headers=f.bearer(applicant),
    )

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_required"


def test_a_second_open_application_for_the_same_document_is_refused(api, applicant, jinan_hall):
    submit(api, applicant, f.application_body(["passport.renewal"], pickup=jinan_hall.pk), key="a")

    response = submit(api, applicant, f.application_body(["passport.renewal"], pickup=jinan_hall.pk), key="b")

    assert response.status_code == 409
    assert response.json()["code"] == "already_applied"
    assert response.json()["details"]["service"] == "passport.renewal"
    assert Application.objects.count() == 1


def test_replacing_a_lost_passport_cancels_the_old_one_and_audits_it(api, applicant, resident, jinan_hall):
    old = HeldDocument.objects.get(person=resident, document_type="passport")
    body = f.application_body(
        ["passport.replacement_lost"],
        pickup=jinan_hall.pk,
        loss_declaration={
            "lost_on": "2026-09-10",
            "place": "Jinan railway station",
            "circumstances": "Stolen bag",
        },
    )

    response = submit(api, applicant, body)

    assert response.status_code == 201, response.json()
    old.refresh_from_db()
    assert old.status == HeldDocumentStatus.REPORTED_LOST
    event = AuditEvent.objects.get(action="identity.document_status_changed", object_id=str(old.pk))
    assert event.summary["after"] == {"status": "reported_lost"}
    materials = {m["code"]: m["status"] for m in response.json()["materials"]}
    assert materials["loss_statement"] == MaterialStatus.DECLARED


def test_replacing_a_lost_document_needs_the_loss_declaration(api, applicant, resident, jinan_hall):
    response = submit(api, applicant, f.application_body(["passport.replacement_lost"], pickup=jinan_hall.pk))

    assert response.status_code == 422
    assert response.json()["code"] == "loss_declaration_required"
    assert (
        HeldDocument.objects.get(person=resident, document_type="passport").status == HeldDocumentStatus.VALID
    )


def test_an_emergency_needs_its_reason(api, applicant, jinan_hall):
    body = f.application_body(["passport.renewal"], pickup=jinan_hall.pk, priority="emergency")

    response = submit(api, applicant, body)

    assert response.status_code == 422
    assert response.json()["code"] == "emergency_reason_required"


def test_an_emergency_with_reason_asks_for_written_proof(api, applicant, jinan_hall):
    body = f.application_body(
        ["passport.renewal"],
        pickup=jinan_hall.pk,
        priority="emergency",
        emergency_reason="critically_ill_relative",
    )

    response = submit(api, applicant, body)

    assert response.status_code == 201, response.json()
    materials = {m["code"]: m["status"] for m in response.json()["materials"]}
    assert materials["urgent_proof"] == MaterialStatus.TO_UPLOAD
    assert Application.objects.get().emergency_reason == "critically_ill_relative"


def test_collecting_needs_a_hall(api, applicant):
    response = submit(api, applicant, f.application_body(["passport.renewal"]))

    assert response.status_code == 422
    assert response.json()["code"] == "pickup_point_required"


def test_courier_delivery_needs_an_address(api, applicant, jinan_hall):
    body = f.application_body(["passport.renewal"], delivery={"method": "mail", "address": ""})

    response = submit(api, applicant, body)

    assert response.status_code == 422
    assert response.json()["code"] == "delivery_address_required"


def test_courier_delivery_is_handled_by_a_hall_of_the_household_city(
    api, applicant, jinan_hall, qingdao_hall
):
    body = f.application_body(
        ["passport.renewal"], delivery={"method": "mail", "address": "1 Quancheng Road, Jinan"}
    )

    response = submit(api, applicant, body)

    assert response.status_code == 201, response.json()
    application = Application.objects.get()
    assert (application.service_point, application.pickup_point) == (jinan_hall, None)


def test_an_endorsement_needs_a_valid_permit(api, jinan_hall):
    owner = f.person()
    f.passport(owner)
    user = f.applicant(owner)

    response = submit(api, user, f.application_body(["hk_macau_endorsement.G"], pickup=jinan_hall.pk))

    assert response.status_code == 422
    assert response.json()["code"] == "no_permit_for_endorsement"


def test_an_individual_travel_endorsement_is_only_for_scheme_cities(api, jinan_hall):
    owner = f.person(city_code=f.YANTAI, region="370602")
    f.hk_macau_permit(owner)
    user = f.applicant(owner)

    response = submit(api, user, f.application_body(["hk_macau_endorsement.G"], pickup=jinan_hall.pk))

    assert response.status_code == 422
    assert response.json()["code"] == "endorsement_not_available"


def test_unknown_services_are_refused(api, applicant, jinan_hall):
    response = submit(api, applicant, f.application_body(["passport.teleport"], pickup=jinan_hall.pk))

    assert response.status_code == 422
    assert response.json()["code"] == "unknown_service"
    assert response.json()["details"]["unknown"] == ["passport.teleport"]


def test_applicants_cannot_use_the_counter_channel(api, applicant, jinan_hall):
    response = submit(
        api, applicant, f.application_body(["passport.renewal"], pickup=jinan_hall.pk, channel="window")
    )

    assert response.status_code == 422
    assert response.json()["code"] == "channel_not_allowed"


def test_an_account_without_a_resident_record_cannot_apply(api, jinan_hall):
    user = f.applicant()
    user.person = None
    user.save()

    response = submit(api, user, f.application_body(["passport.renewal"], pickup=jinan_hall.pk))

    assert response.status_code == 422
    assert response.json()["code"] == "no_resident_record"


def test_an_officer_files_a_window_application_for_a_person_on_record(api, officer, resident, jinan_hall):
    body = f.application_body(
        ["passport.first_issue"],
        channel="window",
        person_id_number=resident.id_number,
        face_check_reference="",
    )
    HeldDocument.objects.filter(person=resident).delete()

    response = submit(api, officer, body)

    assert response.status_code == 201, response.json()
    application = Application.objects.get()
    assert (application.channel, application.service_point, application.pickup_point) == (
        "window",
        jinan_hall,
        jinan_hall,
    )
    assert {m["code"]: m["status"] for m in response.json()["materials"]}["resident_id_card"] == "presented"
    assert application.accepted_at is not None


def test_submitting_needs_a_signed_in_caller(api, jinan_hall):
    response = api.post(
        "/applications",
        f.application_body(["passport.renewal"], pickup=jinan_hall.pk),
        headers={"Idempotency-Key": "x"},
    )

    assert response.status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"services": [], "delivery": {"method": "pickup"}}, "services"),
        ({"services": ["passport.renewal"], "delivery": {"method": "drone"}}, "method"),
        ({"services": ["passport.renewal"]}, "delivery"),
    ],
)
def test_malformed_bodies_are_validation_errors(api, applicant, body, field):
    response = submit(api, applicant, body)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert field in response.json()["details"]["errors"][0]["loc"]
