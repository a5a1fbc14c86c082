"""The self-service kiosk in a browser, in Chinese and in English: language choice, "scanning" an
identity card with the sandbox reader, a burst of photos with the best one chosen and reasons for
the others, and a business endorsement paid on a phone (the sandbox cashier in a second tab) and
printed in the same visit. Every page passes axe-core; the idle timeout wipes the visit."""

from __future__ import annotations

import importlib
import io
from pathlib import Path

import pytest
from django.apps import apps
from PIL import Image

from exitentry.catalog.models import PromisedTimeRule
from exitentry.catalog.services import load_reference_data
from exitentry.identity.models import HeldDocument
from exitentry.kiosk.models import EndorsementStatus, InstantEndorsement, KioskPolicy
from exitentry.kiosk.tests import factories as f
from exitentry.photos.models import PhotoSpec
from tests.browser.accessibility import assert_accessible
from tests.browser.pages import fits_the_screen

PORTRAIT = Path(__file__).resolve().parents[2] / "src/exitentry/photos/tests/data/astronaut-portrait.png"
KIOSK_SCREEN = {"width": 1080, "height": 1400}


@pytest.fixture(autouse=True)
def _reference_data(transactional_db):
    # The live server's database is flushed between tests; put the catalog and policies back.
    if not PromisedTimeRule.objects.exists():
        load_reference_data()
    if not KioskPolicy.objects.exists():
        importlib.import_module("exitentry.kiosk.migrations.0002_policy_and_rules").seed(apps, None)
    if not PhotoSpec.objects.exists():
        importlib.import_module("exitentry.photos.migrations.0002_passport_spec").add_spec(apps, None)


def _check(page):
    assert page.locator("h1").count() == 1
    assert fits_the_screen(page)
    assert_accessible(page)


def _dark_shot(tmp_path: Path) -> Path:
    path = tmp_path / "shot-dark.png"
    buffer = io.BytesIO()
    Image.new("RGB", (260, 330), (35, 35, 35)).save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())
    return path


def _set_up_kiosk(page, token):
    page.goto("/kiosk/", timeout=30_000)  # the first page of a run also starts the live server's work
    page.wait_for_url("**/kiosk/setup/")
    _check(page)
    page.fill("#token", token)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/kiosk/")


@pytest.mark.parametrize(
    ("language", "texts"),
    [
        (
            "zh-hans",
            {
                "menu": "您要办理什么业务？",
                "best": "第 2 张照片最佳",
                "done": "完成：签注已打印在您的通行证上。",
            },
        ),
        (
            "en",
            {
                "menu": "What would you like to do?",
                "best": "Photo 2 is the best",
                "done": "Done: your endorsement is printed on your permit.",
            },
        ),
    ],
)
def test_a_business_endorsement_in_one_visit(new_page, live_server, tmp_path, page_errors, language, texts):
    hall = f.hall("jinan-lixia")
    _device, token = f.device(hall)
    owner, permit = f.permit_holder("confirmed", endorsements=["G"])
    user = f.applicant_user(owner, username="applicant001")
    page = new_page(viewport=KIOSK_SCREEN)
    _set_up_kiosk(page, token)
    _check(page)

    page.click(f"button[name=language][value={language}]")
    page.wait_for_url("**/kiosk/menu/")
    assert page.get_attribute("html", "lang") == language
    assert page.locator("h1").inner_text() == texts["menu"]
    _check(page)

    # A burst of two shots: a dark frame with no face, and a good portrait.
    page.click("a[href='/kiosk/photo/']")
    page.set_input_files("#shots", [str(_dark_shot(tmp_path)), str(PORTRAIT)])
    page.click("main form[enctype] button[type=submit]")
    page.wait_for_selector("#best-photo")
    assert texts["best"] in page.locator("#best-photo h2").inner_text()
    assert page.locator("#photo-reasons [data-problem=no_face]").count() == 1
    _check(page)

    # "Insert" the identity card, choose the business endorsement.
    page.click("a[href='/kiosk/menu/']")
    page.click("a[href='/kiosk/endorsement/']")
    page.wait_for_url("**/kiosk/card/?next=endorsement")
    _check(page)
    page.select_option("#slot", user.username)
    page.keyboard.press("Tab")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/kiosk/endorsement/")
    assert owner.masked_id_number in page.content()
    _check(page)
    page.click("button[value='hk_macau_endorsement.S']")
    page.wait_for_selector(".kiosk-qr svg")
    _check(page)

    # The person pays on their phone: the sandbox cashier posts the signed callback to the server.
    endorsement = InstantEndorsement.objects.get(permit=permit)
    phone = new_page(locale="zh-CN" if language == "zh-hans" else "en-GB")
    phone.goto(page.get_attribute("#pay-link", "href"))
    phone.click("button[value=pay]")
    page.wait_for_selector(f"text={texts['done']}", timeout=20_000)
    _check(page)

    endorsement.refresh_from_db()
    assert endorsement.status == EndorsementStatus.ISSUED
    assert HeldDocument.objects.get(pk=permit.pk).endorsements == ["G", "S"]

    page.click("main .kiosk-bar form button[type=submit]")
    page.wait_for_url("**/kiosk/?ended=done")
    assert owner.full_name not in page.content()
    assert page.evaluate("() => window.localStorage.length + window.sessionStorage.length") == 0
    assert page_errors == []


def test_the_idle_timeout_wipes_the_visit_in_the_browser(new_page, live_server):
    hall = f.hall("jinan-lixia")
    _device, token = f.device(hall, idle_timeout_seconds=15)
    owner, _permit = f.permit_holder("confirmed")
    user = f.applicant_user(owner, username="applicant001")
    page = new_page(viewport=KIOSK_SCREEN, locale="en-GB")
    _set_up_kiosk(page, token)
    page.click("button[name=language][value=en]")
    page.click("a[href='/kiosk/endorsement/']")
    page.select_option("#slot", user.username)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/kiosk/endorsement/")
    assert owner.full_name in page.content()

    page.wait_for_url("**/kiosk/?ended=idle", timeout=25_000)

    assert owner.full_name not in page.content()
    assert "Everything entered was erased." in page.content()
    page.goto("/kiosk/endorsement/")
    page.wait_for_url("**/kiosk/card/?next=endorsement")
    _check(page)
