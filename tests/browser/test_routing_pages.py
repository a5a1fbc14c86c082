"""The routing pages in a real browser: the quickest hall, and the managers' simulator with its chart.

Both pass axe-core, fit a phone and work without JavaScript (the chart has a table beside it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from importlib import import_module
from typing import Any

import pytest
import time_machine
from django.apps import apps
from playwright.sync_api import expect

from exitentry.accounts.models import Role
from exitentry.accounts.tests.factories import PASSWORD, UserFactory
from exitentry.queueing.tests.factories import at, make_hall, staffed, walk_in
from exitentry.servicepoints.tests.factories import CityFactory, catalog_service, skill_rules
from tests.browser.accessibility import assert_accessible
from tests.browser.pages import fits_the_screen, open_page, sign_in

DESKTOP = {"width": 1280, "height": 800}
RECOMMEND = "/network/recommend/?service=passport.renewal&city=370100&leaving=0"


@pytest.fixture
def network(transactional_db: None) -> Iterator[None]:
    with time_machine.travel(at(10) - dt.timedelta(minutes=1), tick=True):
        # A transactional test starts from a flushed database: put the data migrations' rows back.
        import_module("exitentry.queueing.migrations.0002_default_policy_and_skills").add_defaults(apps, None)
        import_module("exitentry.routing.migrations.0002_default_travel_model").add_default(apps, None)
        skill_rules()
        catalog_service("passport.renewal")
        city = CityFactory()
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
        yield


def test_the_quickest_hall_page_fits_a_phone_and_is_accessible(
    page: Any, page_errors: list[str], network: None
) -> None:
    open_page(page, RECOMMEND)

    assert page.locator("h1").count() == 1
    cards = page.locator(".recommendation-list > li")
    assert cards.count() == 2
    assert "idle" in cards.nth(0).locator("h3").inner_text()
    assert fits_the_screen(page)
    assert_accessible(page)
    assert page_errors == []


def test_the_quickest_hall_page_in_english_on_a_desktop(new_page: Any, network: None) -> None:
    tab = new_page(locale="en-GB", viewport=DESKTOP)
    open_page(tab, RECOMMEND)

    assert tab.get_attribute("html", "lang") == "en"
    assert "no wait expected" in tab.locator(".recommendation-best").inner_text()
    assert_accessible(tab)


def test_the_quickest_hall_page_works_without_javascript(new_page: Any, network: None) -> None:
    tab = new_page(java_script_enabled=False, locale="en-GB")
    open_page(tab, "/network/recommend/")

    tab.select_option("#id_service", "passport.renewal")
    tab.select_option("#id_city", "370100")
    tab.click("main button[type=submit]")

    expect(tab.locator(".recommendation-list > li")).to_have_count(2)


def test_in_the_evening_the_next_openings_are_listed_and_accessible(new_page: Any, network: None) -> None:
    with time_machine.travel(at(19), tick=True):
        tab = new_page(locale="en-GB")
        open_page(tab, RECOMMEND)

        cards = tab.locator(".opening-list > li")
        expect(cards).to_have_count(2)
        assert "Opens on September 22 at 09:00" in cards.nth(0).inner_text()
        assert fits_the_screen(tab)
        assert_accessible(tab)


def test_a_missing_place_is_summarised_and_accessible(new_page: Any, network: None) -> None:
    tab = new_page(locale="en-GB")
    open_page(tab, "/network/recommend/")
    tab.select_option("#id_service", "passport.renewal")
    tab.click("main button[type=submit]")

    expect(tab.locator(".error-summary")).to_be_visible()
    assert_accessible(tab)


@pytest.fixture
def manager(transactional_db: None) -> Any:
    return UserFactory(username="manager1", role=Role.MANAGER)


def test_a_manager_runs_a_scenario_and_sees_the_chart(
    new_page: Any, page_errors: list[str], manager: Any
) -> None:
    tab = new_page(locale="en-GB", viewport=DESKTOP)
    sign_in(tab, "manager1", PASSWORD, then="/network/simulator/")
    assert_accessible(tab)

    tab.check("input[value='skewed_urban_suburban.json']")
    tab.fill("#id_seed", "1")
    tab.click("main button[type=submit]")

    tab.wait_for_selector("#wait-chart svg")
    assert tab.locator("#wait-chart").is_visible()
    assert "61.9" in tab.locator("main table").first.inner_text()
    assert tab.locator("#hour-table-caption").is_visible()  # the chart's text alternative
    assert_accessible(tab)
    assert page_errors == []


def test_the_simulator_fits_a_phone_and_works_without_javascript(new_page: Any, manager: Any) -> None:
    tab = new_page(java_script_enabled=False)
    sign_in(tab, "manager1", PASSWORD, then="/network/simulator/")

    tab.check("input[value='balanced.json']")
    tab.click("main button[type=submit]")

    # The click returns once the answer starts to arrive; wait for the rendered result, not the click.
    expect(tab.locator("#hour-table-caption")).to_be_visible()
    assert tab.locator("#wait-chart").is_hidden()  # no chart without JavaScript: the table says it all
    assert fits_the_screen(tab)
