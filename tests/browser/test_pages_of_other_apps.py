"""Every page of the other apps passes axe-core, fits a phone and has one h1.

The pages belong to other apps (catalog, workdays, servicepoints, identity); these checks are
the project-wide accessibility bar, run against what each page shows with an empty database.
Staff pages are visited signed in as an officer.
"""

from __future__ import annotations

import pytest

from exitentry.accounts.tests.factories import PASSWORD, UserFactory
from tests.browser.accessibility import assert_accessible
from tests.browser.pages import fits_the_screen, open_page, sign_in

PUBLIC_PAGES = ["/services/checklist/", "/calendar/", "/service-points/"]
STAFF_PAGES = ["/identity/check/"]
PAGES = [*PUBLIC_PAGES, *STAFF_PAGES]


def _prepare(page, path):
    if path in STAFF_PAGES:
        UserFactory(username="officer1", role="officer")
        sign_in(page, "officer1", PASSWORD, then="/accounts/me/")


@pytest.mark.parametrize("path", PAGES)
def test_page_loads_fits_a_phone_and_is_accessible(page, page_errors, path):
    _prepare(page, path)

    open_page(page, path)

    assert page.locator("h1").count() == 1
    assert fits_the_screen(page)
    assert page_errors == []
    assert_accessible(page)


@pytest.mark.parametrize("path", PAGES)
def test_page_is_accessible_in_english_on_a_desktop_screen(new_page, path):
    page = new_page(locale="en-GB", viewport={"width": 1280, "height": 800})
    _prepare(page, path)

    open_page(page, path)

    assert page.get_attribute("html", "lang") == "en"
    assert_accessible(page)


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_page_works_without_javascript(new_page, path):
    page = new_page(java_script_enabled=False)

    open_page(page, path)

    assert page.locator("h1").count() == 1
