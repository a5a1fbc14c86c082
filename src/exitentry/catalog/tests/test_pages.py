"""The public pages: /services/checklist/ (one-time notification) and /services/."""

from __future__ import annotations

import datetime as dt
import html as html_module
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

THREE = ["passport.renewal", "hk_macau_permit.first_issue", "hk_macau_endorsement.G"]
ANSWERS = {"services": THREE, "birth_date": "1990-03-07", "household_city": "370200"}


@pytest.fixture(autouse=True)
def _on_30_september_2026():
    with time_machine.travel(dt.datetime(2026, 9, 30, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        yield


def text(response) -> str:
    html = response.content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    return html_module.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main)))


def test_checklist_url_is_the_named_page():
    assert reverse("catalog:checklist") == "/services/checklist/"
    assert reverse("catalog:services") == "/services/"


def test_checklist_page_asks_the_questions_with_grouped_choices(client):
    response = client.get("/services/checklist/", headers={"Accept-Language": "en"})

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('type="checkbox" name="services"') == 18
    assert [m for m in re.findall(r"<legend>([^<]+)</legend>", html)][:4] == [
        "Ordinary passport",
        "Hong Kong and Macau travel permit",
        "Endorsements on the Hong Kong and Macau travel permit",
        "Taiwan travel permit",
    ]
    assert '<label for="service-hk_macau_endorsement-G">' in html
    assert '<optgroup label="In this province">' in html
    assert 'class="error-summary"' not in html


def test_checklist_page_gives_one_list_for_passport_permit_and_g_in_english(client):
    response = client.post("/services/checklist/", ANSWERS, headers={"Accept-Language": "en"})

    assert response.status_code == 200
    page = text(response)
    assert "Your list of what you need" in page
    assert "Total fee 195 yuan" in page
    assert "Ready by Oct. 15, 2026 (Thursday)" in page
    assert "Passport: renewal 120 yuan Oct. 15, 2026 (Thursday) 7 working days" in page
    assert "Hong Kong and Macau endorsement: individual travel (G) Single entry 15 yuan" in page
    assert "Total 195 yuan" in page
    assert "What to bring" in page
    assert "Resident identity card" in page
    assert "Your current or previous passport" in page
    assert "Done for you at the hall" in page
    assert "You may be able to do this online without visiting a hall" in page
    assert "Print this list" in page
    html = response.content.decode()
    assert "data-print>" in html
    assert 'class="checklist-form no-print"' in html


def test_checklist_page_gives_the_list_in_chinese(client):
    response = client.post("/services/checklist/", ANSWERS, headers={"Accept-Language": "zh-hans"})

    assert response.status_code == 200
    page = text(response)
    assert '<html lang="zh-hans">' in response.content.decode()
    assert "您需要准备的材料清单" in page
    assert "195 元" in page
    assert "2026年10月15日 (星期四)" in page
    assert "普通护照换发" in page
    assert "往来港澳个人旅游签注（G）" in page
    assert "居民身份证" in page
    assert "7个工作日" in page
    assert "打印清单" in page


def test_checklist_page_shows_sources_we_check_ourselves(client):
    answers = {"services": ["passport.first_issue"], "birth_date": "2015-06-01", "household_city": "370100"}

    page = text(client.post("/services/checklist/", answers, headers={"Accept-Language": "en"}))

    assert "We check these ourselves" in page
    assert "Proof of guardianship Not needed" in page
    assert "We check this ourselves with the household register. You do not need to bring it." in page
    assert "Parent's or guardian's identity card" in page
    assert "a parent or guardian must come too" in page


def test_checklist_page_link_with_answers_in_the_query_works(client):
    response = client.get(
        "/services/checklist/",
        {"services": ["passport.renewal"], "birth_date": "1990-03-07", "household_city": "other"},
        headers={"Accept-Language": "en"},
    )

    page = text(response)
    assert "Total fee 120 yuan" in page
    assert "Ready by Oct. 20, 2026 (Tuesday)" in page
    assert "20 calendar days" in page
    assert "Residence permit Not needed" in page


def test_checklist_page_error_summary_links_to_each_field(client):
    response = client.post(
        "/services/checklist/", {"birth_date": "not a date"}, headers={"Accept-Language": "en"}
    )

    assert response.status_code == 200
    html = response.content.decode()
    summary = html[
        html.index('class="error-summary"') : html.index("</ul>", html.index('class="error-summary"'))
    ]
    assert re.findall(r'<a href="([^"]+)">([^<]+)</a>', summary) == [
        ("#service-passport-first_issue", "Choose at least one document or endorsement."),
        ("#id_birth_date", "Enter the date of birth as year-month-day, for example 1990-03-27."),
        ("#id_household_city", "Choose where the household is registered."),
    ]
    assert 'id="id_birth_date" value="not a date"' in html
    assert "Your list of what you need" not in html


def test_checklist_page_reports_conflicting_choices_on_the_services_question(client):
    answers = {**ANSWERS, "services": ["passport.first_issue", "passport.renewal"]}

    response = client.post("/services/checklist/", answers, headers={"Accept-Language": "en"})

    html = response.content.decode()
    assert "Choose only one of first application, renewal or replacement for each kind of document." in html
    assert "Passport: first application; Passport: renewal" in html
    assert 'id="service-passport-renewal" checked' in html
    assert "Your list of what you need" not in html


def test_checklist_page_reports_entries_an_endorsement_does_not_offer(client):
    answers = {**ANSWERS, "entries": "multiple_3y_plus"}

    response = client.post("/services/checklist/", answers, headers={"Accept-Language": "en"})

    assert '<a href="#id_entries">This number of entries is not offered for this endorsement.</a>' in (
        response.content.decode()
    )


def test_services_page_lists_services_with_fees(client):
    response = client.get("/services/", headers={"Accept-Language": "en"})

    assert response.status_code == 200
    page = text(response)
    assert "Services and fees" in page
    assert "Passport: first application 120 yuan At a service hall window, Officers come to you" in page
    assert "Single entry: 15 yuan Double entry: 30 yuan" in page
    assert "Multiple entries, 3 years or more: 240 yuan" in page
