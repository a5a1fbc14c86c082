"""The pages: thin over the services, errors shown on the field, English first-class."""

from __future__ import annotations

import pytest

from exitentry.accounts.models import Role
from exitentry.accounts.tests.factories import PASSWORD
from exitentry.foreigners.models import ForeignerCase, PortVisa, PortVisaStatus
from exitentry.foreigners.tests import factories as f

pytestmark = pytest.mark.django_db
EN = {"Accept-Language": "en"}


def test_the_start_page_lists_the_halls_and_ports_in_english(client):
    f.foreigners_hall("bj-hall")
    f.port("bj-airport")

    response = client.get("/foreigners/", headers=EN)

    assert response.status_code == 200
    content = response.content.decode()
    assert "Services for foreigners" in content
    assert "Hall bj-hall" in content
    assert "Hall bj-airport" in content


def test_an_employer_files_on_the_page_and_a_bad_mrz_is_shown_on_its_field(client):
    hall = f.foreigners_hall()
    f.employer("employer01")
    client.login(username="employer01", password=PASSWORD)
    form = {
        "kind": "joint_work_residence",
        "phone": "13910000001",
        "service_point_id": hall.pk,
        "token": "t1",
    }

    bad = client.post(
        "/foreigners/apply/", {**form, "mrz": f.mrz().replace("C01X00T47", "C01X00T48")}, headers=EN
    )
    good = client.post("/foreigners/apply/", {**form, "mrz": f.mrz(), "token": "t2"}, headers=EN)

    assert bad.status_code == 200
    assert 'href="#id_mrz"' in bad.content.decode()
    assert "machine-readable zone could not be read" in bad.content.decode()
    number = ForeignerCase.objects.get().application.number
    assert good.status_code == 302
    assert good["Location"] == f"/foreigners/applications/{number}/"
    page = client.get(good["Location"], headers=EN).content.decode()
    assert 'data-status="pending"' in page
    assert "Being decided" in page


def test_an_officer_cannot_open_the_work_permit_half_on_the_page(client):
    hall = f.foreigners_hall()
    f.employer("employer01")
    f.officer("bjofficer01", hall)
    f.officer("workpermit01", role=Role.WORK_PERMIT_OFFICER)
    client.login(username="employer01", password=PASSWORD)
    form = {
        "kind": "joint_work_residence",
        "phone": "13910000001",
        "service_point_id": hall.pk,
        "token": "t1",
    }
    client.post("/foreigners/apply/", {**form, "mrz": f.mrz()})
    items = {i.service_code: i.pk for i in ForeignerCase.objects.get().application.items.all()}
    client.logout()
    client.login(username="bjofficer01", password=PASSWORD)

    own = client.get(f"/foreigners/decisions/{items['foreigners.residence_work']}/", headers=EN)
    other = client.get(f"/foreigners/decisions/{items['foreigners.work_permit']}/", headers=EN)

    assert own.status_code == 200
    assert "Approve this half" in own.content.decode()
    assert other.status_code == 404


def test_a_port_officer_records_and_issues_a_visa_on_the_page(client):
    airport = f.port()
    f.officer("port1", airport)
    client.login(username="port1", password=PASSWORD)

    recorded = client.post(
        "/foreigners/port-visas/",
        {"service_point_id": airport.pk, "mrz": f.mrz(), "reason": "funeral", "token": "pv1"},
    )
    visa = PortVisa.objects.get()
    issued = client.post(
        f"/foreigners/port-visas/{visa.pk}/",
        {
            "decision": "issue",
            "valid_from": "2026-09-21",
            "valid_until": "2026-10-20",
            "entries": "single",
            "stay_days": "15",
        },
    )

    assert recorded.status_code == 302
    assert issued.status_code == 302
    visa.refresh_from_db()
    assert (visa.status, visa.stay_days, visa.entries) == (PortVisaStatus.ISSUED, 15, "single")
    assert visa.number in client.get(f"/foreigners/port-visas/{visa.pk}/").content.decode()
