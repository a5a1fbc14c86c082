"""The managers' dashboards and the public figures in a real browser.

manager01 opens the dashboard, changes the period (htmx swaps the figures in), sees this year
against last year, and exports the period to Excel; the download opens with openpyxl.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from openpyxl import load_workbook

from exitentry.accounts.models import Role
from exitentry.accounts.tests.factories import PASSWORD, UserFactory
from exitentry.applications.tests import factories as f
from exitentry.catalog.models import City
from exitentry.catalog.services import load_reference_data
from exitentry.insight.tests import factories as rollup
from tests.browser.accessibility import assert_accessible
from tests.browser.pages import fits_the_screen, open_page, sign_in

DESKTOP = {"width": 1280, "height": 900}
# The site's CSP forbids inline scripts; axe-core is injected as one, so the tests let it in.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def history() -> Iterator[None]:
    with time_machine.travel(f.MONDAY_10, tick=True):
        if not City.objects.filter(code=f.JINAN).exists():
            load_reference_data()
        jinan, qingdao = f.hall("jinan-lixia"), f.hall("qingdao-shinan", f.QINGDAO)
        for day in (2, 3, 4):
            rollup.issued(jinan, dt.date(2026, 3, day), 100, zero_visit=30)
            rollup.issued(qingdao, dt.date(2026, 3, day), 24, channel="window")
            rollup.issued(jinan, dt.date(2025, 3, day), 80)
            rollup.issued(qingdao, dt.date(2025, 3, day), 20, channel="window")
            rollup.hall_hour(jinan, dt.date(2026, 3, day), 9, tickets=10, served=10, wait_seconds=4800)
        rollup.issued(jinan, dt.date(2026, 7, 1), 500)
        rollup.paid(jinan, dt.date(2026, 3, 2), "wechat_pay", 70, "8400.00")
        rollup.months(dt.date(2025, 1, 1), dt.date(2026, 9, 30))
        UserFactory(username="manager01", role=Role.MANAGER)
        yield


def test_a_manager_compares_this_year_with_last_and_exports_it(
    new_page: Any, page_errors: list[str], history: None
) -> None:
    tab = new_page(locale="en-GB", viewport=DESKTOP)
    sign_in(tab, "manager01", PASSWORD, then="/insight/")

    assert tab.locator("h1").inner_text() == "Dashboards"
    assert tab.locator("#total-accepted").inner_text() == "872"  # 1 January to yesterday
    assert_accessible(tab)

    tab.fill("#id_start", "2026-03-01")
    tab.fill("#id_end", "2026-03-31")
    tab.select_option("#id_granularity", "day")
    tab.click("main form button[type=submit]")
    tab.wait_for_url("**/insight/?*start=2026-03-01*")

    assert tab.locator("#total-accepted").inner_text() == "372"
    assert tab.locator("#total-last-year").inner_text() == "300"
    assert tab.locator("#total-change").inner_text() == "+24.0%"
    assert tab.locator("#trend-chart svg").count() == 1  # the chart was drawn after the swap
    assert_accessible(tab)

    with tab.expect_download() as download:
        tab.click("#export-xlsx")
    assert download.value.suggested_filename == "exitentry-insight-20260301-20260331.xlsx"
    workbook = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()), read_only=True)
    rows = list(workbook[workbook.sheetnames[0]].iter_rows(values_only=True))
    assert len(rows) == 1 + 6  # header, two halls on three days
    assert [row[5] for row in rows[1:]] == [100, 24, 100, 24, 100, 24]
    assert page_errors == []


def test_the_dashboard_fits_a_phone(new_page: Any, history: None) -> None:
    tab = new_page(locale="zh-CN")
    sign_in(tab, "manager01", PASSWORD, then="/insight/")

    assert fits_the_screen(tab)
    assert_accessible(tab)


def test_in_december_a_missing_calendar_is_shown_on_a_phone_and_is_accessible(
    new_page: Any, history: None
) -> None:
    with time_machine.travel(dt.datetime(2026, 12, 10, 2, 0, tzinfo=dt.UTC), tick=True):
        tab = new_page(locale="zh-CN")
        sign_in(tab, "manager01", PASSWORD, then="/insight/")

        assert tab.locator(".calendar-gap h2").inner_text() == "2027年的官方节假日安排尚未录入"
        assert fits_the_screen(tab)
        assert_accessible(tab)


@pytest.mark.parametrize("locale", ["zh-CN", "en-GB", "ru-RU", "ja-JP", "ko-KR"])
def test_the_public_figures_are_open_to_everyone_in_five_languages(
    new_page: Any, page_errors: list[str], history: None, locale: str
) -> None:
    tab = new_page(locale=locale)
    open_page(tab, "/figures/")

    cells = tab.locator("table tbody tr").filter(has_text="2026-03").locator("td")
    assert cells.nth(0).inner_text() == "372"
    assert cells.nth(1).inner_text() == "8.0"
    assert tab.locator("#figures-chart svg").count() == 1
    assert fits_the_screen(tab)
    assert_accessible(tab)
    assert page_errors == []
