from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from exitentry.core import clock
from exitentry.servicepoints import services
from exitentry.servicepoints.models import Skill
from exitentry.servicepoints.tests.factories import (
    CapacityPlanFactory,
    CityFactory,
    CounterFactory,
    OpeningHoursFactory,
    ServicePointFactory,
    SlotFactory,
    catalog_service,
    hall_with_weekday_hours,
)

pytestmark = pytest.mark.django_db

# Tuesday 2026-09-22, 10:00 in Shanghai.
TUESDAY_10 = dt.datetime(2026, 9, 22, 2, 0, tzinfo=dt.UTC)
PEOPLES_SQUARE = {"lat": 36.6512, "lon": 117.1201}


def test_haversine_gives_great_circle_kilometres() -> None:
    # Jinan to Qingdao: about 300 km as the crow flies.
    assert round(services.haversine_km(36.6512, 117.1201, 36.0671, 120.3826), 1) == 299.3
    assert services.haversine_km(36.0, 117.0, 36.0, 117.0) == 0.0


@time_machine.travel(TUESDAY_10, tick=False)
def test_list_is_sorted_by_distance_when_a_location_is_given(api: object) -> None:
    far = ServicePointFactory(code="far", latitude=Decimal("36.067100"), longitude=Decimal("120.382600"))
    near = ServicePointFactory(code="near", latitude=Decimal("36.660000"), longitude=Decimal("117.120000"))
    middle = ServicePointFactory(
        code="middle", latitude=Decimal("36.813100"), longitude=Decimal("118.054800")
    )

    response = api.get("/service-points", PEOPLES_SQUARE)

    assert response.status_code == 200
    body = response.json()
    assert [item["id"] for item in body] == [near.pk, middle.pk, far.pk]
    assert [item["distance_km"] for item in body] == [0.98, 85.22, 299.26]
    assert set(body[0]) >= {"id", "name", "distance_km", "open_now", "waiting", "predicted_wait_minutes"}


@time_machine.travel(TUESDAY_10, tick=False)
def test_waiting_figures_come_from_the_queue_and_no_wait_is_promised_without_an_open_counter(
    api: object,
) -> None:
    hall = hall_with_weekday_hours()

    body = api.get("/service-points", headers={"Accept-Language": "en"}).json()

    assert body == [
        {
            "id": hall.pk,
            "code": hall.code,
            "name": f"Hall {hall.code}",
            "kind": "hall",
            "kind_label": "Service hall",
            "city_code": "370100",
            "city": hall.city.names["en"],
            "address": f"1 Main Road, {hall.code}",
            "latitude": 36.65,
            "longitude": 117.0,
            "distance_km": None,
            "open_now": True,
            "waiting": 0,  # the queueing app reports; nobody has a ticket
            "predicted_wait_minutes": None,  # and no counter is open
            "today": {
                "date": "2026-09-22",
                "open": True,
                "reason": "",
                "sessions": [
                    {
                        "kind": "regular",
                        "kind_label": "Regular hours",
                        "opens": "09:00",
                        "closes": "17:00",
                        "no_lunch_break": False,
                        "valid_from": None,
                        "valid_to": None,
                    }
                ],
            },
        }
    ]


@time_machine.travel(TUESDAY_10, tick=False)
def test_list_filtered_by_service_keeps_points_with_a_counter_for_its_skill(api: object) -> None:
    catalog_service("passport.renewal")
    with_counter = ServicePointFactory()
    CounterFactory(service_point=with_counter, skills=[Skill.CITIZENS_DOCUMENTS])
    foreigners_only = ServicePointFactory()
    CounterFactory(service_point=foreigners_only, skills=[Skill.FOREIGNERS])
    ServicePointFactory()  # no counters at all
    inactive = ServicePointFactory(is_active=False)
    CounterFactory(service_point=inactive, skills=[Skill.CITIZENS_DOCUMENTS])

    body = api.get("/service-points", {"service": "passport.renewal"}).json()

    assert [item["id"] for item in body] == [with_counter.pk]


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"service": "passport.nothing"}, "unknown_service"),
        ({"service": "passport.\x00"}, "unknown_service"),
        ({"city": "37\x0000"}, "validation_error"),
        ({"lat": 36.6}, "location_incomplete"),
        ({"lat": 91, "lon": 117}, "validation_error"),
        ({"lat": "north", "lon": 117}, "validation_error"),
    ],
)
def test_list_refuses_bad_queries_with_422(api: object, params: dict[str, object], code: str) -> None:
    response = api.get("/service-points", params)

    assert response.status_code == 422
    assert response.json()["code"] == code


def test_a_service_not_done_at_a_window_is_not_bookable(api: object) -> None:
    catalog_service("passport.renewal", channels=["online"])

    response = api.get("/service-points", {"service": "passport.renewal"})

    assert response.status_code == 422
    assert response.json()["code"] == "service_not_bookable"


