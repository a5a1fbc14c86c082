"""Visas on arrival at 24/7 port visa offices."""

from __future__ import annotations

import pytest

from exitentry.accounts.tests.factories import PASSWORD
from exitentry.foreigners.models import PortVisa, PortVisaStatus
from exitentry.foreigners.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def airport():
    return f.port()


def _apply(api, airport, key="pv-1", reason="urgent_business"):
    return api.post(
        "/foreigners/port-visas",
        {"service_point_id": airport.pk, "mrz": f.mrz(), "reason": reason, "arrival": "lh720"},
        headers={"Idempotency-Key": key},
    )


def test_an_officer_records_and_issues_a_port_visa_once(api, airport):
    f.officer("port1", airport)
    api.login("port1", PASSWORD)

    applied = _apply(api, airport)
    replay = _apply(api, airport)
    visa_id = applied.json()["id"]
    issue = {"valid_from": "2026-09-21", "valid_until": "2026-10-20", "entries": "single", "stay_days": 30}
    issued = api.post(f"/foreigners/port-visas/{visa_id}/issue", issue)
    twice = api.post(f"/foreigners/port-visas/{visa_id}/issue", issue)

    assert applied.status_code == 201
    assert applied.json()["status"] == "applied"
    assert applied.json()["reason"] == "urgent_business"
    assert replay.json()["id"] == visa_id
    assert issued.status_code == 200
    body = issued.json()
    assert body["status"] == "issued"
    assert body["number"].startswith("PV260921")
    assert (body["valid_from"], body["valid_until"], body["entries"], body["stay_days"]) == (
        "2026-09-21",
        "2026-10-20",
        "single",
        30,
    )
    assert twice.status_code == 409
    assert twice.json()["code"] == "port_visa_already_decided"
    assert PortVisa.objects.get().arrival == "LH720"


def test_an_unknown_reason_and_a_bad_validity_are_field_errors(api, airport):
    f.officer("port1", airport)
    api.login("port1", PASSWORD)

    unknown = _apply(api, airport, reason="sightseeing")
    visa_id = _apply(api, airport, key="pv-2").json()["id"]
    backwards = api.post(
        f"/foreigners/port-visas/{visa_id}/issue",
        {"valid_from": "2026-09-25", "valid_until": "2026-09-21", "entries": "single", "stay_days": 30},
    )

    assert unknown.status_code == 422
    assert unknown.json()["code"] == "unknown_port_visa_reason"
    assert backwards.status_code == 422
    assert backwards.json()["code"] == "invalid_port_visa_issue"
    assert PortVisa.objects.get(pk=visa_id).status == PortVisaStatus.APPLIED


def test_a_refusal_needs_a_reason_and_an_officer_elsewhere_cannot_see_the_application(api, airport):
    f.officer("port1", airport)
    f.officer("port2", f.port("seaport"))
    api.login("port1", PASSWORD)
    visa_id = _apply(api, airport).json()["id"]

    no_reason = api.post(f"/foreigners/port-visas/{visa_id}/refuse", {"refusal_reason": ""})
    refused = api.post(
        f"/foreigners/port-visas/{visa_id}/refuse", {"refusal_reason": "No invitation letter."}
    )
    api.headers.clear()
    api.login("port2", PASSWORD)
    elsewhere = api.post(
        f"/foreigners/port-visas/{visa_id}/refuse", {"refusal_reason": "No invitation letter."}
    )

    assert no_reason.status_code == 422
    assert refused.json()["status"] == "refused"
    assert refused.json()["refusal_reason"] == "No invitation letter."
    assert elsewhere.status_code == 404


def test_the_reasons_list_is_data_in_the_callers_language(api):
    response = api.get("/foreigners/port-visa-reasons", headers={"Accept-Language": "en"})

    assert response.status_code == 200
    assert response.json()[0] == {"code": "urgent_business", "name": "Invited for urgent business"}
