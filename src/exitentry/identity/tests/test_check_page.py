import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from exitentry.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/identity/check/"
TD3 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"


@pytest.fixture
def officer(client):
    user = UserFactory(role="officer")
    client.force_login(user)
    return client


def test_the_page_is_at_identity_check():
    assert reverse("identity:check") == URL


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("role", ["applicant", "hotel_operator"])
def test_people_who_are_not_staff_are_refused(client, role):
    client.force_login(UserFactory(role=role))

    assert client.get(URL).status_code == 403


@pytest.mark.parametrize("role", ["officer", "supervisor", "manager", "hotline_agent", "admin"])
def test_every_staff_role_may_use_the_page(client, role):
    client.force_login(UserFactory(role=role))

    response = client.get(URL, headers={"Accept-Language": "en"})

    assert response.status_code == 200
    assert "Check an identity document" in response.content.decode()


def test_a_valid_number_shows_what_it_says(officer):
    response = officer.post(
        URL,
        {"check": "resident_id", "resident-number": "11010519491231002x"},
        headers={"Accept-Language": "en"},
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert "This is a valid resident ID number" in content
    assert "1949-12-31" in content
    assert "北京市 朝阳区" in content


def test_an_invalid_number_lists_its_problems(officer):
    response = officer.post(
        URL,
        {"check": "resident_id", "resident-number": "110105194912310021"},
        headers={"Accept-Language": "en"},
    )

    content = response.content.decode()
    assert "This is not a valid resident ID number" in content
    assert "The last character (the check digit) does not match the rest of the number." in content


def test_an_empty_number_shows_the_error_summary_linking_to_the_field(officer):
    response = officer.post(
        URL, {"check": "resident_id", "resident-number": "  "}, headers={"Accept-Language": "en"}
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in content
    assert '<a href="#id_resident-number">Enter a resident ID number</a>' in content
    assert 'aria-invalid="true"' in content


@time_machine.travel(dt.datetime(2026, 6, 1, 4, 0, tzinfo=dt.UTC), tick=False)
def test_a_valid_mrz_shows_each_field(officer):
    response = officer.post(URL, {"check": "mrz", "mrz-mrz": TD3}, headers={"Accept-Language": "en"})

    content = response.content.decode()
    assert "All checks passed (TD3)" in content
    assert "L898902C3" in content
    assert "ERIKSSON, ANNA MARIA" in content
    assert "2012-04-15" in content
    assert content.count('class="tag tag-ok"') == 10  # every part of a TD3 MRZ


def test_a_wrong_check_digit_is_shown_on_its_row(officer):
    broken = TD3.replace("L898902C36", "L898902C37")

    response = officer.post(URL, {"check": "mrz", "mrz-mrz": broken}, headers={"Accept-Language": "en"})

    content = response.content.decode()
    assert "2 problems found (TD3)" in content
    assert "The check digit of the document number does not match the number." in content
    assert content.count('class="identity-row-bad"') == 2


def test_an_unreadable_mrz_says_so(officer):
    response = officer.post(URL, {"check": "mrz", "mrz-mrz": "hello"}, headers={"Accept-Language": "en"})

    content = response.content.decode()
    assert "This machine-readable zone could not be read" in content
    assert "<table" not in content


def test_an_empty_mrz_shows_the_error_summary(officer):
    response = officer.post(URL, {"check": "mrz", "mrz-mrz": ""}, headers={"Accept-Language": "en"})

    assert '<a href="#id_mrz-mrz">Enter the machine-readable zone</a>' in response.content.decode()


def test_the_page_speaks_the_chosen_language(officer):
    response = officer.get(URL, headers={"Accept-Language": "zh-hans"})

    assert "核验身份证件" in response.content.decode()
