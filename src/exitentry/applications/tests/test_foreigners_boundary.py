"""Foreigners' cases reuse applications but not the citizens' pages: the citizens' officer console
neither lists nor opens them, issuance registers nothing for them in a citizen's record, and the
citizens' apply flow offers and accepts only services for Chinese citizens."""

from __future__ import annotations

import pytest

from exitentry.accounts.models import Role
from exitentry.accounts.tests.factories import PASSWORD
from exitentry.applications import issuance
from exitentry.applications.models import ApplicationItem, ItemStatus
from exitentry.applications.tests import factories as f
from exitentry.catalog.models import Holder, Service
from exitentry.foreigners.tests import factories as ff
from exitentry.identity.models import HeldDocument

EN = {"Accept-Language": "en"}


@pytest.fixture
def foreigners_hall():
    return ff.foreigners_hall("bj-government-service-center")


@pytest.fixture
def case_items(api, foreigners_hall):
    """A joint work + residence permit case filed by an employer, both items under review."""
    ff.employer("employer01", "Zhongguancun Robotics")
    api.login("employer01", PASSWORD)
    response = api.post(
        "/foreigners/applications",
        {
            "kind": "joint_work_residence",
            "mrz": ff.mrz(),
            "phone": "13910000001",
            "service_point_id": foreigners_hall.pk,
            "job_title": "Robotics engineer",
        },
        headers={"Idempotency-Key": "joint-boundary"},
    )
    api.headers.clear()
    assert response.status_code == 201, response.content
    items = list(ApplicationItem.objects.filter(application__number=response.json()["number"]))
    assert {item.status for item in items} == {ItemStatus.UNDER_REVIEW}
    return items


@pytest.fixture
def hall_officer(foreigners_hall, jinan_hall):
    """A citizens' officer whose scope includes the foreigners' hall (and a citizens' hall)."""
    return f.staff(Role.OFFICER, foreigners_hall, jinan_hall)


def test_the_citizens_work_queue_does_not_list_foreigners_items(api, case_items, hall_officer, jinan_hall):
    citizen_item = f.make_item(f.person(), jinan_hall)

    rows = api.get("/applications/queue", headers=f.bearer(hall_officer)).json()

    assert [row["id"] for row in rows] == [citizen_item.pk]


def test_the_citizens_api_cannot_open_or_decide_a_foreigners_item(api, case_items, hall_officer):
    item = next(i for i in case_items if i.service_code == "foreigners.residence_work")
    headers = f.bearer(hall_officer)

    approved = api.post(f"/applications/items/{item.pk}/approve", {}, headers=headers)
    rejected = api.post(f"/applications/items/{item.pk}/reject", {"reason": "Not for you"}, headers=headers)
    opened = api.get(f"/applications/{item.application.number}", headers=headers)

    assert (approved.status_code, approved.json()["code"]) == (404, "item_not_found")
    assert (rejected.status_code, rejected.json()["code"]) == (404, "item_not_found")
    assert (opened.status_code, opened.json()["code"]) == (404, "application_not_found")
    item.refresh_from_db()
    assert item.status == ItemStatus.UNDER_REVIEW


def test_the_citizens_console_pages_do_not_show_foreigners_items(client, case_items, hall_officer):
    item = case_items[0]
    assert client.login(username=hall_officer.username, password=PASSWORD)

    queue = client.get("/officer/", headers=EN)
    review = client.get(f"/officer/items/{item.pk}/", headers=EN)
    action = client.post(f"/officer/items/{item.pk}/approve/", {"note": ""}, headers=EN)

    assert queue.status_code == 200
    assert item.application.number not in queue.content.decode()
    assert review.status_code == 404
    assert action.status_code == 404


def test_issuing_a_foreigners_document_registers_nothing_in_identity(case_items):
    residence = next(i for i in case_items if i.service_code == "foreigners.residence_work")
    ApplicationItem.objects.filter(pk=residence.pk).update(status=ItemStatus.COLLECTED)
    before = HeldDocument.objects.count()

    document = issuance.register_issued(residence, actor="system")

    assert document is None
    assert HeldDocument.objects.count() == before
    residence.refresh_from_db()
    assert residence.issued_document is None


def test_the_apply_page_offers_only_citizens_services(client, applicant):
    assert Service.objects.filter(document_type__holder=Holder.FOREIGNER, is_active=True).exists()
    assert client.login(username=applicant.username, password=PASSWORD)

    page = client.get("/applications/apply/?new=1", headers=EN).content.decode()

    assert 'name="document_passport"' in page
    assert 'name="document_hk_macau_permit"' in page
    assert "document_foreign_" not in page
    assert "foreigners." not in page


def test_the_api_refuses_a_foreigners_service_on_the_citizens_form(api, applicant, jinan_hall):
    headers = {**f.bearer(applicant), "Idempotency-Key": "foreign-1"}

    submitted = api.post(
        "/applications",
        f.application_body(["foreigners.visa_extension"], pickup=jinan_hall.pk),
        headers=headers,
    )
    eligibility = api.post(
        "/applications/eligibility/zero-visit",
        {"services": ["passport.renewal", "foreigners.residence_study"]},
        headers=f.bearer(applicant),
    )

    assert submitted.status_code == 422
    assert submitted.json()["code"] == "service_for_foreigners"
    assert submitted.json()["details"]["services"] == ["foreigners.visa_extension"]
    assert (eligibility.status_code, eligibility.json()["code"]) == (422, "service_for_foreigners")


def test_the_choose_step_refuses_a_forged_foreigners_service(client, applicant):
    assert client.login(username=applicant.username, password=PASSWORD)
    client.get("/applications/apply/?new=1", headers=EN)

    response = client.post(
        "/applications/apply/",
        {"document_passport": "passport.renewal", "document_foreign_visa": "foreigners.visa_extension"},
        headers=EN,
    )

    # The field does not exist on the citizens' form, so only the passport is chosen.
    assert response.status_code == 302
    assert client.session["application_draft"]["services"] == ["passport.renewal"]
