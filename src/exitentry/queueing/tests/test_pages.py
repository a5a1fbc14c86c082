"""The pages: ticket machine, hall display (and its htmx parts), counter console, live view."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from exitentry.accounts.models import Role
from exitentry.queueing import services
from exitentry.queueing.models import Ticket, TicketStatus
from exitentry.queueing.tests.factories import (
    A,
    B,
    appointment,
    at,
    counter,
    make_hall,
    staff,
    staffed,
    walk_in,
)

pytestmark = pytest.mark.django_db

EN = {"Accept-Language": "en"}


def page(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# ---- the ticket machine


def test_the_machine_offers_appointment_check_in_and_walk_in(client: Any, frozen: Any) -> None:
    hall = make_hall()

    response = client.get(reverse("queueing:machine", args=[hall.pk]), headers=EN)

    assert response.status_code == 200
    html = page(response)
    assert "I have an appointment" in html
    assert "No appointment" in html
    assert reverse("queueing:machine_walk_in", args=[hall.pk]) in html


def test_the_machine_says_when_the_hall_is_closed(client: Any, frozen: Any) -> None:
    hall = make_hall()
    frozen.move_to(at(19))

    html = page(client.get(reverse("queueing:machine", args=[hall.pk]), headers=EN))

    assert "The service point is closed now, so no tickets are given out." in html
    assert "I have an appointment" not in html


def test_a_walk_in_chooses_a_service_and_gets_a_printable_ticket(client: Any, frozen: Any) -> None:
    hall = make_hall({"1": [A], "2": [B]})
    staffed(hall, "1")
    walk_in(hall)
    url = reverse("queueing:machine_walk_in", args=[hall.pk])

    choose = page(client.get(url, headers=EN))
    response = client.post(url, {"skill": A, "phone": "13812345678"}, headers=EN)
    ticket = client.get(response["Location"], headers=EN)

    assert "Passports and travel permits" in choose
    assert "1 person waiting · About 8 minutes" in choose
    assert response.status_code == 302
    html = page(ticket)
    assert ticket.status_code == 200
    assert '<p class="ticket-number" id="ticket-number">A002</p>' in html
    assert "People ahead of you</dt><dd>1</dd>" in html
    assert "About 8 minutes" in html
    assert "We will send a text message to 138****5678 when your turn is near." in html
    assert "13812345678" not in html


def test_a_walk_in_without_a_choice_sees_the_error_summary(client: Any, frozen: Any) -> None:
    hall = make_hall()

    response = client.post(reverse("queueing:machine_walk_in", args=[hall.pk]), {"phone": "123"}, headers=EN)

    html = page(response)
    assert response.status_code == 422
    assert "There is a problem" in html
    assert '<a href="#id_skill_0">Choose what you need.</a>' in html
    assert "<title>Error: Get a ticket" in html
    assert not Ticket.objects.exists()


def test_a_bad_phone_is_shown_at_the_phone_field(client: Any, frozen: Any) -> None:
    hall = make_hall()

    response = client.post(
        reverse("queueing:machine_walk_in", args=[hall.pk]), {"skill": A, "phone": "123"}, headers=EN
    )

    assert response.status_code == 422
    assert (
        '<a href="#id_phone">Enter a mobile phone number, like 13812345678, or leave it empty.</a>'
        in page(response)
    )


def test_an_appointment_holder_checks_in_with_the_code(client: Any, frozen: Any) -> None:
    hall = make_hall()
    booked = appointment(hall, at(10, 15))
    url = reverse("queueing:machine_appointment", args=[hall.pk])

    response = client.post(url, {"code": booked.code.lower(), "phone": ""}, headers=EN)
    html = page(client.get(response["Location"], headers=EN))

    assert response.status_code == 302
    assert "A001" in html
    assert "Appointment" in html


def test_checking_in_too_early_is_explained_at_the_code_field(client: Any, frozen: Any) -> None:
    hall = make_hall()
    booked = appointment(hall, at(15, 0))

    response = client.post(
        reverse("queueing:machine_appointment", args=[hall.pk]), {"code": booked.code}, headers=EN
    )

    assert response.status_code == 422
    assert '<a href="#id_code">It is too early to check in. Check-in opens at 14:30.</a>' in page(response)


def test_an_unknown_code_is_explained(client: Any, frozen: Any) -> None:
    hall = make_hall()

    response = client.post(
        reverse("queueing:machine_appointment", args=[hall.pk]), {"code": "NOPE123456"}, headers=EN
    )

    assert "We cannot find this appointment code. Check it and try again." in page(response)


def test_a_ticket_link_cannot_be_guessed(client: Any, frozen: Any) -> None:
    hall = make_hall()
    ticket = walk_in(hall)

    response = client.get(reverse("queueing:machine_ticket", args=[hall.pk, f"{ticket.pk}:forged"]))

    assert response.status_code == 404


# ---- the hall display


def test_the_display_shows_who_is_called_where_and_updates_by_polling(client: Any, frozen: Any) -> None:
    hall = make_hall({"1": [A], "2": [A]})
    desk, officer = staffed(hall, "1")
    walk_in(hall)
    walk_in(hall)
    calls_url = reverse("queueing:display_calls", args=[hall.pk])

    display = page(client.get(reverse("queueing:display", args=[hall.pk]), headers=EN))
    before = page(client.get(calls_url, headers=EN))
    first = services.call_next(desk, officer)
    after = page(client.get(calls_url, headers=EN))
    services.start_serving(first, officer)
    frozen.move_to(at(10, 5))
    second = services.call_next(*staffed(hall, "2"))
    board = page(client.get(reverse("queueing:display_board", args=[hall.pk]), headers=EN))
    later = page(client.get(calls_url, headers=EN))

    assert f'hx-get="{calls_url}" hx-trigger="load, every 4s"' in display
    assert 'aria-live="polite"' in display
    assert "Nobody is being called right now." in before
    assert '<span class="call-ticket">A001</span>' in after
    assert "Counter 1" in after
    assert '<span class="call-ticket">A002</span>' in later
    assert "Counter 2" in later
    assert "A001" not in later  # being served: no longer called
    assert '<span class="recent-ticket">A001</span>' in board
    assert second.number == "A002"


def test_the_display_shows_waiting_and_predicted_wait_per_service(client: Any, frozen: Any) -> None:
    hall = make_hall({"1": [A], "2": [B]})
    staffed(hall, "1")
    walk_in(hall, A)
    walk_in(hall, A)

    html = page(client.get(reverse("queueing:display_board", args=[hall.pk]), headers=EN))

    assert (
        '<th scope="row">Passports and travel permits</th><td class="num">2</td><td>About 16 minutes</td>'
        in html
    )
    assert '<th scope="row">Endorsements</th><td class="num">0</td><td>No counter open</td>' in html


def test_the_service_point_pages_show_the_queue(client: Any, frozen: Any) -> None:
    hall = make_hall({"1": [A]})
    staffed(hall, "1")
    walk_in(hall)

    detail = page(client.get(reverse("servicepoints:detail", args=[hall.pk]), headers=EN))
    listing = page(client.get(reverse("servicepoints:list"), headers=EN))

    assert "Queue now" in detail
    assert '<td class="num">1</td><td class="num">1</td><td>About 8 minutes</td>' in detail
    assert "1 person waiting · About 8 minutes" in listing


# ---- the counter console


def test_an_officer_opens_a_counter_calls_and_finishes_a_ticket(client: Any, frozen: Any) -> None:
    hall = make_hall()
    officer = staff(hall)
    walk_in(hall, phone="13812345678")
    desk = counter(hall, "1")
    client.force_login(officer)
    console = reverse("queueing:counter")

    choose = page(client.get(console, headers=EN))
    client.post(reverse("queueing:counter_action", args=[desk.pk, "open"]))
    opened = page(client.get(console, headers=EN))
    client.post(reverse("queueing:counter_action", args=[desk.pk, "call-next"]))
    calling = page(client.get(console, headers=EN))
    ticket = Ticket.objects.get()
    client.post(
        reverse("queueing:counter_action", args=[desk.pk, "finish"]), {"ticket": ticket.pk}, headers=EN
    )
    done = page(client.get(console, headers=EN))

    assert "Open counter 1" in choose
    assert "Call next" in opened
    assert "138****5678" in opened
    assert '<p class="console-number">A001</p>' in calling
    assert "Start serving" in calling
    assert "Did not come" in calling
    assert "13812345678" not in calling
    assert "A001 is done." in done
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.DONE


def test_a_stale_console_page_cannot_finish_another_ticket(client: Any, frozen: Any) -> None:
    hall = make_hall()
    desk, officer = staffed(hall, "1")
    walk_in(hall)
    ticket = services.call_next(desk, officer)
    client.force_login(officer)

    response = client.post(
        reverse("queueing:counter_action", args=[desk.pk, "finish"]), {"ticket": ticket.pk + 1}, headers=EN
    )

    ticket.refresh_from_db()
    assert response.status_code == 302
    assert ticket.status == TicketStatus.CALLED
    assert "This action is not allowed in the current state." in page(
        client.get(reverse("queueing:counter"), headers=EN)
    )


def test_transfer_from_the_console_needs_a_target(client: Any, frozen: Any) -> None:
    hall = make_hall({"1": [A], "2": [B]})
    desk, officer = staffed(hall, "1")
    walk_in(hall)
    ticket = services.call_next(desk, officer)
    client.force_login(officer)
    url = reverse("queueing:counter_action", args=[desk.pk, "transfer"])

    missing = client.post(url, {"ticket": ticket.pk, "target": ""}, headers=EN)
    moved = client.post(url, {"ticket": ticket.pk, "target": f"skill:{B}"}, headers=EN)

    assert missing.status_code == 422
    assert "Choose where to send this person." in page(missing)
    assert moved.status_code == 302
    assert Ticket.objects.get(transferred_from=ticket).skill == B


def test_the_console_is_for_staff_only(client: Any, frozen: Any) -> None:
    client.force_login(staff(None, Role.APPLICANT))

    response = client.get(reverse("queueing:counter"), headers=EN)

    assert response.status_code == 403
    assert "You cannot see this page" in page(response)


def test_the_console_queue_part_lists_tickets_in_calling_order(client: Any, frozen: Any) -> None:
    hall = make_hall()
    _desk, officer = staffed(hall, "1")
    walk_in(hall)
    walk_in(hall)
    client.force_login(officer)

    html = page(client.get(reverse("queueing:counter_queue"), headers=EN))

    assert html.index("A001") < html.index("A002")


# ---- the live view


def test_a_supervisor_sees_the_hall_live(client: Any, frozen: Any) -> None:
    hall = make_hall({"1": [A], "2": [B]})
    desk, officer = staffed(hall, "1")
    walk_in(hall)
    walk_in(hall)
    first = services.call_next(desk, officer)
    services.mark_no_show(first, officer)
    frozen.move_to(at(10, 20))
    client.force_login(staff(hall, Role.SUPERVISOR))

    response = client.get(reverse("queueing:live", args=[hall.pk]), headers=EN)
    panel = client.get(reverse("queueing:live_panel", args=[hall.pk]), headers=EN)

    assert response.status_code == 200
    html = page(panel)
    assert "<dt>People waiting</dt><dd>1</dd>" in html
    assert "<dt>Tickets today</dt><dd>2</dd>" in html
    assert "<dt>Did not come today</dt><dd>1</dd>" in html
    row = '<th scope="row">Passports and travel permits</th> <td class="num">1</td> <td class="num">1</td>'
    assert f'{row} <td class="num">20</td>' in html  # waiting since 10:00
    assert officer.username in html


@pytest.mark.parametrize("role", [Role.OFFICER, Role.APPLICANT])
def test_the_live_view_is_for_supervisors_and_managers(client: Any, frozen: Any, role: str) -> None:
    hall = make_hall()
    client.force_login(staff(hall, role))

    assert client.get(reverse("queueing:live", args=[hall.pk])).status_code == 403


def test_a_supervisor_of_another_hall_cannot_see_it_but_a_manager_can(client: Any, frozen: Any) -> None:
    hall = make_hall()
    client.force_login(staff(make_hall(), Role.SUPERVISOR))
    assert client.get(reverse("queueing:live", args=[hall.pk])).status_code == 403

    client.force_login(staff(None, Role.MANAGER))
    assert client.get(reverse("queueing:live", args=[hall.pk])).status_code == 200


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("zh-hans", "我有预约"),
        ("en", "I have an appointment"),
        ("ru", "У меня есть запись"),
        ("ja", "予約があります"),
        ("ko", "예약했습니다"),
    ],
)
def test_the_machine_speaks_five_languages(client: Any, frozen: Any, language: str, text: str) -> None:
    hall = make_hall()

    html = page(
        client.get(reverse("queueing:machine", args=[hall.pk]), headers={"Accept-Language": language})
    )

    assert text in html
    assert f'<html lang="{language}">' in html
