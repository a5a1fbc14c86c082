"""applicant001's whole story in a real browser (issue 4, "Done means").

applicant001 signs in, renews the passport online (zero visits) and adds an HK/Macau permit
renewal with a G endorsement on the same form, asks for courier delivery, pays in the payment
sandbox; officer01 of the hall the items route to approves each item (production starts by
itself) and dispatches it by courier; the courier sandbox delivers; applicant001 tracks the
application at /track/, sees "delivered" with the courier's scans, and downloads the form PDF.
"""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.utils import translation

from exitentry.accounts.models import Role
from exitentry.accounts.tests.factories import PASSWORD, UserFactory
from exitentry.applications import shipping
from exitentry.applications.models import Application, ItemStatus
from exitentry.applications.tests import factories as f
from exitentry.catalog.models import PromisedTimeRule
from exitentry.catalog.services import load_reference_data
from exitentry.core import clock
from exitentry.identity.models import HeldDocument
from exitentry.notifications.models import NotificationTemplate
from tests.browser.accessibility import assert_accessible
from tests.browser.pages import fits_the_screen, open_page, sign_in

SHOTS = "applicant-story"


@pytest.fixture(autouse=True)
def _reference_data(transactional_db):
    if not PromisedTimeRule.objects.exists():
        load_reference_data()
    if not NotificationTemplate.objects.exists():
        importlib.import_module("exitentry.notifications.migrations.0002_seed_templates").seed(apps, None)
    if not apps.get_model("applications", "DocumentValidityRule").objects.exists():
        importlib.import_module("exitentry.applications.migrations.0003_seed_document_validity_rules").seed(
            apps, None
        )


def _check(page):
    assert page.locator("h1").count() == 1
    assert fits_the_screen(page)
    assert_accessible(page)


def _label(status: str) -> str:
    with translation.override("zh-hans"):
        return str(ItemStatus(status).label)


def test_applicant001_renews_online_pays_is_approved_mailed_delivered_and_tracks(
    new_page, page_errors, tmp_path
):
    hall = f.hall("jinan-lixia-hall")
    owner = f.person()
    f.passport(owner)
    old_permit = f.hk_macau_permit(owner)
    UserFactory(username="applicant001", role=Role.APPLICANT, person=owner, phone=owner.phone)
    officer = UserFactory(username="officer01", role=Role.OFFICER)
    officer.service_points.set([hall])
    scan = tmp_path / "scan.png"
    scan.write_bytes(f.png())

    # applicant001 fills one form for three things and asks for the courier.
    page = new_page()
    page.set_default_timeout(30_000)  # a long story on a shared machine
    sign_in(page, "applicant001", PASSWORD, then="/applications/")
    open_page(page, "/applications/apply/?new=1")
    page.check("input[name=document_passport][value='passport.renewal']")
    page.check("input[name=document_hk_macau_permit][value='hk_macau_permit.renewal']")
    page.check("input[name='endorsement_hk_macau_endorsement.G']")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/applications/apply/details/")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/applications/apply/options/")
    page.check("input[name=delivery_method][value=mail]")
    page.fill("#id_delivery_address", "济南市历下区泉城路1号 250011")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/applications/apply/face-check/")
    page.click("#start-face-check")
    page.wait_for_url("**/applications/apply/documents/")
    for upload in page.locator("main input[type=file]").all():
        upload.set_input_files(str(scan))
    page.click("main form button[type=submit]")
    page.wait_for_url("**/applications/apply/check/")
    page.check("#id_declaration")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/applications/*/?submitted=1")
    application = Application.objects.get()
    assert application.zero_visit is True
    assert application.delivery_method == "mail"
    assert sorted(application.items.values_list("service_code", flat=True)) == [
        "hk_macau_endorsement.G",
        "hk_macau_permit.renewal",
        "passport.renewal",
    ]

    # Pays in the sandbox.
    page.click("text=立即缴费")
    page.click("main form button[type=submit]")
    page.wait_for_selector("#pay")
    page.click("text=立即支付（测试）")
    page.wait_for_url("**/result/")
    assert set(application.items.values_list("status", flat=True)) == {ItemStatus.UNDER_REVIEW}
    open_page(page, f"/applications/{application.number}/")
    assert page.locator(f"a[href='/applications/{application.number}/receipt.pdf']").count() == 1
    screenshot_page(page, "paid")

    # officer01 approves every item; production starts by itself; each goes out by courier.
    desk = new_page()
    desk.set_default_timeout(30_000)
    sign_in(desk, "officer01", PASSWORD, then="/officer/")
    for item in application.items.order_by("sort_order"):
        open_page(desk, f"/officer/items/{item.pk}/")
        desk.locator("form[action$='/approve/'] button[type=submit]").click()
        desk.wait_for_selector("form[action$='/dispatch/']")
        _check(desk)
        desk.locator("form[action$='/dispatch/'] button[type=submit]").click()
        desk.wait_for_selector("text=Sandbox Express")
        item.refresh_from_db()
        assert item.status == ItemStatus.DISPATCHED
        assert item.tracking_number.startswith("SBX")
    screenshot_page(desk, "dispatched")
    _check(desk)

    # The courier sandbox scans and delivers within a day.
    shipping.poll_shipments(clock.now() + dt.timedelta(hours=25))
    assert set(application.items.values_list("status", flat=True)) == {ItemStatus.DELIVERED}

    # applicant001 tracks it and sees it delivered, with the courier's scans.
    open_page(page, "/track/")
    page.fill("#id_number", application.number)
    page.fill("#id_id_last4", owner.id_number[-4:])
    page.click("main form button[type=submit]")
    page.wait_for_selector(".courier-scans")
    main = page.locator("main").inner_text()
    assert _label(ItemStatus.DELIVERED) in main
    assert page.locator(".courier-scans").count() == 3
    assert page.locator(".courier-scans li").count() == 12
    _check(page)
    screenshot_page(page, "tracked")

    # ... and downloads the form.
    open_page(page, f"/applications/{application.number}/")
    link = page.locator(f"a[href='/applications/{application.number}/form.pdf']")
    pdf = page.request.get(link.get_attribute("href"))
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF-")
    _check(page)
    assert page_errors == []

    # The person's record now holds the new passport and permit, the permit with the G endorsement.
    valid = {d.document_type: d for d in HeldDocument.objects.filter(person=owner, status="valid")}
    assert set(valid) == {"passport", "hk_macau_permit"}
    assert valid["hk_macau_permit"].endorsements == ["G"]
    assert valid["hk_macau_permit"].pk != old_permit.pk


def screenshot_page(page, label):
    from tests.browser.conftest import ARTIFACTS

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{SHOTS}-{label}.png"), full_page=True)
