"""Nearest and least busy: travel + predicted wait at arrival, with people on their way counted."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest

from exitentry.accounts.tests.factories import UserFactory
from exitentry.appointments.models import Appointment
from exitentry.appointments.services import new_appointment_code
from exitentry.audit.models import AuditEvent
from exitentry.core import clock
from exitentry.queueing.tests.factories import A, at, make_hall, staffed, walk_in
from exitentry.routing import services
from exitentry.routing.models import RecommendationIssued, TravelModel
from exitentry.servicepoints.models import Skill
from exitentry.servicepoints.tests.factories import ClosureFactory, OpeningHoursFactory, SlotFactory

# The person stands at (36.65, 117.00). One degree of latitude is 111.2 km, so with the default
# travel model (× 1.4 at 25 km/h) 0.01° north is 1.112 km → 3.74 minutes.
HERE = {"lat": 36.65, "lon": 117.0}
NEAR = {"latitude": Decimal("36.660000"), "longitude": Decimal("117.000000")}  # 3.7 min
FAR = {"latitude": Decimal("36.680000"), "longitude": Decimal("117.000000")}  # 11.2 min
MIDDLE = {"latitude": Decimal("36.670000"), "longitude": Decimal("117.000000")}  # 7.5 min

pytestmark = pytest.mark.usefixtures("monday_10")


def ranked_codes(result: list[services.Recommendation]) -> list[str]:
    return [item.point.code for item in result]


def recommend(client: str | None = None, **kwargs: Any) -> list[services.Recommendation]:
    return services.recommend(**{**HERE, "service": "passport.renewal", **kwargs}, client_key=client)


def test_travel_minutes_are_distance_times_road_factor_over_speed() -> None:
    model = TravelModel(
        road_factor=Decimal("1.5"), speed_kmh=Decimal("30"), effective_from=dt.date(2020, 1, 1)
    )
    assert services.travel_minutes(10.0, model) == pytest.approx(30.0)


def test_beyond_the_city_radius_a_journey_goes_at_the_intercity_speed() -> None:
    model = TravelModel(
        road_factor=Decimal("1.5"),
        speed_kmh=Decimal("30"),
        city_radius_km=Decimal("10"),
        intercity_speed_kmh=Decimal("90"),
        effective_from=dt.date(2020, 1, 1),
    )
    # 10 km at 30 km/h (30 min), then 30 km at 90 km/h (30 min), each × 1.5 road factor.
    assert services.travel_minutes(40.0, model) == pytest.approx(60.0)
    assert services.travel_minutes(10.0, model) == pytest.approx(30.0)


def test_the_default_travel_model_takes_an_intercity_journey_in_hours_not_a_day() -> None:
    model = services.travel_model_for()  # the one the migrations created
    # Jinan to Yantai, about 400 km in a straight line.
    assert (model.city_radius_km, model.intercity_speed_kmh) == (Decimal("20.0"), Decimal("80.0"))
    assert services.travel_minutes(400.0, model) == pytest.approx(20 * 1.4 / 25 * 60 + 380 * 1.4 / 80 * 60)


def test_travel_model_in_force_is_the_latest_started() -> None:
    TravelModel.objects.create(
        road_factor=Decimal("1.2"), speed_kmh=Decimal("40"), effective_from=dt.date(2026, 9, 1)
    )
    TravelModel.objects.create(
        road_factor=Decimal("1.3"), speed_kmh=Decimal("20"), effective_from=dt.date(2026, 10, 1)
    )
    assert services.travel_model_for(dt.date(2026, 9, 21)).speed_kmh == Decimal("40")
    assert services.travel_model_for(dt.date(2026, 10, 2)).speed_kmh == Decimal("20")


def test_near_but_busy_hall_ranks_below_a_farther_idle_one() -> None:
    busy = make_hall(code="near-busy", **NEAR)
    idle = make_hall(code="far-idle", **FAR)
    staffed(busy, "1")
    staffed(idle, "1")
    for _ in range(10):
        walk_in(busy)

    result = recommend()

    assert ranked_codes(result) == ["far-idle", "near-busy"]
    far, near = result
    assert far.travel_minutes == pytest.approx(11.21, abs=0.01)
    assert far.predicted_wait_minutes == pytest.approx(0.0)
    assert far.score == pytest.approx(far.travel_minutes)
    # 10 waiting, 1 counter, 8-minute default service: 3.74 minutes of work clears 0.47 of them,
    # and the newcomer waits for the remaining 9.53 to be served: 76.3 minutes.
    assert near.travel_minutes == pytest.approx(3.74, abs=0.01)
    assert near.waiting == 10
    assert near.counters == 1
    assert near.predicted_wait_minutes == pytest.approx((10 - 3.737 / 8) * 8, abs=0.05)


def test_with_no_one_waiting_the_nearest_hall_comes_first() -> None:
    make_hall(code="far", **FAR)
    make_hall(code="near", **NEAR)

    assert ranked_codes(recommend()) == ["near", "far"]


def test_people_sent_to_a_hall_are_counted_so_a_crowd_spreads_out() -> None:
    near = make_hall(code="near", **NEAR)
    far = make_hall(code="far", **FAR)
    staffed(near, "1")
    staffed(far, "1")

    chosen = [recommend(client=f"person-{n}")[0].point.code for n in range(12)]

    assert chosen[:2] == ["near", "far"]  # the second person is told the first is on the way to near
    assert Counter(chosen) == {"near": 6, "far": 6}
    assert RecommendationIssued.objects.filter(service_point=near).count() == 6
    assert RecommendationIssued.objects.filter(service_point=far).count() == 6


def test_previews_without_a_client_record_nothing_and_would_all_herd_to_one_hall() -> None:
    make_hall(code="near", **NEAR)
    make_hall(code="far", **FAR)

    chosen = {recommend()[0].point.code for _ in range(12)}

    assert chosen == {"near"}
    assert RecommendationIssued.objects.count() == 0


def test_the_second_person_sees_the_first_on_the_way() -> None:
    near = make_hall(code="near", **NEAR)
    staffed(near, "1")

    recommend(client="first")
    second = recommend(client="second")[0]

    assert second.point == near
    assert second.en_route == 1
    # One person reaches the single counter as this one arrives: wait one 8-minute service.
    assert second.predicted_wait_minutes == pytest.approx(8.0)


def test_asking_again_replaces_the_same_persons_recommendation() -> None:
    near = make_hall(code="near", **NEAR)
    staffed(near, "1")

    recommend(client="same")
    again = recommend(client="same")[0]

    assert again.en_route == 0  # not counted against themselves
    assert RecommendationIssued.objects.filter(client_key="same").count() == 1
    assert AuditEvent.objects.filter(action="routing.recommendation_issued").count() == 2


def test_appointment_holders_due_before_arrival_count_as_ahead() -> None:
    near = make_hall(code="near", **NEAR)
    staffed(near, "1")
    slot = SlotFactory(service_point=near, skill=A, start=at(10, 0), capacity=5, booked=3)
    for _ in range(3):  # in the slot starting now: due before this person arrives
        Appointment.objects.create(
            code=new_appointment_code(),
            user=UserFactory(),
            slot=slot,
            service_code="passport.renewal",
            booked_at=at(8, 0),
            updated_at=at(8, 0),
        )

    best = recommend()[0]

    assert best.booked_due == 3
    # Three holders come at 0.62, 1.87 and 3.11 minutes (spread over the 3.74-minute journey);
    # the one counter has served 0.38 of them by the arrival, so 2.62 are ahead: 8 minutes each.
    assert best.predicted_wait_minutes == pytest.approx(20.98, abs=0.05)


def test_halls_without_the_skill_closed_or_shutting_before_arrival_are_left_out() -> None:
    make_hall(code="open", **FAR)
    make_hall(code="foreigners-only", counters={"1": [Skill.FOREIGNERS]}, **NEAR)
    closed_today = make_hall(code="closed-today", **NEAR)
    ClosureFactory(service_point=closed_today, starts_on=dt.date(2026, 9, 21), ends_on=dt.date(2026, 9, 21))
    make_hall(code="inactive", is_active=False, **NEAR)
    shutting = make_hall(code="shutting", **MIDDLE)
    shutting.hours.filter(weekday=0).update(closes=dt.time(10, 5))  # 7.5 minutes away: shut by then

    assert ranked_codes(recommend()) == ["open"]


def test_a_hall_opening_before_arrival_counts_the_time_until_it_opens() -> None:
    later = make_hall(code="opens-later", **NEAR)
    later.hours.filter(weekday=0).update(opens=dt.time(10, 2))  # opens before the 3.7-minute journey ends

    best = recommend()[0]

    assert best.point == later
    assert best.counters == 1  # nobody has opened a counter yet: the hall's own count is assumed
    assert best.predicted_wait_minutes == pytest.approx(0.0)


def test_a_hall_that_opens_after_arrival_counts_the_wait_at_its_door() -> None:
    hall = make_hall(code="opens-at-half-past", **NEAR)
    hall.hours.filter(weekday=0).update(opens=dt.time(10, 30))  # 3.7 minutes away: there at 10:03.7

    best = recommend()[0]

    assert best.point == hall
    assert best.opens_at == at(10, 30)
    assert best.predicted_wait_minutes == pytest.approx(30 - 3.737, abs=0.01)


def test_arriving_in_the_lunch_break_waits_for_the_afternoon_session() -> None:
    hall = make_hall(code="lunch", **NEAR)
    hall.hours.filter(weekday=0).update(closes=dt.time(10, 2))
    OpeningHoursFactory(service_point=hall, weekday=0, opens=dt.time(11, 0), closes=dt.time(17, 0))
    open_now = make_hall(code="open-now", **FAR)

    ranked = recommend()

    assert ranked_codes(ranked) == ["open-now", "lunch"]
    assert ranked[0].opens_at is None
    assert ranked[1].opens_at == at(11, 0)
    assert ranked[1].score == pytest.approx(60.0)  # the journey, then the door until 11:00
    assert open_now.pk == ranked[0].point.pk


def test_a_journey_that_ends_after_midnight_does_not_wait_for_the_next_morning(monday_10: Any) -> None:
    # 500 km north: 20 km in the city (67 min), 480 km between cities (504 min); there at 01:31.
    make_hall(code="far-away", latitude=Decimal("41.150000"), longitude=Decimal("117.000000"))
    monday_10.move_to(at(16, 0))

    assert recommend() == []
    # Leaving late enough to arrive in opening hours, it is listed.
    assert ranked_codes(recommend(at=at(23, 45))) == ["far-away"]


def test_when_every_hall_has_shut_for_the_day_the_next_openings_are_given(monday_10: Any) -> None:
    near = make_hall(code="near", **NEAR)
    ClosureFactory(service_point=near, starts_on=dt.date(2026, 9, 22), ends_on=dt.date(2026, 9, 22))
    make_hall(code="far", **FAR)
    make_hall(code="middle", **MIDDLE)
    make_hall(code="foreigners-only", counters={"1": [Skill.FOREIGNERS]}, **NEAR)
    monday_10.move_to(at(17, 30))

    assert recommend() == []
    openings = services.next_openings(**HERE, service="passport.renewal", limit=2)

    assert [(item.point.code, clock.to_local(item.opens_at)) for item in openings] == [
        ("near", at(9, 0, dt.date(2026, 9, 23))),  # closed on Tuesday
        ("middle", at(9, 0, dt.date(2026, 9, 22))),
    ]
    assert openings[0].travel_minutes == pytest.approx(3.737, abs=0.01)


def test_leaving_later_is_scored_at_the_later_arrival() -> None:
    hall = make_hall(code="near", **NEAR)
    staffed(hall, "1")
    for _ in range(4):
        walk_in(hall)

    now = recommend()[0]
    in_an_hour = recommend(at=clock.now() + dt.timedelta(hours=1))[0]

    assert now.predicted_wait_minutes == pytest.approx((4 - 3.737 / 8) * 8, abs=0.05)
    # By then the four have been served (what is left of the last service is a fraction of a minute).
    assert in_an_hour.predicted_wait_minutes == pytest.approx(0.0, abs=0.1)
    assert in_an_hour.arrival == now.arrival + dt.timedelta(hours=1)


@pytest.mark.parametrize(
    ("at", "error"),
    [
        (dt.datetime(2026, 9, 21, 10, 0), services.InvalidDepartureTime),
        (at(9, 0), services.DepartureInPast),
        (at(10, 0, dt.date(2026, 9, 29)), services.DepartureTooFar),
    ],
)
def test_bad_departure_times_are_refused(at: dt.datetime, error: type[Exception]) -> None:
    make_hall(code="near", **NEAR)
    with pytest.raises(error):
        recommend(at=at)


def test_old_recommendations_expire_after_arrival_plus_grace(monday_10: Any) -> None:
    make_hall(code="near", **NEAR)
    recommend(client="early")
    monday_10.move_to(at(10, 10))
    recommend(client="later")
    monday_10.move_to(at(10, 20))  # early: arrived 10:03.7 + 15 → counted until 10:18.7

    assert services.expire_recommendations() == 1

    assert list(RecommendationIssued.objects.values_list("client_key", flat=True)) == ["later"]
    event = AuditEvent.objects.get(action="routing.recommendations_expired")
    assert event.summary == {"count": 1}


def test_expiry_is_a_periodic_task() -> None:
    from exitentry.core.scheduling import discover

    job = discover()["exitentry.routing.tasks.expire_recommendations"]
    assert job.interval == dt.timedelta(minutes=5)
