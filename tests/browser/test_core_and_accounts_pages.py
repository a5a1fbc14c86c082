"""The home page, the language switcher, signing in and the account page, in a real browser."""

from __future__ import annotations

import datetime as dt

import pytest

from exitentry.accounts.tests.factories import PASSWORD, UserFactory
from exitentry.catalog.models import City
from exitentry.identity.models import Person
from exitentry.servicepoints.models import ServicePoint
from tests.browser.accessibility import assert_accessible
from tests.browser.pages import fits_the_screen, open_page, sign_in


def test_home_page_is_chinese_by_default_accessible_and_fits_a_phone(page, page_errors):
    open_page(page, "/")

    assert page.get_attribute("html", "lang") == "zh-hans"
    assert page.inner_text("h1") == "护照、通行证和签证，一站办理"
    assert page.title() == "首页 · 出入境服务"
    assert fits_the_screen(page)
    assert page_errors == []
    assert_accessible(page)


def test_home_page_is_accessible_on_a_desktop_screen(page):
    page.set_viewport_size({"width": 1280, "height": 800})
    open_page(page, "/")

    assert_accessible(page)


def test_language_switcher_changes_the_page_to_english_then_japanese(page):
    open_page(page, "/")

    page.select_option("#language-select", "en")
    page.get_by_role("button", name="切换").click()
    page.wait_for_selector("html[lang=en]")

    assert page.inner_text("h1") == "Passports, travel permits and visas, in one place"
    assert page.input_value("#language-select") == "en"
    assert_accessible(page)

    page.select_option("#language-select", "ja")
    page.get_by_role("button", name="Change").click()
    page.wait_for_selector("html[lang=ja]")

    assert page.inner_text("h1") == "パスポート・通行証・ビザをひとつの窓口で"
    assert_accessible(page)


def test_the_chosen_language_stays_on_the_next_page(page):
    open_page(page, "/")
    page.select_option("#language-select", "ko")
    page.get_by_role("button", name="切换").click()
    page.wait_for_selector("html[lang=ko]")

    open_page(page, "/accounts/login/")

    assert page.inner_text("h1") == "로그인"


def test_skip_link_is_first_and_takes_keyboard_users_to_the_content(page):
    open_page(page, "/")

    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    assert skip.evaluate("element => element === document.activeElement")
    assert skip.is_visible()

    page.keyboard.press("Enter")

    assert page.evaluate("() => document.activeElement.id") == "main"


def test_login_page_is_accessible(page):
    open_page(page, "/accounts/login/")

    assert page.title() == "登录 · 出入境服务"
    assert page.get_by_label("用户名").is_visible()
    assert page.get_by_label("密码").is_visible()
    assert_accessible(page)


def test_signing_in_through_the_page_shows_the_account(page):
    UserFactory(username="applicant1")
    open_page(page, "/accounts/login/?next=/accounts/me/")

    sign_in(page, "applicant1", PASSWORD)
    page.wait_for_url("**/accounts/me/")

    assert page.inner_text("h1") == "您的账户"
    assert page.get_by_role("button", name="退出登录").first.is_visible()
    assert_accessible(page)


def test_wrong_password_shows_a_focused_error_summary_that_links_to_the_field(page, screenshot):
    UserFactory(username="applicant1")
    open_page(page, "/accounts/login/")

    sign_in(page, "applicant1", "not-the-password")
    summary = page.locator(".error-summary")
    summary.wait_for()

    assert page.title() == "错误： 登录 · 出入境服务"
    assert summary.locator("a").all_inner_texts() == ["用户名或密码不正确。"]
    assert summary.evaluate("element => element === document.activeElement")
    assert_accessible(page)
    screenshot("error-summary")

    summary.locator("a").click()

    assert page.evaluate("() => document.activeElement.id") == "id_username"


def test_empty_form_marks_both_fields_and_stays_accessible(page):
    open_page(page, "/accounts/login/")

    page.click("main button[type=submit]")
    page.locator(".error-summary").wait_for()

    assert page.locator(".error-summary a").count() == 2
    assert page.get_attribute("#id_username", "aria-invalid") == "true"
    assert page.get_attribute("#id_password", "aria-invalid") == "true"
    assert_accessible(page)


def test_repeated_wrong_passwords_pause_signing_in(page, settings):
    settings.LOGIN_THROTTLE_FAILURES = 3
    UserFactory(username="target")
    open_page(page, "/accounts/login/")
    for _ in range(3):
        sign_in(page, "target", "guess-guess")
        page.locator(".error-summary").wait_for()

    sign_in(page, "target", PASSWORD)
    page.locator(".error-summary").wait_for()

    assert page.locator(".error-summary a").all_inner_texts() == ["登录失败次数过多，请 15 分钟后再试。"]
    assert page.url.endswith("/accounts/login/")
    assert_accessible(page)


def test_account_page_shows_role_service_points_and_only_a_masked_id_number(page):
    city, _created = City.objects.get_or_create(
        code="370100", defaults={"province_code": "37", "names": {"zh-hans": "济南", "en": "Jinan"}}
    )
    point = ServicePoint.objects.create(
        code="jinan-lixia",
        city=city,
        names={"zh-hans": "历下出入境办证大厅", "en": "Lixia exit-entry hall"},
        latitude="36.651200",
        longitude="117.120000",
    )
    person = Person.objects.create(
        full_name="王小明", id_number="11010119900307002X", birth_date=dt.date(1990, 3, 7), sex="M"
    )
    officer = UserFactory(username="officer1", role="officer", person=person)
    officer.service_points.add(point)
    open_page(page, "/accounts/login/?next=/accounts/me/")
    sign_in(page, "officer1", PASSWORD)
    page.wait_for_url("**/accounts/me/")

    text = page.inner_text("main")

    assert "民警" in text
    assert "历下出入境办证大厅" in text
    assert "1101**********002X" in text
    assert "11010119900307002X" not in page.content()
    assert fits_the_screen(page)
    assert_accessible(page)


def test_signing_out_returns_to_the_home_page_signed_out(page, live_server):
    UserFactory(username="applicant1")
    open_page(page, "/accounts/login/?next=/accounts/me/")
    sign_in(page, "applicant1", PASSWORD)
    page.wait_for_url("**/accounts/me/")

    page.get_by_role("button", name="退出登录").first.click()
    page.wait_for_url(f"{live_server.url}/")

    assert page.get_by_role("link", name="登录").is_visible()


@pytest.mark.parametrize("path", ["/", "/accounts/login/"])
def test_language_switcher_works_without_javascript(new_page, path):
    page = new_page(java_script_enabled=False, locale="en-GB")
    open_page(page, path)

    page.select_option("#language-select", "ru")
    page.get_by_role("button", name="Change").click()
    page.wait_for_selector("html[lang=ru]")

    assert page.url.endswith(path)


def test_signing_in_works_without_javascript(new_page):
    UserFactory(username="applicant1")
    page = new_page(java_script_enabled=False, locale="en-GB")
    open_page(page, "/accounts/login/?next=/accounts/me/")

    sign_in(page, "applicant1", PASSWORD)
    page.wait_for_url("**/accounts/me/")

    assert page.inner_text("h1") == "Your account"
