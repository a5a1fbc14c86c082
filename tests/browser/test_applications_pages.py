"""The application pages in a real browser on a phone: the apply flow step by step, the page that
says why someone cannot apply online, tracking and the officer console. Every page passes
axe-core, has one h1 and fits the screen."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps
from playwright.sync_api import expect

from exitentry.accounts.models import Role
from exitentry.accounts.tests.factories import PASSWORD, UserFactory
from exitentry.applications import services
from exitentry.applications.models import Application
from exitentry.applications.tests import factories as f
from exitentry.catalog.models import PromisedTimeRule
from exitentry.catalog.services import load_reference_data
from exitentry.notifications.models import NotificationTemplate
from tests.browser.accessibility import assert_accessible
from tests.browser.pages import fits_the_screen, open_page, sign_in


@pytest.fixture(autouse=True)
def _reference_data(transactional_db):
    # The live server's database is flushed between tests; put the catalog and templates back.
    if not PromisedTimeRule.objects.exists():
        load_reference_data()
    if not NotificationTemplate.objects.exists():
        importlib.import_module("exitentry.notifications.migrations.0002_seed_templates").seed(apps, None)


@pytest.fixture
def hall():
    return f.hall("jinan-lixia")


def _check(page):
    assert page.locator("h1").count() == 1
    assert fits_the_screen(page)
    assert_accessible(page)


def _resident(username, **facts):
    owner = f.person(**facts)
    f.passport(owner)
    UserFactory(username=username, role=Role.APPLICANT, person=owner, phone=owner.phone)
    return owner


def test_the_apply_flow_is_accessible_on_a_phone_at_every_step(page, page_errors, hall, tmp_path):
    _resident("renewer")
    scan = tmp_path / "id.png"
    scan.write_bytes(f.png())
    sign_in(page, "renewer", PASSWORD, then="/applications/")
    _check(page)

    open_page(page, "/applications/apply/?new=1")
    _check(page)
    page.check("input[name=document_passport][value='passport.renewal']")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/applications/apply/details/")
    _check(page)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/applications/apply/options/")
    _check(page)
    page.select_option("#id_pickup_point", str(hall.pk))
    page.click("main form button[type=submit]")
    page.wait_for_url("**/applications/apply/face-check/")
    _check(page)
    page.click("#start-face-check")
    page.wait_for_url("**/applications/apply/documents/")
    _check(page)
    page.set_input_files("#id_file_resident_id_card", str(scan))
    page.set_input_files("#id_file_previous_passport", str(scan))
    page.click("main form button[type=submit]")
    page.wait_for_url("**/applications/apply/check/")
    _check(page)
    page.check("#id_declaration")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/applications/*/?submitted=1")
    _check(page)

    application = Application.objects.get()
    assert application.accepted_at is not None
    assert page.locator(".application-number").inner_text() == application.number
    assert page_errors == []


def test_an_error_summary_links_to_the_field_and_is_accessible(page, hall):
    _resident("forgetful")
    sign_in(page, "forgetful", PASSWORD, then="/applications/")
    open_page(page, "/applications/apply/?new=1")

    page.click("main form button[type=submit]")

    expect(page.locator(".error-summary")).to_have_count(1)
    _check(page)


def test_the_page_saying_why_not_online_is_accessible(page, hall):
    _resident("child", age=15)
    sign_in(page, "child", PASSWORD, then="/applications/")
    open_page(page, "/applications/apply/?new=1")
    page.check("input[name=document_passport][value='passport.renewal']")
    page.click("main form button[type=submit]")
    page.click("main form button[type=submit]")
    page.select_option("#id_pickup_point", str(hall.pk))

    page.click("main form button[type=submit]")

    expect(page.locator("[data-code=under_16]")).to_have_count(1)
    expect(page.locator("a[href^='/appointments/book/']")).to_have_count(1)
    _check(page)


def test_tracking_works_without_signing_in_and_is_accessible(new_page, hall):
    owner = _resident("tracked")
    item = f.make_item(owner, hall)
    page = new_page(locale="en-GB")

    open_page(page, "/track/")
    _check(page)
    page.fill("#id_number", item.application.number)
    page.fill("#id_id_last4", owner.id_number[-4:])
    page.click("main form button[type=submit]")

    expect(page.locator("main")).to_contain_text("Being checked")
    _check(page)


def test_the_officer_console_is_accessible(page, hall):
    owner = _resident("reviewed")
    item = f.make_item(owner, hall, accepted_on=dt.date.today(), promised_date=dt.date.today())
    officer = UserFactory(username="officer1", role=Role.OFFICER)
    officer.service_points.set([hall])
    supervisor = UserFactory(username="supervisor1", role=Role.SUPERVISOR)
    supervisor.service_points.set([hall])
    services.sla_watch(dt.date.today() + dt.timedelta(days=1))

    sign_in(page, "officer1", PASSWORD, then="/officer/")
    _check(page)
    open_page(page, f"/officer/items/{item.pk}/")
    _check(page)
    page.fill("#id_reason", "")
    page.locator("form[action$='/reject/'] button[type=submit]").click()
    expect(page.locator(".error-summary")).to_have_count(1)
    _check(page)

    page.context.clear_cookies()
    sign_in(page, "supervisor1", PASSWORD, then="/officer/sla/")
    assert item.application.number in page.locator("main").inner_text()
    _check(page)


def test_the_start_and_track_pages_work_without_javascript(new_page):
    page = new_page(java_script_enabled=False)

    for path in ("/applications/", "/track/"):
        open_page(page, path)
        assert page.locator("h1").count() == 1
