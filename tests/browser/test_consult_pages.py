"""The consult pages in a real browser: a 12367 agent handles a call in English end to end, a
person finds an answer in Russian, and a 65-year-old asks for a home visit. Every page passes
axe-core and has one h1."""

from __future__ import annotations

import datetime as dt
import importlib
from pathlib import Path

import pytest
from django.apps import apps
from playwright.sync_api import expect

from exitentry.accounts.models import Role
from exitentry.accounts.tests.factories import PASSWORD, UserFactory
from exitentry.applications.tests import factories as f
from exitentry.appointments.models import Appointment
from exitentry.catalog.models import PromisedTimeRule
from exitentry.catalog.services import load_reference_data
from exitentry.consult.demo import seed_knowledge_base
from exitentry.consult.models import ConsultPolicy, HomeVisitRequest, Ticket
from exitentry.consult.tests import factories as cf
from exitentry.core import clock
from exitentry.servicepoints.tests.factories import CapacityPlanFactory
from tests.browser.accessibility import assert_accessible
from tests.browser.pages import fits_the_screen, open_page, sign_in

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# The site's Content-Security-Policy forbids inline scripts, and axe-core is injected inline.


@pytest.fixture(autouse=True)
def _reference_data(transactional_db):
    # The live server's database is flushed between tests; put the catalog, policy and answers back.
    if not PromisedTimeRule.objects.exists():
        load_reference_data()
    if not ConsultPolicy.objects.exists():
        importlib.import_module("exitentry.consult.migrations.0002_default_policy").add_policy(apps, None)
    seed_knowledge_base()


def _check(page, shot=None):
    assert page.locator("h1").count() == 1
    assert fits_the_screen(page)
    assert_accessible(page)
    if shot:
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{shot}.png"), full_page=True)


def _next_weekday(days: int) -> dt.date:
    day = clock.today() + dt.timedelta(days=days)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def test_an_agent_handles_a_call_in_english_end_to_end(new_page, page_errors):
    hall = f.hall("jinan-lixia")
    CapacityPlanFactory(service_point=hall)
    day = _next_weekday(2)
    slot = cf.bookable_slot(hall, day, hour=10)
    caller = f.person(age=40)
    f.applicant(caller)
    UserFactory(username="agent01", role=Role.HOTLINE_AGENT)
    page = new_page(locale="en-GB", viewport={"width": 1280, "height": 900})
    sign_in(page, "agent01", PASSWORD, then="/help/hotline/")
    _check(page, "hotline")

    page.select_option("#call-language", "en")
    page.get_by_role("button", name="Take a new call", exact=True).click()
    page.get_by_role("button", name="The caller agrees", exact=True).click()
    page.select_option("#lookup-kind", "id_number")
    page.fill("#lookup-value", caller.id_number)
    page.click("#lookup button[type=submit]")
    expect(page.locator("#caller dd").nth(1)).to_have_text(
        caller.id_number[:4] + "*" * 10 + caller.id_number[-4:]
    )
    page.fill("#verify-id", caller.id_number[-6:])
    page.fill("#verify-birth", caller.birth_date.isoformat())
    page.get_by_role("button", name="Check answers", exact=True).click()
    page.get_by_role("link", name="Show unmasked data").click()
    expect(page.locator("#caller dd").nth(1)).to_have_text(caller.id_number)

    page.fill("#kb-q", "passport cost")
    page.click("#share button[type=submit]")
    expect(page.locator("#share .qa h3").first).to_have_text("How much does an ordinary passport cost?")
    page.locator("#share .qa form button").first.click()
    expect(page.locator("#share ul li").last).to_have_text("How much does an ordinary passport cost?")

    page.select_option("#book-service", "passport.renewal")
    page.click("#book button[type=submit]")
    page.select_option("#book-point", str(hall.pk))
    page.fill("#book-date", day.isoformat())
    page.click("#book form[method=get] button[type=submit]")
    _check(page, "ticket-booking")
    page.get_by_role("button", name="Book this time", exact=True).click()
    appointment = Appointment.objects.get()
    assert (appointment.slot_id, appointment.user.person_id, appointment.status) == (
        slot.pk,
        caller.pk,
        "booked",
    )

    page.select_option("#close-category", "appointment")
    page.select_option("#close-outcome", "booked")
    page.fill("#close-summary", "Booked a passport renewal appointment.")
    page.get_by_role("button", name="Log and close", exact=True).click()
    _check(page, "ticket-closed")
    ticket = Ticket.objects.get()
    assert (ticket.language, ticket.status, ticket.category, ticket.outcome) == (
        "en",
        "closed",
        "appointment",
        "booked",
    )
    assert list(ticket.articles.values_list("slug", flat=True)) == ["passport-fee"]
    assert page_errors == []


def test_a_person_finds_an_answer_in_russian(new_page, page_errors):
    page = new_page(locale="ru-RU")
    open_page(page, "/help/")
    _check(page, "help-ru")

    page.fill("#help-q", "безвизовый транзит")
    page.click("main form[role=search] button[type=submit]")

    expect(page.locator(".qa h3").first).to_have_text("Что такое безвизовый транзит на 240 часов?")
    _check(page, "help-ru-search")
    assert page_errors == []


def test_a_65_year_old_asks_for_a_home_visit(new_page, page_errors):
    hall = f.hall("jinan-lixia")
    owner = f.person(age=65)
    UserFactory(username="grandpa", role=Role.APPLICANT, person=owner, phone=owner.phone)
    page = new_page(locale="en-GB")
    sign_in(page, "grandpa", PASSWORD, then="/help/home-visits/")
    _check(page, "home-visit-form")

    page.check("#ground-age")
    page.get_by_label("Passport: renewal", exact=True).check()
    page.fill("#address", "8 Quancheng Road, Jinan")
    page.select_option("#point", str(hall.pk))
    page.get_by_role("button", name="Send the request", exact=True).click()
    expect(page.locator(".qa h3").first).to_contain_text("Requested")

    visit = HomeVisitRequest.objects.get()
    assert (visit.ground, visit.status, visit.person_id, visit.services) == (
        "age",
        "requested",
        owner.pk,
        ["passport.renewal"],
    )
    expect(page.locator(".qa h3").first).to_have_text(f"{visit.number} · Requested")
    _check(page, "home-visit-sent")
    assert page_errors == []
