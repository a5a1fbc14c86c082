from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from exitentry.accounts.tests.factories import UserFactory
from exitentry.appointments.models import Appointment, AppointmentStatus
from exitentry.core import clock
from exitentry.servicepoints.models import Slot
from exitentry.servicepoints.tests.factories import CapacityPlanFactory, SlotFactory, hall_with_weekday_hours
from exitentry.workdays.tests.factories import CalendarYearFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("monday_10")]

EN = {"Accept-Language": "en"}


@pytest.fixture
def signed_in(client: Any) -> Any:
    user = UserFactory()
    client.force_login(user)
    return user


@pytest.fixture
def hall() -> Any:
    hall = hall_with_weekday_hours()
    CapacityPlanFactory(service_point=hall)
    return hall


def test_booking_pages_need_signing_in(client: Any) -> None:
    response = client.get(reverse("appointments:book"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_whole_booking_flow_ends_with_a_code_and_a_qr_code(
    client: Any, signed_in: Any, hall: Any
) -> None:
    slot = SlotFactory(
        service_point=hall, start=clock.local_datetime(dt.date(2026, 9, 22), dt.time(10)), capacity=2
    )

    start = client.get(reverse("appointments:book"), {"point": hall.pk}, headers=EN)
    assert start.status_code == 200
    assert "Which service do you need?" in start.content.decode()

    chosen = client.get(reverse("appointments:book"), {"service": "passport.renewal", "point": hall.pk})
    assert chosen.status_code == 302
    days = client.get(chosen["Location"], headers=EN)
    page = days.content.decode()
    assert "2026-09-22" in page
    assert "2 places left" in page

    day_url = re.search(r'href="([^"]*date=2026-09-22[^"]*)"', page).group(1).replace("&amp;", "&")
    times = client.get(day_url, headers=EN).content.decode()
    assert "10:00 to 10:30 (2 left)" in times

    nothing = client.get(day_url + "&choose=1", headers=EN).content.decode()
    assert "There is a problem" in nothing
    assert 'href="#id_slot_0"' in nothing
    assert "Choose a time." in nothing

    picked = client.get(day_url + f"&choose=1&slot={slot.pk}")
    assert picked.status_code == 302
    check = client.get(picked["Location"], headers=EN)
    check_page = check.content.decode()
    assert "Check your booking" in check_page
    key = re.search(r'name="key" value="([0-9a-f]+)"', check_page).group(1)

    form = {"service": "passport.renewal", "slot": slot.pk, "key": key}
    done = client.post(reverse("appointments:confirm"), form)
    again = client.post(reverse("appointments:confirm"), form)  # the button pressed twice

    assert done.status_code == again.status_code == 302
    assert done["Location"] == again["Location"]
    appointment = Appointment.objects.get()
    assert appointment.user == signed_in
    slot.refresh_from_db()
    assert slot.booked == 1
    confirmation = client.get(done["Location"], headers=EN).content.decode()
    assert "Appointment booked" in confirmation
    assert appointment.code in confirmation
    assert '<svg role="img" aria-label="QR code of appointment ' in confirmation


def test_a_full_slot_at_confirmation_says_so_and_offers_another_time(
    client: Any, signed_in: Any, hall: Any
) -> None:
    slot = SlotFactory(
        service_point=hall,
        start=clock.local_datetime(dt.date(2026, 9, 22), dt.time(10)),
        capacity=1,
        booked=1,
    )

    response = client.post(
        reverse("appointments:confirm"),
        {"service": "passport.renewal", "slot": slot.pk, "key": "abc"},
        headers=EN,
    )

    assert response.status_code == 409
    page = response.content.decode()
    assert "There is a problem" in page
    assert "This time is fully booked. Please choose another time." in page
    assert "Choose another time" in page


def test_choosing_nothing_shows_the_error_summary(client: Any, signed_in: Any, hall: Any) -> None:
    response = client.get(reverse("appointments:book"), {"service": "", "point": ""}, headers=EN)

    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert 'href="#id_service"' in page
    assert "Choose the service you need." in page
    assert 'href="#id_point"' in page


def test_a_hall_without_plans_for_the_service_is_refused(client: Any, signed_in: Any, hall: Any) -> None:
    response = client.get(
        reverse("appointments:book"), {"service": "hk_macau_permit.first_issue", "point": hall.pk}, headers=EN
    )

    assert response.status_code == 302  # the hall's plan covers citizens' documents: on to the days
    other = hall_with_weekday_hours()
    CapacityPlanFactory(service_point=other, skill="foreigners")
    refused = client.get(
        reverse("appointments:book"), {"service": "passport.renewal", "point": other.pk}, headers=EN
    )
    assert "This service point does not take appointments for this service." in refused.content.decode()


def test_my_appointments_lists_them_and_cancelling_frees_the_place(
    client: Any, signed_in: Any, hall: Any
) -> None:
    from exitentry.appointments.services import book_slot

    slot = SlotFactory(service_point=hall, start=clock.local_datetime(dt.date(2026, 9, 22), dt.time(10)))
    outcome = book_slot(signed_in, slot.pk, "passport.renewal", "k")
    appointment = Appointment.objects.get(pk=outcome.appointment_id)

    mine = client.get(reverse("appointments:mine"), headers=EN).content.decode()
    assert appointment.code in mine
    assert reverse("appointments:cancel", args=[appointment.pk]) in mine

    ask = client.get(reverse("appointments:cancel", args=[appointment.pk]), headers=EN)
    assert "Are you sure you want to cancel this appointment?" in ask.content.decode()
    done = client.post(reverse("appointments:cancel", args=[appointment.pk]), headers=EN)

    assert done.status_code == 302
    appointment.refresh_from_db()
    slot.refresh_from_db()
    assert (appointment.status, slot.booked) == (AppointmentStatus.CANCELLED, 0)
    after = client.get(done["Location"], headers=EN).content.decode()
    assert f"Your appointment {appointment.code} is cancelled." in after


def test_someone_elses_appointment_page_is_404(client: Any, signed_in: Any, hall: Any) -> None:
    from exitentry.appointments.services import book_slot

    slot = SlotFactory(service_point=hall, start=clock.local_datetime(dt.date(2026, 9, 22), dt.time(10)))
    theirs = book_slot(UserFactory(), slot.pk, "passport.renewal", "k")

    assert client.get(reverse("appointments:detail", args=[theirs.appointment_id])).status_code == 404
    assert client.post(reverse("appointments:cancel", args=[theirs.appointment_id])).status_code == 404
    assert Slot.objects.get(pk=slot.pk).booked == 1


def test_days_without_free_places_are_not_offered(client: Any, signed_in: Any, hall: Any) -> None:
    SlotFactory(
        service_point=hall,
        start=clock.local_datetime(dt.date(2026, 9, 22), dt.time(10)),
        capacity=1,
        booked=1,
    )
    SlotFactory(service_point=hall, start=clock.local_datetime(dt.date(2026, 9, 23), dt.time(10)), capacity=1)
    SlotFactory(
        service_point=hall, start=clock.local_datetime(dt.date(2026, 10, 1), dt.time(10)), capacity=1
    )  # holiday

    page = client.get(
        reverse("appointments:day"), {"service": "passport.renewal", "point": hall.pk}, headers=EN
    ).content.decode()

    assert "2026-09-23" in page
    assert "2026-09-22" not in page
    assert "2026-10-01" not in page


def test_days_beyond_the_known_holiday_calendar_are_explained(client: Any, signed_in: Any, hall: Any) -> None:
    query = {"service": "passport.renewal", "point": hall.pk}
    with time_machine.travel(clock.local_datetime(dt.date(2026, 12, 21), dt.time(10)), tick=False):
        SlotFactory(service_point=hall, start=clock.local_datetime(dt.date(2026, 12, 22), dt.time(10)))

        client.force_login(signed_in)  # the September session has timed out by December
        page = " ".join(client.get(reverse("appointments:day"), query, headers=EN).content.decode().split())
        assert "2026-12-22" in page
        assert (
            "Days from Jan. 1, 2027 can be booked once the official holiday calendar for 2027 is published."
            in page
        )

        CalendarYearFactory(year=2027)
        page = client.get(reverse("appointments:day"), query, headers=EN).content.decode()
        assert "holiday calendar" not in page

    # In September the window ends in a known year: nothing to explain.
    client.force_login(signed_in)
    page = client.get(reverse("appointments:day"), query, headers=EN).content.decode()
    assert "Choose a day" in page
    assert "holiday calendar" not in page


@pytest.mark.parametrize(
    "query", ["", "?service=passport.renewal&slot=99999999999999999999", "?slot=x", "?service=x&slot=1"]
)
def test_a_check_page_without_a_real_choice_goes_back_to_the_start(
    client: Any, signed_in: Any, query: str
) -> None:
    response = client.get(reverse("appointments:confirm") + query)

    assert response.status_code == 302
    assert response["Location"] == reverse("appointments:book")


def test_pages_of_impossible_appointments_are_404(client: Any, signed_in: Any) -> None:
    assert client.get("/appointments/99999999999999999999/").status_code == 404
    assert client.get("/service-points/99999999999999999999/").status_code == 404
