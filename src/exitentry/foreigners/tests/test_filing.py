"""Foreigners' own applications: passports by MRZ, talent status from the work permit."""

from __future__ import annotations

import datetime as dt

import pytest

from exitentry.accounts.tests.factories import PASSWORD, UserFactory
from exitentry.foreigners.services import read_passport, register_passport
from exitentry.foreigners.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def hall():
    return f.foreigners_hall()


def _file(api, hall, kind, mrz, key="k1"):
    return api.post(
        "/foreigners/applications",
        {"kind": kind, "mrz": mrz, "phone": "13910000002", "service_point_id": hall.pk},
        headers={"Idempotency-Key": key},
    )


def test_a_wrong_check_digit_is_an_error_on_the_mrz_field(api, hall):
    UserFactory(username="visitor")
    api.login("visitor", PASSWORD)
    broken = f.mrz().replace("C01X00T47", "C01X00T48")

    response = _file(api, hall, "visa_extension", broken)

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_mrz"
    assert body["details"]["field"] == "mrz"
    assert {"field": "document_number", "code": "invalid_check_digit"} in [
        {"field": e["field"], "code": e["code"]} for e in body["details"]["errors"]
    ]


def test_an_expired_passport_is_refused_with_its_expiry_date(api, hall):
    UserFactory(username="visitor")
    api.login("visitor", PASSWORD)

    response = _file(api, hall, "visa_extension", f.mrz(expiry=dt.date(2026, 9, 20)))

    assert response.status_code == 422
    assert response.json()["code"] == "passport_expired"
    assert response.json()["details"] == {"field": "mrz", "expiry_date": "2026-09-20"}


def test_the_talent_route_needs_a_category_a_work_permit_and_then_promises_5_working_days(api, hall):
    mrz = f.mrz("TK1234567", surname="TANAKA", given_names="HIROSHI", nationality="JPN", sex="M")
    person = register_passport(read_passport(mrz)).person
    UserFactory(username="talent", person=person)
    api.login("talent", PASSWORD)
    f.work_permit(person, category="B", number="WP-B")

    refused = _file(api, hall, "residence_talent", mrz)
    f.work_permit(person, category="A", number="WP-A")
    accepted = _file(api, hall, "residence_talent", mrz, key="k2")

    assert refused.status_code == 422
    assert refused.json()["code"] == "not_high_level_talent"
    assert accepted.status_code == 201, accepted.content
    # 5 working days after Monday 21 September 2026 (Friday 25 September is the Mid-Autumn holiday).
    assert accepted.json()["promised_date"] == "2026-09-29"
    assert [item["status"] for item in accepted.json()["items"]] == ["under_review"]


def test_someone_elses_passport_cannot_be_used_by_an_applicant_account(api, hall):
    owner = register_passport(read_passport(f.mrz())).person
    other = register_passport(read_passport(f.mrz("X12345678", surname="DOE"))).person
    assert owner != other
    UserFactory(username="doe", person=other)
    api.login("doe", PASSWORD)

    response = _file(api, hall, "visa_extension", f.mrz())

    assert response.status_code == 422
    assert response.json()["code"] == "passport_of_another_person"


def test_a_hall_that_is_not_for_foreigners_is_refused(api):
    UserFactory(username="visitor")
    api.login("visitor", PASSWORD)
    from exitentry.servicepoints.tests.factories import ServicePointFactory

    citizens_hall = ServicePointFactory()

    response = _file(api, citizens_hall, "visa_extension", f.mrz())

    assert response.status_code == 422
    assert response.json()["code"] == "foreigners_hall_required"