@time_machine.travel(TUESDAY_10, tick=False)
def test_detail_lists_every_session_of_the_week(api: object) -> None:
    hall = hall_with_weekday_hours(phone="0531-12345678")
    OpeningHoursFactory(
        service_point=hall, weekday=1, kind="evening", opens=dt.time(17, 30), closes=dt.time(20)
    )
    OpeningHoursFactory(
        service_point=hall,
        weekday=6,
        kind="student",
        opens=dt.time(9),
        closes=dt.time(12),
        valid_from=dt.date(2027, 7, 1),
        valid_to=dt.date(2027, 8, 31),
    )
    OpeningHoursFactory(
        service_point=hall,
        weekday=6,
        kind="student",
        opens=dt.time(9),
        closes=dt.time(12),
        valid_from=dt.date(2025, 7, 1),
        valid_to=dt.date(2025, 8, 31),
    )

    response = api.get(f"/service-points/{hall.pk}", headers={"Accept-Language": "en"})

    assert response.status_code == 200
    body = response.json()
    assert body["phone"] == "0531-12345678"
    assert body["skills"] == ["citizens_documents", "endorsements"]
    assert body["open_now"] is True
    assert [
        (d["label"], [(s["kind"], s["opens"], s["closes"]) for s in d["sessions"]]) for d in body["hours"]
    ] == [
        ("Monday", [("regular", "09:00", "17:00")]),
        ("Tuesday", [("regular", "09:00", "17:00"), ("evening", "17:30", "20:00")]),
        ("Wednesday", [("regular", "09:00", "17:00")]),
        ("Thursday", [("regular", "09:00", "17:00")]),
        ("Friday", [("regular", "09:00", "17:00")]),
        ("Saturday", []),
        ("Sunday", [("student", "09:00", "12:00")]),  # the past summer's session is gone
    ]
    assert body["hours"][6]["sessions"][0]["valid_from"] == "2027-07-01"


def test_unknown_point_is_404(api: object) -> None:
    response = api.get("/service-points/999999")

    assert response.status_code == 404
    assert response.json()["code"] == "service_point_not_found"


@time_machine.travel(TUESDAY_10, tick=False)
def test_slots_of_a_day_show_places_left_and_none_in_the_past(api: object) -> None:
    catalog_service("passport.renewal")
    hall = hall_with_weekday_hours()
    tuesday = dt.date(2026, 9, 22)
    past = SlotFactory(service_point=hall, start=clock.local_datetime(tuesday, dt.time(9)), capacity=3)
    later = SlotFactory(
        service_point=hall, start=clock.local_datetime(tuesday, dt.time(14)), capacity=3, booked=1
    )
    SlotFactory(
        service_point=hall, skill=Skill.ENDORSEMENTS, start=clock.local_datetime(tuesday, dt.time(14))
    )
    SlotFactory(service_point=hall, start=clock.local_datetime(dt.date(2026, 9, 23), dt.time(9)))

    response = api.get(
        f"/service-points/{hall.pk}/slots", {"date": "2026-09-22", "service": "passport.renewal"}
    )

    assert response.status_code == 200
    assert response.json() == [
        {
            "id": past.pk,
            "start": "2026-09-22T09:00:00+08:00",
            "end": "2026-09-22T09:30:00+08:00",
            "skill": "citizens_documents",
            "capacity": 3,
            "booked": 0,
            "available": 0,
        },
        {
            "id": later.pk,
            "start": "2026-09-22T14:00:00+08:00",
            "end": "2026-09-22T14:30:00+08:00",
            "skill": "citizens_documents",
            "capacity": 3,
            "booked": 1,
            "available": 2,
        },
    ]


@pytest.mark.parametrize("date", ["", "22-09-2026", "1700000000", "2026-02-30"])
def test_slots_need_a_real_date(api: object, date: str) -> None:
    hall = ServicePointFactory()

    response = api.get(f"/service-points/{hall.pk}/slots", {"date": date})

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


def test_cities_are_listed_with_their_names(api: object) -> None:
    CityFactory(
        code="370200",
        names={"zh-hans": "青岛市", "en": "Qingdao", "ru": "Циндао", "ja": "青島市", "ko": "칭다오시"},
    )
    ServicePointFactory(city=CityFactory(code="370200"))

    body = api.get("/service-points", {"city": "370200"}, headers={"Accept-Language": "en"}).json()

    assert [item["city"] for item in body] == ["Qingdao"]
    assert api.get("/service-points", {"city": "370300"}).json() == []


def test_capacity_plans_and_closures_feed_the_detail(api: object) -> None:
    hall = hall_with_weekday_hours()
    CapacityPlanFactory(service_point=hall)

    with time_machine.travel(TUESDAY_10, tick=False):
        from exitentry.servicepoints.tests.factories import ClosureFactory

        ClosureFactory(service_point=hall, starts_on=dt.date(2026, 9, 24), ends_on=dt.date(2026, 9, 25))
        body = api.get(f"/service-points/{hall.pk}").json()

    assert body["closures"] == [
        {"starts_on": "2026-09-24", "ends_on": "2026-09-25", "reason": "System upgrade"}
    ]


@pytest.mark.parametrize(
    "path",
    [
        "/service-points/0",
        "/service-points/99999999999999999999",
        "/service-points/99999999999999999999/slots",
    ],
)
def test_impossible_ids_are_422_not_a_database_error(api: object, path: str) -> None:
    response = api.get(path, {"date": "2026-09-22"})

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


@time_machine.travel(TUESDAY_10, tick=False)
@pytest.mark.parametrize("date", ["0001-01-01", "9999-12-31", "2028-01-01"])
def test_slots_far_from_today_are_refused(api: object, date: str) -> None:
    hall = ServicePointFactory()

    response = api.get(f"/service-points/{hall.pk}/slots", {"date": date})

    assert response.status_code == 422
    assert response.json()["code"] == "date_out_of_range"
