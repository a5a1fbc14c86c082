"""Seed 004 in the browser: an employer files the joint work permit + work-type residence permit
application for an engineer, the work-permit office and the exit-entry office each approve their
half, and the engineer sees one result, in English and in Chinese. Every page passes axe-core."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps

from exitentry.accounts.models import Role
from exitentry.accounts.tests.factories import PASSWORD, UserFactory
from exitentry.catalog.models import Service
from exitentry.catalog.services import load_reference_data
from exitentry.core import clock
from exitentry.foreigners.demo import passport_mrz
from exitentry.foreigners.models import ForeignerCase, ItemAuthority, Outcome, WorkPermit
from exitentry.foreigners.services import read_passport, register_passport
from exitentry.foreigners.tests import factories as f
from exitentry.notifications.models import Notification, NotificationTemplate
from tests.browser.accessibility import assert_accessible
from tests.browser.pages import fits_the_screen, sign_in

HALL_NAMES = {
    "zh-hans": "北京市政务服务中心",
    "en": "Beijing Government Service Center",
    "ru": "Центр госуслуг Пекина",
    "ja": "北京市政務サービスセンター",
    "ko": "베이징시 정무서비스센터",
}
TEXTS = {
    "en-GB": {"pending": "Being decided", "approved": "Approved", "approve": "Approve this half"},
    "zh-CN": {"pending": "审批中", "approved": "已批准", "approve": "批准本部分"},
}


@pytest.fixture(autouse=True)
def _reference_data(transactional_db):
    # The live server's database is flushed between tests: put the catalog and policy data back.
    if not Service.objects.filter(code="foreigners.work_permit").exists():
        load_reference_data()
    if not NotificationTemplate.objects.filter(code="foreigners_result_approved").exists():
        importlib.import_module("exitentry.notifications.migrations.0002_seed_templates").seed(apps, None)
    if not ItemAuthority.objects.exists():
        importlib.import_module("exitentry.foreigners.migrations.0002_policy_data").seed(apps, None)


def _check(page):
    assert page.locator("h1").count() == 1
    assert fits_the_screen(page)
    assert_accessible(page)


def _approve_half(new_page, locale, username, number, *, grant):
    page = new_page(locale=locale)
    sign_in(page, username, PASSWORD, then="/foreigners/decisions/")
    _check(page)
    page.click(f"text={number}")
    page.wait_for_selector("#approve")
    _check(page)
    if grant:
        page.select_option("#id_category", "B")
        page.fill("#id_valid_to", "2028-09-30")
    page.click("#approve")
    page.wait_for_url("**/foreigners/decisions/")
    assert page.locator(f"text={number}").count() == 1  # now under "Recently decided"
    _check(page)


@pytest.mark.parametrize("locale", ["en-GB", "zh-CN"])
def test_employer_files_joint_application_two_offices_approve_and_the_engineer_sees_one_result(
    new_page, page_errors, locale
):
    text = TEXTS[locale]
    hall = f.foreigners_hall("bj-government-service-center")
    hall.names = HALL_NAMES
    hall.save()
    f.employer("employer01", "Zhongguancun Robotics")
    f.officer("workpermit01", role=Role.WORK_PERMIT_OFFICER)
    f.officer("bjofficer01", hall)
    mrz = passport_mrz(
        surname="MILLER",
        given_names="ANNA",
        nationality="GBR",
        number="C01X00T47",
        birth=dt.date(1990, 4, 12),
        sex="F",
        expiry=clock.today() + dt.timedelta(days=5 * 365),
    )
    engineer = register_passport(read_passport(mrz)).person
    UserFactory(username="engineer01", person=engineer)

    page = new_page(locale=locale)
    sign_in(page, "employer01", PASSWORD, then="/foreigners/apply/")
    _check(page)
    page.check("input[name=kind][value=joint_work_residence]")
    page.fill("#id_mrz", mrz)
    page.fill("#id_phone", "13910000001")
    page.select_option("#id_service_point_id", str(hall.pk))
    page.fill("#id_job_title", "Robotics engineer")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/foreigners/applications/*/")
    number = ForeignerCase.objects.get().application.number
    assert page.locator("#result [data-status]").inner_text() == text["pending"]
    _check(page)

    _approve_half(new_page, locale, "workpermit01", number, grant=True)
    assert ForeignerCase.objects.get().outcome == Outcome.PENDING
    _approve_half(new_page, locale, "bjofficer01", number, grant=False)

    page = new_page(locale=locale)
    sign_in(page, "engineer01", PASSWORD, then="/foreigners/applications/")
    _check(page)
    page.click(f"text={number}")
    page.wait_for_selector("#result")
    assert page.locator("#result [data-status]").inner_text() == text["approved"]
    assert "WP" in page.locator("#result").inner_text()  # the work permit's number
    _check(page)

    case = ForeignerCase.objects.get()
    assert case.outcome == Outcome.APPROVED
    assert WorkPermit.objects.get().category == "B"
    inbox = Notification.objects.filter(template_code="foreigners_result_approved", channel="in_app")
    assert sorted(inbox.values_list("recipient_user__username", flat=True)) == ["employer01", "engineer01"]
    assert page_errors == []
