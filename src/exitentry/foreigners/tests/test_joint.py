"""The joint work permit + work-type residence permit application (seed 004), through the API."""

from __future__ import annotations

import datetime as dt

import pytest

from exitentry.accounts.models import Role
from exitentry.accounts.tests.factories import PASSWORD, UserFactory
from exitentry.applications.models import ApplicationItem, ItemStatus
from exitentry.audit.models import AuditEvent
from exitentry.foreigners.models import ForeignerCase, Outcome, WorkPermit
from exitentry.foreigners.tests import factories as f
from exitentry.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def hall():
    return f.foreigners_hall("bj-government-service-center")


@pytest.fixture
def people(hall):
    return {
        "employer": f.employer("employer01", "Zhongguancun Robotics"),
        "work_permits": f.officer("workpermit01", role=Role.WORK_PERMIT_OFFICER),
        "officer": f.officer("bjofficer01", hall),
        "other_officer": f.officer("bjofficer02", f.foreigners_hall("bj-other-hall")),
    }


def _file(api, hall, key="joint-1", **changes):
    body = {
        "kind": "joint_work_residence",
        "mrz": f.mrz(),
        "phone": "13910000001",
        "service_point_id": hall.pk,
        "job_title": "Robotics engineer",
        **changes,
    }
    return api.post("/foreigners/applications", body, headers={"Idempotency-Key": key})


def _items(response):
    return {item["service"]: item for item in response.json()["items"]}


def _as(api, username):
    api.headers.clear()
    api.login(username, PASSWORD)


def test_one_joint_submission_makes_two_items_under_review_both_promised_in_7_working_days(api, hall, people):
    _as(api, "employer01")

    response = _file(api, hall)

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "joint_work_residence"
    assert body["status"] == "pending"
    assert body["employer"] == "Zhongguancun Robotics"
    assert body["passport"] == "GBR C01X00T47"
    items = _items(response)
    assert set(items) == {"foreigners.work_permit", "foreigners.residence_work"}
    assert items["foreigners.work_permit"]["authority"] == "work_permit_officer"
    assert items["foreigners.residence_work"]["authority"] == "officer"
    # Accepted Monday 21 September 2026; Friday 25 September (Mid-Autumn) and 1-7 October (National
    # Day) are public holidays, so the 7th working day is Thursday 8 October.
    assert {item["status"] for item in items.values()} == {"under_review"}
    assert {item["promised_date"] for item in items.values()} == {"2026-10-08"}
    assert body["promised_date"] == "2026-10-08"


def test_the_same_key_returns_the_same_application_and_a_second_open_one_is_refused(api, hall, people):
    _as(api, "employer01")
    first = _file(api, hall)

    again = _file(api, hall)
    other = _file(api, hall, key="joint-2")

    assert again.status_code == 200
    assert again.json()["number"] == first.json()["number"]
    assert other.status_code == 409
    assert other.json()["code"] == "already_applied"
    assert ForeignerCase.objects.count() == 1


def test_each_office_sees_only_its_half(api, hall, people):
    _as(api, "employer01")
    items = _items(_file(api, hall))

    _as(api, "workpermit01")
    work_permit_queue = api.get("/foreigners/decisions").json()
    _as(api, "bjofficer01")
    officer_queue = api.get("/foreigners/decisions").json()
    wrong_half = api.post(f"/foreigners/decisions/{items['foreigners.work_permit']['id']}/approve", {})
    _as(api, "bjofficer02")
    other_hall_queue = api.get("/foreigners/decisions").json()

    assert [row["service"] for row in work_permit_queue] == ["foreigners.work_permit"]
    assert [row["service"] for row in officer_queue] == ["foreigners.residence_work"]
    assert wrong_half.status_code == 404
    assert other_hall_queue == []


