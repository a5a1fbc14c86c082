"""The transit checker API against the seeded policy (data migration)."""

from __future__ import annotations

import pytest

from exitentry.transit.models import EligibleNationality

pytestmark = pytest.mark.django_db

GOOD_TRIP = {
    "nationality": "DEU",
    "entry_port": "TAO",
    "arrival": "2026-03-07T22:30:00",
    "origin": "DEU",
    "destination": "KOR",
    "departure": "2026-03-17T21:00:00+08:00",
}


def check(api, language: str = "en", **changes):
    return api.post("/transit/check", {**GOOD_TRIP, **changes}, headers={"Accept-Language": language})


def test_eligible_trip_gets_the_stay_end_at_midnight_ten_days_after_the_day_after_arrival(api):
    response = check(api)

    assert response.status_code == 200
    body = response.json()
    assert body["eligible"] is True
    assert body["failures"] == []
    assert body["arrival"] == "2026-03-07T22:30:00+08:00"
    assert body["stay_starts_at"] == "2026-03-08T00:00:00+08:00"
    assert body["stay_ends_at"] == "2026-03-18T00:00:00+08:00"
    assert body["stay_hours"] == 240
    assert body["entry_port_name"] == "Qingdao Jiaodong International Airport"
    assert body["stay_region"] == "Shandong"


def test_departure_one_minute_after_the_stay_ends_fails_with_the_end_time(api):
    body = check(api, departure="2026-03-18T00:01:00+08:00").json()

    assert body["eligible"] is False
    assert [failure["code"] for failure in body["failures"]] == ["departure_after_permitted_stay"]
    assert "2026-03-18 00:00 (UTC+08:00)" in body["failures"][0]["message"]


def test_departure_at_exactly_the_stay_end_is_allowed(api):
    assert check(api, departure="2026-03-18T00:00:00+08:00").json()["eligible"] is True


def test_times_with_another_offset_are_converted_to_the_ports_zone(api):
    # 16:00 UTC on 7 March is 00:00 on 8 March in Qingdao: the stay counts from 9 March.
    body = check(api, arrival="2026-03-07T16:00:00Z", departure="2026-03-18T15:59:00Z").json()

    assert body["arrival"] == "2026-03-08T00:00:00+08:00"
    assert body["stay_ends_at"] == "2026-03-19T00:00:00+08:00"
    assert body["eligible"] is True


def test_every_failing_condition_is_listed(api):
    body = check(
        api,
        nationality="IND",
        entry_port="XXX",
        origin="HKG",
        destination="HKG",
        departure="2026-03-07T20:00:00",
    ).json()

    assert body["eligible"] is False
    assert [failure["code"] for failure in body["failures"]] == [
        "nationality_not_eligible",
        "port_not_designated",
        "destination_same_as_origin",
        "departure_before_arrival",
    ]
    assert body["failures"][0]["message"] == (
        "Nationals of India are not on the list of nationalities eligible for visa-free transit "
        "on 2026-03-07."
    )
    assert body["entry_port_name"] is None


def test_onward_ticket_to_mainland_china_is_not_a_third_country(api):
    body = check(api, destination="CHN").json()

    assert [failure["code"] for failure in body["failures"]] == ["destination_is_mainland_china"]


def test_journey_from_mainland_china_is_not_a_transit(api):
    assert [f["code"] for f in check(api, origin="CHN").json()["failures"]] == ["origin_is_mainland_china"]


@pytest.mark.parametrize("region", ["HKG", "MAC", "TWN"])
def test_hong_kong_macao_and_taiwan_count_as_third_regions(api, region):
    assert check(api, origin="USA", nationality="USA", destination=region).json()["eligible"] is True


def test_nationality_added_later_is_eligible_only_from_its_date(api):
    assert EligibleNationality.objects.get(place__iso3="IDN").effective_from.isoformat() == "2025-06-12"

    before = check(api, nationality="IDN", arrival="2025-06-11T10:00:00", departure="2025-06-13T10:00:00")
    after = check(api, nationality="IDN", arrival="2025-06-12T10:00:00", departure="2025-06-13T10:00:00")

    assert [f["code"] for f in before.json()["failures"]] == ["nationality_not_eligible"]
    assert after.json()["eligible"] is True


def test_no_policy_before_the_240_hour_rule_came_into_force(api):
    body = check(api, arrival="2024-12-16T10:00:00", departure="2024-12-18T10:00:00").json()

    assert body["stay_ends_at"] is None
    assert "no_transit_policy" in [f["code"] for f in body["failures"]]


def test_reasons_are_translated_into_the_callers_language(api):
    body = check(api, language="ru", destination="CHN").json()

    assert body["failures"][0]["message"].startswith("Билет")


def test_bad_country_code_is_a_validation_error(api):
    response = check(api, nationality="DE")

    assert (response.status_code, response.json()["code"]) == (422, "validation_error")


def test_ports_list_names_the_stay_region_in_the_callers_language(api):
    response = api.get("/transit/ports", headers={"Accept-Language": "ja"})

    ports = {port["code"]: port for port in response.json()}
    assert ports["TAO"]["stay_region"] == "山東省"
    assert ports["TAO"]["time_zone"] == "Asia/Shanghai"
