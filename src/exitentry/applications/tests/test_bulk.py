"""Enterprise green channel: a spreadsheet of employees becomes applications, all or none."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from exitentry.accounts.models import Role
from exitentry.accounts.tests.factories import UserFactory
from exitentry.applications import bulk
from exitentry.applications.models import Application, BulkFiling, ItemStatus
from exitentry.applications.tests import factories as f


@pytest.fixture
def enterprise():
    return UserFactory(role=Role.ENTERPRISE, organisation="济南泉城精密机械有限公司")


@pytest.fixture
def staff_people():
    return [f.person() for _ in range(25)]


def send(client, user, data, name, point):
    return client.post(
        "/api/v1/applications/bulk",
        {"file": SimpleUploadedFile(name, data), "pickup_point_id": point.pk},
        headers=f.bearer(user),
    )


def xlsx(rows):
    return bulk.sample_xlsx(rows)


def gbk_csv(rows):
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return text.getvalue().encode("gbk")


def test_25_employees_from_an_xlsx_become_25_green_channel_applications(
    client, enterprise, staff_people, jinan_hall
):
    response = send(client, enterprise, xlsx(bulk.sample_rows(staff_people)), "staff.xlsx", jinan_hall)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["row_count"], len(body["applications"])) == (25, 25)
    applications = Application.objects.filter(bulk_filing_id=body["id"])
    assert applications.count() == 25
    assert set(applications.values_list("channel", "priority", "submitted_by")) == {
        ("green_channel", "green_channel", enterprise.pk)
    }
    assert {a.person_id for a in applications} == {p.pk for p in staff_people}
    assert {a["status"] for a in body["applications"]} == {ItemStatus.AWAITING_PAYMENT}


def test_sending_the_same_file_again_files_nothing_new(client, enterprise, staff_people, jinan_hall):
    data = xlsx(bulk.sample_rows(staff_people[:3]))
    first = send(client, enterprise, data, "staff.xlsx", jinan_hall)

    again = send(client, enterprise, data, "staff.xlsx", jinan_hall)

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert (BulkFiling.objects.count(), Application.objects.count()) == (1, 3)


def test_a_gbk_csv_with_chinese_headers_is_read(client, enterprise, staff_people, jinan_hall):
    rows = [["姓名", "身份证号", "手机号", "办理业务"]] + [
        [p.full_name, p.id_number, p.phone, "passport.first_issue"] for p in staff_people[:2]
    ]

    response = send(client, enterprise, gbk_csv(rows), "员工.csv", jinan_hall)

    assert response.status_code == 201, response.json()
    assert [a["full_name"] for a in response.json()["applications"]] == [
        p.full_name for p in staff_people[:2]
    ]


def test_one_bad_row_files_nothing_and_every_problem_is_reported_by_row(
    client, enterprise, staff_people, jinan_hall
):
    rows = bulk.sample_rows(staff_people[:4])
    rows[2][0] = "王错名"  # row 3: name not on record
    rows[3][1] = "370102199003070013"  # row 4: bad check digit
    rows[4][3] = "passport.unicorn"  # row 5: unknown service
    rows.append(list(rows[1]))  # row 6: the first employee again

    response = send(client, enterprise, xlsx(rows), "staff.xlsx", jinan_hall)

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "bulk_rows_invalid"
    assert [(r["row"], r["field"], r["code"]) for r in body["rows"]] == [
        (3, "name", "name_mismatch"),
        (4, "resident_id", "invalid_resident_id"),
        (5, "services", "unknown_service"),
        (6, "resident_id", "duplicate_row"),
    ]
    assert (BulkFiling.objects.count(), Application.objects.count()) == (0, 0)


def test_a_file_without_the_columns_is_refused(client, enterprise, jinan_hall):
    response = send(client, enterprise, gbk_csv([["who", "what"], ["a", "b"]]), "x.csv", jinan_hall)

    assert (response.status_code, response.json()["code"]) == (422, "spreadsheet_columns_missing")


def test_a_broken_xlsx_is_refused(client, enterprise, jinan_hall):
    response = send(client, enterprise, b"PK\x03\x04 not really a workbook", "x.xlsx", jinan_hall)

    assert (response.status_code, response.json()["code"]) == (422, "spreadsheet_unreadable")


def test_an_applicant_cannot_file_in_bulk(client, applicant, staff_people, jinan_hall):
    response = send(client, applicant, xlsx(bulk.sample_rows(staff_people[:1])), "s.xlsx", jinan_hall)

    assert response.status_code == 403


def test_an_enterprise_account_cannot_use_another_channel(api, enterprise, staff_people, jinan_hall):
    body = f.application_body(["passport.first_issue"], pickup=jinan_hall.pk, channel="online")
    body["person_id_number"] = staff_people[0].id_number

    response = api.post("/applications", body, headers={**f.bearer(enterprise), "Idempotency-Key": "e-1"})

    assert (response.status_code, response.json()["code"]) == (422, "channel_not_allowed")


def test_the_follow_page_lists_each_employee_and_status(client, enterprise, staff_people, jinan_hall):
    filing_id = send(
        client, enterprise, xlsx(bulk.sample_rows(staff_people[:2])), "s.xlsx", jinan_hall
    ).json()["id"]
    client.force_login(enterprise)

    page = client.get(f"/applications/enterprise/{filing_id}/")
    other = UserFactory(role=Role.ENTERPRISE, organisation="Other Ltd")
    client.force_login(other)
    hidden = client.get(f"/applications/enterprise/{filing_id}/")

    html = page.content.decode()
    assert page.status_code == 200
    with translation.override("zh-hans"):
        waiting = str(ItemStatus.AWAITING_PAYMENT.label)
    assert html.count(f'<span class="tag status-tag tag-warn">{waiting}</span>') == 2
    for number in Application.objects.filter(bulk_filing_id=filing_id).values_list("number", flat=True):
        assert number in html
    assert hidden.status_code == 404


def test_the_upload_page_shows_row_errors(client, enterprise, staff_people, jinan_hall):
    rows = bulk.sample_rows(staff_people[:1])
    rows[1][2] = "phone?"
    client.force_login(enterprise)

    response = client.post(
        "/applications/enterprise/",
        {"file": SimpleUploadedFile("s.xlsx", xlsx(rows)), "pickup_point": jinan_hall.pk},
    )

    assert response.status_code == 422
    assert Application.objects.count() == 0
    assert "<td>2</td><td>phone</td>" in response.content.decode()