def test_the_result_comes_only_when_both_halves_are_approved_in_one_notice_to_engineer_and_employer(
    api, hall, people, django_capture_on_commit_callbacks
):
    engineer = UserFactory(username="engineer01")
    _as(api, "employer01")
    with django_capture_on_commit_callbacks(execute=True):
        items = _items(_file(api, hall))
    case = ForeignerCase.objects.get()
    # The engineer's passport was new: the record was made from the MRZ; link the account to it.
    engineer.person = case.application.person
    engineer.save()

    _as(api, "workpermit01")
    with django_capture_on_commit_callbacks(execute=True):
        half = api.post(
            f"/foreigners/decisions/{items['foreigners.work_permit']['id']}/approve",
            {"category": "B", "valid_to": "2028-09-30"},
        )
    assert half.status_code == 200, half.content
    assert half.json()["status"] == "pending"
    # Joint approval: the approved half waits, still under review, for the other office.
    assert {i.status for i in ApplicationItem.objects.all()} == {ItemStatus.UNDER_REVIEW}
    assert api.get("/foreigners/decisions").json() == []
    assert not Notification.objects.filter(template_code__startswith="foreigners_result").exists()

    _as(api, "bjofficer01")
    with django_capture_on_commit_callbacks(execute=True):
        whole = api.post(f"/foreigners/decisions/{items['foreigners.residence_work']['id']}/approve", {})

    assert whole.status_code == 200, whole.content
    assert whole.json()["status"] == "approved"
    assert {i.status for i in ApplicationItem.objects.all()} == {ItemStatus.IN_PRODUCTION}
    permit = WorkPermit.objects.get()
    assert (permit.category, permit.valid_to, permit.employer_name) == (
        "B",
        dt.date(2028, 9, 30),
        "Zhongguancun Robotics",
    )
    results = Notification.objects.filter(template_code="foreigners_result_approved", channel="in_app")
    # One notice each, in their inboxes (SMS and e-mail go out alongside, once each too).
    assert sorted(n.recipient_user.username for n in results) == ["employer01", "engineer01"]
    assert AuditEvent.objects.filter(action="foreigners.case_approved").count() == 1

    _as(api, "employer01")
    followed = api.get(f"/foreigners/applications/{case.application.number}").json()
    assert followed["status"] == "approved"


def test_a_refusal_of_either_half_refuses_the_whole_application_once_with_the_reason(
    api, hall, people, django_capture_on_commit_callbacks
):
    _as(api, "employer01")
    items = _items(_file(api, hall))

    _as(api, "bjofficer01")
    short = api.post(
        f"/foreigners/decisions/{items['foreigners.residence_work']['id']}/refuse", {"reason": "no"}
    )
    with django_capture_on_commit_callbacks(execute=True):
        refused = api.post(
            f"/foreigners/decisions/{items['foreigners.residence_work']['id']}/refuse",
            {"reason": "The employment contract is not signed."},
        )
    _as(api, "workpermit01")
    late = api.post(
        f"/foreigners/decisions/{items['foreigners.work_permit']['id']}/approve",
        {"category": "B", "valid_to": "2028-09-30"},
    )

    assert short.status_code == 422
    assert short.json()["code"] == "reason_required"
    assert refused.status_code == 200
    assert refused.json()["status"] == "refused"
    assert refused.json()["outcome_reason"] == "The employment contract is not signed."
    assert {i.status for i in ApplicationItem.objects.all()} == {ItemStatus.REJECTED}
    assert late.status_code == 409  # refused already: nothing left to approve
    assert late.json()["code"] == "invalid_transition"
    assert ForeignerCase.objects.get().outcome == Outcome.REFUSED
    notices = Notification.objects.filter(template_code="foreigners_result_refused")
    assert notices.filter(recipient_user__username="employer01", channel="in_app").count() == 1
    assert "The employment contract is not signed." in notices.first().body
    assert not WorkPermit.objects.exists()


def test_work_permit_approval_needs_a_category_and_validity(api, hall, people):
    _as(api, "employer01")
    items = _items(_file(api, hall))
    _as(api, "workpermit01")

    response = api.post(f"/foreigners/decisions/{items['foreigners.work_permit']['id']}/approve", {})

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_grant"
    assert (
        ApplicationItem.objects.get(service_code="foreigners.work_permit").status == ItemStatus.UNDER_REVIEW
    )


def test_only_an_employer_files_the_joint_application(api, hall, people):
    UserFactory(username="someone")
    _as(api, "someone")

    response = _file(api, hall)

    assert response.status_code == 422
    assert response.json()["code"] == "employer_required"


def test_a_refusal_after_the_other_half_was_approved_closes_both_and_a_new_application_can_follow(
    api, hall, people
):
    _as(api, "employer01")
    items = _items(_file(api, hall))
    _as(api, "workpermit01")
    first = api.post(
        f"/foreigners/decisions/{items['foreigners.work_permit']['id']}/approve",
        {"category": "B", "valid_to": "2028-09-30"},
    )
    again = api.post(
        f"/foreigners/decisions/{items['foreigners.work_permit']['id']}/approve",
        {"category": "A", "valid_to": "2029-09-30"},
    )
    _as(api, "bjofficer01")
    refused = api.post(
        f"/foreigners/decisions/{items['foreigners.residence_work']['id']}/refuse",
        {"reason": "The health certificate is missing."},
    )
    _as(api, "employer01")
    new = _file(api, hall, key="joint-after-refusal")

    assert first.status_code == 200
    assert again.status_code == 409
    assert again.json()["code"] == "already_decided"
    assert refused.json()["status"] == "refused"
    assert {
        i.status for i in ApplicationItem.objects.filter(application__number=refused.json()["number"])
    } == {ItemStatus.REJECTED}
    assert not WorkPermit.objects.exists()
    assert new.status_code == 201
    assert new.json()["number"] != refused.json()["number"]
