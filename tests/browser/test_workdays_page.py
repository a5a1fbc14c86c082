"""The working-day calendar page (/calendar/) in a real browser: grid, count form, errors."""

from __future__ import annotations

from typing import Any

from tests.browser.accessibility import assert_accessible

DESKTOP = {"width": 1280, "height": 800}


def _open(page: Any, path: str) -> None:
    response = page.goto(path)
    assert response is not None
    assert response.status == 200, f"{path} answered {response.status}"


def _fits_the_screen(page: Any) -> bool:
    return bool(page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"))


def test_national_day_month_on_a_phone_is_accessible_and_fits(page, page_errors):
    _open(page, "/calendar/?year=2026&month=10")

    assert page.inner_text("#month-title") == "2026年10月"
    first = page.locator("td.workdays-holiday").first
    assert first.locator(".workdays-marker").inner_text() == "休"
    assert page.locator("td.workdays-makeup .workdays-marker").inner_text() == "班"
    assert "2026年10月1日至2026年10月7日：国庆节，放假" in page.inner_text(".workdays-special")
    assert _fits_the_screen(page)
    assert page_errors == []
    assert_accessible(page)


def test_grid_labels_show_on_a_desktop_screen_in_english(new_page):
    page = new_page(locale="en-GB", viewport=DESKTOP)
    _open(page, "/calendar/?year=2026&month=2")

    assert page.locator("td.workdays-makeup .workdays-label").first.is_visible()
    assert page.locator("td.workdays-makeup .workdays-label").first.inner_text() == (
        "Make-up working day for Spring Festival"
    )
    assert_accessible(page)


def test_counting_with_javascript_swaps_in_the_due_date_and_focuses_it(new_page, page_errors):
    page = new_page(locale="en-GB")
    _open(page, "/calendar/?year=2026&month=9")

    page.fill("#id_start", "2026-09-30")
    page.fill("#id_days", "7")
    page.get_by_role("button", name="Count").click()
    page.wait_for_selector("#count-result")

    assert "Oct. 15, 2026" in page.inner_text(".workdays-due")
    assert page.evaluate("() => document.activeElement.id") == "count-result"
    assert "start=2026-09-30" in page.url
    assert page.inner_text("#month-title") == "October 2026"
    assert page_errors == []
    assert_accessible(page)


def test_counting_works_without_javascript(new_page):
    page = new_page(locale="en-GB", java_script_enabled=False)
    _open(page, "/calendar/")

    page.fill("#id_start", "2026-02-13")
    page.fill("#id_days", "1")
    page.get_by_role("button", name="Count").click()
    page.wait_for_selector("#count-result")

    # Saturday 14 February 2026 is a make-up working day.
    assert page.inner_text(".workdays-due") == "Feb. 14, 2026 Saturday"


def test_errors_are_summarised_focused_and_linked_to_their_fields(new_page):
    page = new_page(locale="en-GB")
    _open(page, "/calendar/")

    page.get_by_role("button", name="Count").click()
    page.wait_for_selector(".error-summary")

    assert page.evaluate("() => document.activeElement.classList.contains('error-summary')")
    page.get_by_role("link", name="Enter the start date").click()
    assert page.evaluate("() => document.activeElement.id") == "id_start"
    assert_accessible(page)


def test_a_year_without_official_data_explains_itself_accessibly(new_page):
    page = new_page(locale="en-GB", viewport=DESKTOP)
    _open(page, "/calendar/?year=2027&month=1")

    assert page.inner_text(".workdays-notice h3") == "No official holidays for this year yet"
    assert page.locator("table").count() == 0
    assert_accessible(page)
