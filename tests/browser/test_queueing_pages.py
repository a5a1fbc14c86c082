"""Issue 5's "done": check in at the ticket machine, be called on the hall display, the manager sees it live.

Also: every queueing page passes axe-core and fits a phone; the display updates itself by polling.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from importlib import import_module
from typing import Any

import pytest
import time_machine
from django.apps import apps
from playwright.sync_api import expect

from exitentry.accounts.models import Role
from exitentry.accounts.tests.factories import PASSWORD
from exitentry.queueing.tests.factories import A, appointment, at, make_hall, staff
from exitentry.servicepoints.tests.factories import catalog_service, skill_rules
from tests.browser.accessibility import assert_accessible
from tests.browser.pages import fits_the_screen, open_page, sign_in

DESKTOP = {"width": 1280, "height": 800}
BIG_SCREEN = {"width": 1920, "height": 1080}


@pytest.fixture
def monday_morning(transactional_db: None) -> Iterator[None]:
    # Ticking, so that the browser's polling sees time pass; monotonic clocks are left alone.
    with time_machine.travel(at(10) - dt.timedelta(minutes=1), tick=True):
        yield


@pytest.fixture
def hall(monday_morning: None) -> Any:
    # A transactional test starts from a flushed database: put the data migrations' rows back.
    import_module("exitentry.queueing.migrations.0002_default_policy_and_skills").add_defaults(apps, None)
    skill_rules()
    catalog_service("passport.renewal")
    return make_hall({"1": [A]})


def test_check_in_be_called_on_the_display_and_seen_live(
    new_page: Any, page_errors: list[str], hall: Any
) -> None:
    booked = appointment(hall, at(10, 0))
    officer = staff(hall, username="officer1")
    staff(hall, Role.SUPERVISOR, username="supervisor1")

    kiosk = new_page(locale="en-GB", viewport=DESKTOP)
    open_page(kiosk, f"/queue/{hall.pk}/machine/")
    assert_accessible(kiosk)
    kiosk.click("text=I have an appointment")
    assert_accessible(kiosk)
    kiosk.fill("#id_code", booked.code)
    kiosk.click("main button[type=submit]")
    expect(kiosk.locator(".ticket-number")).to_have_text("A001")
    assert_accessible(kiosk)

    display = new_page(locale="en-GB", viewport=BIG_SCREEN)
    open_page(display, f"/queue/{hall.pk}/display/")
    display.wait_for_selector("#calls .calls-none")
    assert_accessible(display)

    console = new_page(locale="en-GB", viewport=DESKTOP)
    sign_in(console, officer.username, PASSWORD, then="/queue/counter/")
    assert_accessible(console)
    console.click("text=Open counter 1")
    console.click("text=Call next")
    expect(console.locator(".console-number")).to_have_text("A001")
    assert_accessible(console)

    display.wait_for_selector("#calls .call-ticket:text('A001')", timeout=15_000)
    assert "Counter 1" in display.locator("#calls").inner_text()

    live = new_page(locale="en-GB", viewport=DESKTOP)
    sign_in(live, "supervisor1", PASSWORD, then=f"/queue/{hall.pk}/live/")
    assert "A001" in live.locator("#live-panel").inner_text()
    assert_accessible(live)
    assert page_errors == []


def test_a_walk_in_gets_a_ticket_and_errors_are_summarised(
    new_page: Any, page_errors: list[str], hall: Any
) -> None:
    kiosk = new_page(locale="en-GB")
    open_page(kiosk, f"/queue/{hall.pk}/machine/walk-in/")
    assert fits_the_screen(kiosk)

    kiosk.fill("#id_phone", "123")
    kiosk.click("main button[type=submit]")
    expect(kiosk.locator(".error-summary")).to_be_visible()
    assert_accessible(kiosk)
    kiosk.check("#id_skill_0")
    kiosk.fill("#id_phone", "13812345678")
    kiosk.click("main button[type=submit]")

    expect(kiosk.locator(".ticket-number")).to_have_text("A001")
    assert "138****5678" in kiosk.locator(".ticket").inner_text()
    # The script shows the print button once the page has loaded; is_visible() would not wait.
    kiosk.locator("[data-print]").wait_for(state="visible")
    assert fits_the_screen(kiosk)
    assert page_errors == []


@pytest.mark.parametrize(
    "path", ["/queue/{id}/machine/", "/queue/{id}/machine/walk-in/", "/queue/{id}/display/"]
)
def test_queue_pages_fit_a_phone_and_are_accessible_in_chinese(page: Any, hall: Any, path: str) -> None:
    open_page(page, path.format(id=hall.pk))

    assert page.locator("h1").count() == 1
    assert fits_the_screen(page)
    assert_accessible(page)


def test_the_machine_works_without_javascript(new_page: Any, hall: Any) -> None:
    kiosk = new_page(java_script_enabled=False, locale="en-GB")
    open_page(kiosk, f"/queue/{hall.pk}/machine/walk-in/")

    kiosk.check("#id_skill_0")
    kiosk.click("main button[type=submit]")

    expect(kiosk.locator(".ticket-number")).to_have_text("A001")
