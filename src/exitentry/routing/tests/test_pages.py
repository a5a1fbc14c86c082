"""The public "served soonest" page and the managers' simulator page."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from exitentry.accounts.models import Role
from exitentry.accounts.tests.factories import UserFactory
from exitentry.core import clock
from exitentry.queueing.tests.factories import make_hall, staffed, walk_in
from exitentry.routing.models import RecommendationIssued
from exitentry.routing.tests.scenarios import TWO_HALLS
from exitentry.routing.views import arrival_text, duration
from exitentry.servicepoints.tests.factories import CityFactory

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.mark.parametrize(
    ("minutes", "english", "chinese"),
    [(1, "1 min", "1分钟"), (45, "45 min", "45分钟"), (60, "1 h", "1小时"), (125, "2 h 5 min", "2小时5分钟")],
)
def test_durations_read_as_people_say_them(minutes: int, english: str, chinese: str) -> None:
    with translation.override("en"):
        assert duration(minutes) == english
    with translation.override("zh-hans"):
        assert duration(minutes) == chinese


def test_an_arrival_on_another_day_names_the_day() -> None:
    arrival = dt.datetime(2026, 12, 8, 9, 31, tzinfo=clock.LOCAL_ZONE)
    with translation.override("en"):
        assert arrival_text(arrival, dt.date(2026, 12, 8)) == "09:31"
        assert arrival_text(arrival, dt.date(2026, 12, 7)) == "December 8 at 09:31"
    with translation.override("zh-hans"):
        assert arrival_text(arrival, dt.date(2026, 12, 7)) == "12月8日 09:31"


@pytest.mark.usefixtures("monday_10")
class TestRecommendPage:
    def test_blank_page_asks_for_a_service_and_a_place(self, client: Any) -> None:
        response = client.get("/network/recommend/", **EN)

        assert response.status_code == 200
        assert b"Find the hall where you will be served soonest" in response.content
        assert b"Best first" not in response.content

    def test_a_city_pick_lists_halls_best_first_with_a_link_to_book_there(self, client: Any) -> None:
        city = CityFactory()  # centre at 36.6512, 117.1201
        busy = make_hall(
            code="busy", city=city, latitude=Decimal("36.651200"), longitude=Decimal("117.121000")
        )
        idle = make_hall(
            code="idle", city=city, latitude=Decimal("36.651200"), longitude=Decimal("117.150000")
        )
        staffed(busy, "1")
        staffed(idle, "1")
        for _ in range(6):
            walk_in(busy)

        response = client.get(
            "/network/recommend/", {"service": "passport.renewal", "city": city.code, "leaving": "0"}, **EN
        )

        assert response.status_code == 200
        text = response.content.decode()
        assert text.index("Hall idle") < text.index("Hall busy")
        assert "9 min away, no wait expected" in " ".join(text.split())
        assert "1 min away, about 48 min wait" in " ".join(text.split())
        assert "6 people waiting now" in text
        assert f'href="/appointments/book/day/?service=passport.renewal&amp;point={idle.pk}"' in text
        assert RecommendationIssued.objects.get().service_point == idle

    def test_a_hall_in_another_city_is_hours_away_not_a_day(self, client: Any) -> None:
        city = CityFactory()  # centre at 36.6512, 117.1201
        far = make_hall(code="far", city=city, latitude=Decimal("37.551200"), longitude=Decimal("117.120100"))
        staffed(far, "1")

        response = client.get(
            "/network/recommend/", {"service": "passport.renewal", "city": city.code, "leaving": "0"}, **EN
        )

        # 100 km north: 20 km at the city speed (67 min), 80 km at the intercity speed (84 min).
        text = " ".join(response.content.decode().split())
        assert "2 h 31 min away, no wait expected" in text
        assert "About 2 h 31 min in all; you would arrive at about 12:31." in text

        chinese = client.get(
            "/network/recommend/",
            {"service": "passport.renewal", "city": city.code, "leaving": "0"},
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
        assert "距您 2小时31分钟，预计无需等候" in chinese.content.decode()

    def test_a_hall_that_opens_after_arrival_says_so(self, client: Any) -> None:
        city = CityFactory()
        hall = make_hall(code="late", city=city, latitude=city.latitude, longitude=city.longitude)
        hall.hours.filter(weekday=0).update(opens=dt.time(10, 30))

        response = client.get(
            "/network/recommend/", {"service": "passport.renewal", "city": city.code, "leaving": "0"}, **EN
        )

        text = " ".join(response.content.decode().split())
        assert "1 min away, about 30 min wait" in text
        assert "Opens at 10:30, after you arrive: the wait includes the time until then." in text

    def test_in_the_evening_the_nearest_halls_say_when_they_open_again(
        self, client: Any, monday_10: Any
    ) -> None:
        city = CityFactory()
        hall = make_hall(code="near", city=city, latitude=city.latitude, longitude=city.longitude)
        monday_10.move_to(clock.local_datetime(dt.date(2026, 9, 21), dt.time(19, 0)))
        query = {"service": "passport.renewal", "city": city.code, "leaving": "0"}

        response = client.get("/network/recommend/", query, **EN)

        text = " ".join(response.content.decode().split())
        assert "No hall offering this service is open when you would get there today." in text
        assert "Opens on September 22 at 09:00 · 1 min away" in text
        assert f'href="/appointments/book/day/?service=passport.renewal&amp;point={hall.pk}"' in text
        assert RecommendationIssued.objects.count() == 0
        chinese = client.get("/network/recommend/", query, HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert "9月22日 09:00 开门 · 距您 1分钟" in chinese.content.decode()

    def test_missing_place_is_reported_at_the_top_and_by_the_field(self, client: Any) -> None:
        response = client.get("/network/recommend/", {"service": "passport.renewal"}, **EN)

        text = response.content.decode()
        assert response.status_code == 200
        assert 'class="error-summary"' in text
        assert '<a href="#id_city">Choose a city, or use your location.</a>' in text

    def test_half_a_location_is_an_error_on_the_missing_coordinate(self, client: Any) -> None:
        response = client.get("/network/recommend/", {"service": "passport.renewal", "lat": "36.6"}, **EN)

        assert (
            '<a href="#id_lon">Give both latitude and longitude, or neither.</a>' in response.content.decode()
        )

    def test_booking_flow_links_to_the_comparison(self, client: Any) -> None:
        client.force_login(UserFactory())

        response = client.get("/appointments/book/", **EN)

        assert b'href="/network/recommend/"' in response.content
        assert b"Compare halls by journey and expected wait" in response.content


def manager(client: Any, role: str = Role.MANAGER) -> None:
    client.force_login(UserFactory(role=role))


@pytest.mark.usefixtures("network")
class TestSimulatorPage:
    def test_anonymous_visitors_are_sent_to_sign_in(self, client: Any) -> None:
        response = client.get("/network/simulator/")

        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")

    def test_applicants_are_refused(self, client: Any) -> None:
        manager(client, Role.APPLICANT)

        response = client.get("/network/simulator/", **EN)

        assert response.status_code == 403
        assert b"The capacity simulator is for managers and supervisors." in response.content

    def test_managers_choose_among_the_example_scenarios_small_enough_for_the_page(self, client: Any) -> None:
        manager(client)

        response = client.get("/network/simulator/", **EN)

        text = response.content.decode()
        assert response.status_code == 200
        assert 'value="skewed_urban_suburban.json"' in text
        assert 'value="balanced.json"' in text
        assert 'value="mmc_validation.json"' not in text  # 210 000 people: for the command
        assert 'value="upload"' in text

    @pytest.mark.parametrize("role", [Role.MANAGER, Role.SUPERVISOR, Role.ADMIN])
    def test_running_an_example_shows_both_policies_side_by_side(self, client: Any, role: str) -> None:
        manager(client, role)

        response = client.post(
            "/network/simulator/", {"scenario": "skewed_urban_suburban.json", "seed": "1"}, **EN
        )

        text = response.content.decode()
        assert response.status_code == 200
        # The documented figures (docs/scenarios.md): nearest 61.90 / 139.15, recommended 3.70 / 10.11.
        assert (
            '<th scope="row">Mean wait (minutes)</th><td class="num">61.9</td><td class="num">3.7</td>'
            in text
        )
        assert (
            '<th scope="row">Longest queue (people)</th><td class="num">84</td><td class="num">9</td>' in text
        )
        chart = response.context["chart"]
        assert set(chart["series"]) == {"nearest", "recommended"}
        assert len(chart["hours"]) == len(chart["series"]["nearest"]) == len(chart["series"]["recommended"])
        assert 'id="wait-chart-data"' in text
        assert "vendor/echarts.min.js" in text
        assert "Mean wait in minutes by hour of arrival" in text  # the chart's table alternative

    def test_an_uploaded_scenario_runs(self, client: Any) -> None:
        manager(client)
        upload = SimpleUploadedFile(
            "two.json", json.dumps(TWO_HALLS).encode(), content_type="application/json"
        )

        response = client.post(
            "/network/simulator/", {"scenario": "upload", "upload": upload, "seed": "7"}, **EN
        )

        assert response.status_code == 200
        assert "Results for “Two halls”, seed 7" in response.content.decode()

    def test_a_broken_upload_names_the_problem(self, client: Any) -> None:
        manager(client)
        upload = SimpleUploadedFile("bad.json", b'{"name": "x",', content_type="application/json")

        response = client.post(
            "/network/simulator/", {"scenario": "upload", "upload": upload, "seed": "1"}, **EN
        )

        text = response.content.decode()
        assert response.status_code == 422
        assert '<a href="#id_upload">scenario is not valid JSON' in text

    def test_an_invalid_scenario_names_the_field_at_fault(self, client: Any) -> None:
        manager(client)
        broken = {**TWO_HALLS, "halls": [{**TWO_HALLS["halls"][0], "counters": 0}, TWO_HALLS["halls"][1]]}
        upload = SimpleUploadedFile("bad.json", json.dumps(broken).encode(), content_type="application/json")

        response = client.post(
            "/network/simulator/", {"scenario": "upload", "upload": upload, "seed": "1"}, **EN
        )

        assert response.status_code == 422
        assert "halls[0].counters must be at least 1." in response.content.decode()

    def test_scenarios_too_big_for_the_page_are_refused_with_the_reason(self, client: Any) -> None:
        manager(client)
        big = {**TWO_HALLS, "arrivals_per_hour": [10_000, 10_000, 10_000]}
        upload = SimpleUploadedFile("big.json", json.dumps(big).encode(), content_type="application/json")

        response = client.post(
            "/network/simulator/", {"scenario": "upload", "upload": upload, "seed": "1"}, **EN
        )

        assert response.status_code == 422
        assert (
            "This scenario expects about 30004 people; the page runs at most 20000."
            in response.content.decode()
        )

    def test_upload_chosen_without_a_file_and_a_bad_seed_are_both_reported(self, client: Any) -> None:
        manager(client)

        response = client.post("/network/simulator/", {"scenario": "upload", "seed": "-1"}, **EN)

        text = response.content.decode()
        assert response.status_code == 422
        assert '<a href="#id_upload">Choose a scenario file to upload.</a>' in text
        assert '<a href="#id_seed">' in text
