"""The enterprise green channel pages in a real browser: a spreadsheet with a bad row is refused
row by row, the corrected one files every employee, and the filing page shows their statuses."""

from __future__ import annotations

import pytest

from exitentry.accounts.models import Role
from exitentry.accounts.tests.factories import PASSWORD, UserFactory
from exitentry.applications import bulk
from exitentry.applications.models import Application
from exitentry.applications.tests import factories as f
from exitentry.catalog.models import PromisedTimeRule
from exitentry.catalog.services import load_reference_data
from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import ARTIFACTS
from tests.browser.pages import fits_the_screen, open_page, sign_in


@pytest.fixture(autouse=True)
def _reference_data(transactional_db):
    if not PromisedTimeRule.objects.exists():
        load_reference_data()


def _check(page, label):
    assert page.locator("h1").count() == 1
    assert fits_the_screen(page)
    assert_accessible(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"enterprise-{label}.png"), full_page=True)


def test_an_enterprise_files_its_staff_after_correcting_a_row(new_page, tmp_path):
    hall = f.hall("jinan-lixia-hall")
    UserFactory(username="enterprise01", role=Role.ENTERPRISE, organisation="济南泉城精密机械有限公司")
    staff = [f.person() for _ in range(3)]
    rows = bulk.sample_rows(staff)
    good = tmp_path / "staff.xlsx"
    good.write_bytes(bulk.sample_xlsx(rows))
    rows[2][0] = "王错名"
    bad = tmp_path / "staff-bad.xlsx"
    bad.write_bytes(bulk.sample_xlsx(rows))
    page = new_page()
    page.set_default_timeout(30_000)

    sign_in(page, "enterprise01", PASSWORD, then="/applications/enterprise/")
    _check(page, "empty")
    page.set_input_files("#id_file", str(bad))
    page.select_option("#id_pickup_point", str(hall.pk))
    page.click("main form button[type=submit]")
    page.wait_for_selector(".error-summary")
    assert page.locator("table.data-table tbody tr").count() == 1
    assert page.locator("table.data-table tbody td").first.inner_text() == "3"
    assert Application.objects.count() == 0
    _check(page, "row-errors")

    page.set_input_files("#id_file", str(good))
    page.select_option("#id_pickup_point", str(hall.pk))
    page.click("main form button[type=submit]")
    page.wait_for_url("**/applications/enterprise/*/")
    assert page.locator(".application-card").count() == 3
    assert Application.objects.filter(channel="green_channel").count() == 3
    _check(page, "filing")
    open_page(page, "/applications/enterprise/")
    assert page.locator(".application-card").count() == 1
