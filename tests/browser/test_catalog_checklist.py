"""The one-time notification page in a real browser: filled in on a phone, with and without
JavaScript, the printable list and the error summary all pass axe-core."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from exitentry.catalog.models import Service
from exitentry.catalog.services import load_reference_data
from tests.browser.accessibility import assert_accessible


@pytest.fixture(autouse=True)
def _catalog(transactional_db):
    # The live server's database is flushed between tests; put the reference catalog back.
    if not Service.objects.exists():
        load_reference_data()


def _fill(page, *codes, birth_date="1990-03-07", city="370200"):
    for code in codes:
        page.check(f"#service-{code.replace('.', '-')}")
    page.fill("#id_birth_date", birth_date)
    page.select_option("#id_household_city", city)
    page.click("#questions button[type=submit]")


@pytest.mark.parametrize("javascript", [True, False])
def test_phone_user_gets_one_accessible_list_for_three_items(new_page, javascript):
    page = new_page(locale="en-GB", java_script_enabled=javascript)
    page.goto("/services/checklist/")

    _fill(page, "passport.renewal", "hk_macau_permit.first_issue", "hk_macau_endorsement.G")

    assert page.locator("h1").inner_text() == "Your list of what you need"
    assert "195 yuan" in page.locator(".summary").inner_text()
    assert page.locator("table tfoot").inner_text().split() == ["Total", "195", "yuan"]
    if javascript:  # axe-core and the layout check run in the page's JavaScript
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
        assert_accessible(page)


def test_the_printed_list_hides_the_form_and_the_buttons(new_page):
    page = new_page(locale="en-GB")
    page.goto("/services/checklist/")
    _fill(page, "passport.first_issue", birth_date="2015-06-01", city="370100")

    page.emulate_media(media="print")

    assert page.locator("#questions").is_hidden()
    assert page.get_by_role("button", name="Print this list").is_hidden()
    assert page.get_by_role("heading", name="We check these ourselves").is_visible()


def test_error_summary_is_accessible_and_links_to_the_fields(page):
    page.goto("/services/checklist/")
    page.click("#questions button[type=submit]")

    summary = page.locator(".error-summary")
    expect(summary.locator("a")).to_have_count(3)
    summary.locator("a").nth(1).click()
    assert page.evaluate("() => document.activeElement.id") == "id_birth_date"
    assert_accessible(page)


def test_services_page_is_accessible(page):
    response = page.goto("/services/")

    assert response.status == 200
    assert page.locator("h1").count() == 1
    assert_accessible(page)
