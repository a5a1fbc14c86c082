"""Hand-over and delivery register the issued document in the person's identity record."""

from __future__ import annotations

import datetime as dt

from exitentry.applications import issuance
from exitentry.applications.models import ApplicationItem, DocumentValidityRule, ItemStatus
from exitentry.applications.tests import factories as f
from exitentry.audit.models import AuditEvent
from exitentry.identity.models import HeldDocument


def hand_over(api, officer, item, person):
    ApplicationItem.objects.filter(pk=item.pk).update(status="ready_for_pickup")
    return api.post(
        f"/applications/items/{item.pk}/hand-over",
        {"id_last4": person.id_number[-4:]},
        headers=f.bearer(officer),
    )


def test_handing_over_a_passport_registers_it_and_retires_the_old_one(api, officer, resident, jinan_hall):
    old = HeldDocument.objects.get(person=resident, document_type="passport")
    item = f.make_item(resident, jinan_hall)

    response = hand_over(api, officer, item, resident)

    assert response.json()["status"] == "collected"
    item.refresh_from_db()
    new = item.issued_document
    assert new.document_type == "passport"
    assert new.status == "valid"
    assert new.number.startswith("E")
    assert len(new.number) == 9
    assert (new.issued_on, new.expires_on) == (f.TODAY, dt.date(2036, 9, 20))
    old.refresh_from_db()
    assert old.status == "invalidated"
    assert (
        AuditEvent.objects.filter(action="identity.document_registered", object_id=str(new.pk)).count() == 1
    )


def test_a_child_under_16_gets_a_five_year_passport(api, officer, jinan_hall):
    child = f.person(age=10)
    item = f.make_item(child, jinan_hall, service_code="passport.first_issue")

    hand_over(api, officer, item, child)

    item.refresh_from_db()
    assert item.issued_document.expires_on == dt.date(2031, 9, 20)


def test_the_validity_comes_from_the_rule_in_force(api, officer, resident, jinan_hall):
    DocumentValidityRule.objects.filter(document_type="passport", min_age=16).update(
        effective_to=dt.date(2026, 9, 1)
    )
    DocumentValidityRule.objects.create(
        document_type="passport",
        min_age=16,
        validity_years=8,
        effective_from=dt.date(2026, 9, 2),
        source="test",
    )
    item = f.make_item(resident, jinan_hall)

    hand_over(api, officer, item, resident)

    item.refresh_from_db()
    assert item.issued_document.expires_on == dt.date(2034, 9, 20)


def test_an_endorsement_alone_goes_on_the_valid_permit(api, officer, jinan_hall):
    person = f.person()
    permit = f.hk_macau_permit(person, endorsements=["T"])
    item = f.make_item(person, jinan_hall, service_code="hk_macau_endorsement.G")

    hand_over(api, officer, item, person)

    permit.refresh_from_db()
    item.refresh_from_db()
    assert permit.endorsements == ["G", "T"]
    assert item.issued_document == permit


def _sibling(item, service_code):
    from exitentry.catalog.models import Service

    service = Service.objects.select_related("document_type", "endorsement_type").get(code=service_code)
    return ApplicationItem.objects.create(
        application=item.application,
        person=item.person,
        service=service,
        service_code=service.code,
        document_type=service.document_type.code,
        reason=service.reason,
        endorsement_type=service.endorsement_type.code if service.endorsement_type else "",
        standard_fee=15,
        fee=15,
        status="ready_for_pickup",
        updated_at=item.updated_at,
        sort_order=1,
    )


def test_an_endorsement_handed_over_before_its_new_permit_is_carried_onto_it(
    api, officer, resident, jinan_hall
):
    old_permit = HeldDocument.objects.get(person=resident, document_type="hk_macau_permit")
    permit_item = f.make_item(resident, jinan_hall, service_code="hk_macau_permit.renewal")
    endorsement = _sibling(permit_item, "hk_macau_endorsement.G")

    hand_over(api, officer, endorsement, resident)
    endorsement.refresh_from_db()
    assert endorsement.issued_document is None
    hand_over(api, officer, permit_item, resident)

    permit_item.refresh_from_db()
    endorsement.refresh_from_db()
    new_permit = permit_item.issued_document
    assert new_permit.endorsements == ["G"]
    assert endorsement.issued_document == new_permit
    old_permit.refresh_from_db()
    assert old_permit.status == "invalidated"


def test_an_endorsement_handed_over_after_its_new_permit_is_added_to_it(api, officer, resident, jinan_hall):
    permit_item = f.make_item(resident, jinan_hall, service_code="hk_macau_permit.renewal")
    endorsement = _sibling(permit_item, "hk_macau_endorsement.G")

    hand_over(api, officer, permit_item, resident)
    hand_over(api, officer, endorsement, resident)

    permit_item.refresh_from_db()
    endorsement.refresh_from_db()
    assert permit_item.issued_document.endorsements == ["G"]
    assert endorsement.issued_document == permit_item.issued_document


def test_registering_twice_changes_nothing(api, officer, resident, jinan_hall):
    item = f.make_item(resident, jinan_hall)
    hand_over(api, officer, item, resident)
    item.refresh_from_db()

    again = issuance.register_issued(item, actor="system")

    assert again == item.issued_document
    assert HeldDocument.objects.filter(person=resident, document_type="passport").count() == 2


def test_a_failed_registration_leaves_the_item_ready_to_collect(api, officer, resident, jinan_hall):
    DocumentValidityRule.objects.filter(document_type="passport").delete()
    item = f.make_item(resident, jinan_hall)

    response = hand_over(api, officer, item, resident)

    assert (response.status_code, response.json()["code"]) == (409, "no_validity_rule")
    item.refresh_from_db()
    assert item.status == ItemStatus.READY_FOR_PICKUP
    assert not item.events.filter(action="collected").exists()
