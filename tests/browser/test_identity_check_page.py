"""The staff identity check page (identity app), signed in, with results on screen, in a real browser."""

from __future__ import annotations

from typing import Any

from exitentry.accounts.tests.factories import PASSWORD, UserFactory
from tests.browser.accessibility import assert_accessible

TD3 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C37UTO7408122F1204159ZE184226B<<<<<10"


def _sign_in_to_the_check_page(page: Any) -> None:
    UserFactory(username="officer1", role="officer")
    page.goto("/accounts/login/?next=/identity/check/")
    page.fill("#id_username", "officer1")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/identity/check/")


def _fits_the_screen(page: Any) -> bool:
    return bool(page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"))


def test_resident_id_result_and_error_summary_are_accessible_on_a_phone(page, page_errors):
    _sign_in_to_the_check_page(page)
    assert page.inner_text("h1") == "核验身份证件"
    assert_accessible(page)

    page.get_by_role("button", name="核验号码").click()
    page.wait_for_selector(".error-summary")
    assert page.inner_text(".error-summary a") == "请输入居民身份证号码"
    assert_accessible(page)

    page.get_by_role("textbox", name="居民身份证号码").fill("11010519491231002x")
    page.get_by_role("button", name="核验号码").click()
    page.wait_for_selector("#resident-result-title")
    assert page.inner_text("#resident-result-title") == "这是有效的居民身份证号码"
    assert _fits_the_screen(page)
    assert page_errors == []
    assert_accessible(page)


def test_mrz_result_table_is_accessible_and_works_without_javascript(new_page):
    page = new_page(locale="en-GB", java_script_enabled=False)
    _sign_in_to_the_check_page(page)

    page.get_by_role("textbox", name="Machine-readable zone (MRZ)").fill(TD3)
    page.get_by_role("button", name="Check the MRZ").click()
    page.wait_for_selector("#mrz-result-title")

    assert page.inner_text("#mrz-result-title") == "2 problems found (TD3)"
    assert page.locator("tr.identity-row-bad th").all_inner_texts() == [
        "Document number",
        "Overall check digit",
    ]
    assert _fits_the_screen(page)


def test_mrz_result_table_passes_axe_on_a_desktop_screen(new_page):
    page = new_page(locale="en-GB", viewport={"width": 1280, "height": 800})
    _sign_in_to_the_check_page(page)

    page.get_by_role("textbox", name="Machine-readable zone (MRZ)").fill(TD3)
    page.get_by_role("button", name="Check the MRZ").click()
    page.wait_for_selector("#mrz-result-title")

    assert_accessible(page)
