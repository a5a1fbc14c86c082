"""Photo best-choice on /photos/ and the record certificate with /verify/, in a real browser."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from exitentry.accounts.tests.factories import PASSWORD, UserFactory
from exitentry.core import clock
from exitentry.identity.tests.factories import PersonFactory
from exitentry.photos.tests.factories import shot_jpeg
from exitentry.records.models import Direction
from exitentry.records.tests.factories import TravelRecordFactory
from tests.browser.accessibility import assert_accessible

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _sign_in(page: Any, username: str, then: str) -> None:
    page.goto(f"/accounts/login/?next={then}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"**{then}")


def test_burst_upload_chooses_the_best_and_explains_the_others(page: Any, tmp_path: Path) -> None:
    UserFactory(username="photoapplicant")
    _sign_in(page, "photoapplicant", "/photos/")
    assert page.inner_text("h1") == "证件照片"
    assert_accessible(page)
    files = []
    for name, data in (
        ("dark.jpg", shot_jpeg("background_too_dark", 0)),
        ("good.jpg", shot_jpeg("good", 2)),
        ("small.jpg", shot_jpeg("head_too_small", 0)),
    ):
        path = tmp_path / name
        path.write_bytes(data)
        files.append(str(path))
    page.set_input_files("#id_shots", files)
    page.get_by_role("button", name="检查我的照片").click()
    page.wait_for_selector(".photos-chosen")
    assert page.inner_text("h1") == "您的照片"
    assert "第 2 张照片被选为最佳。" in page.inner_text(".photos-chosen")
    assert page.inner_text("[data-testid=shot-1] .photos-problems") == "背景太暗"
    assert page.inner_text("[data-testid=shot-3] .photos-problems") == "头部太小"
    assert page.evaluate("() => document.querySelector('.photos-chosen img').naturalWidth") == 354
    assert_accessible(page)
    page.screenshot(path=str(SHOTS / "photos-burst.png"), full_page=True)


def test_certificate_is_printed_and_verified_online(page: Any) -> None:
    person = PersonFactory(full_name="李雷", id_number="370102199003070028")
    TravelRecordFactory(
        person=person, crossed_on=clock.today() - dt.timedelta(days=40), direction=Direction.EXIT
    )
    TravelRecordFactory(
        person=person, crossed_on=clock.today() - dt.timedelta(days=30), direction=Direction.ENTRY
    )
    UserFactory(username="traveller", person=person)
    _sign_in(page, "traveller", "/records/")
    assert_accessible(page)
    page.get_by_role("button", name="打印证明").click()
    page.wait_for_selector("[data-testid=verification-code]")
    code = page.inner_text("[data-testid=verification-code]")
    assert len(code) == 19
    assert_accessible(page)
    page.screenshot(path=str(SHOTS / "records-certificate.png"), full_page=True)
    pdf = page.request.get(page.get_attribute("a[href$='.pdf']", "href"))
    assert pdf.status == 200
    assert pdf.body().startswith(b"%PDF")

    page.goto("/verify/")
    page.get_by_role("textbox", name="验证码").fill(code.lower())
    page.get_by_role("button", name="核验").click()
    page.wait_for_selector("#verified-title")
    text = page.inner_text("main")
    assert "真实有效" in text
    assert "3701**********0028" in text
    assert "370102199003070028" not in text
    assert "出境" in text
    assert "入境" in text
    assert_accessible(page)
    page.screenshot(path=str(SHOTS / "records-verify.png"), full_page=True)
