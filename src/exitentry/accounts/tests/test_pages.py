import datetime as dt
import re

import pytest
from django.core.cache import cache

from exitentry.accounts.tests.factories import PASSWORD, UserFactory
from exitentry.audit.models import AuditEvent
from exitentry.catalog.models import City
from exitentry.identity.models import Person
from exitentry.servicepoints.models import ServicePoint

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
PROFILE = "/accounts/me/"


@pytest.fixture(autouse=True)
def _clear_throttle():
    cache.clear()
    yield
    cache.clear()


def _sign_in(client, username, password, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def _error_summary_links(html: str) -> list[tuple[str, str]]:
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert summary, "no error summary on the page"
    return re.findall(r'<a href="(#[^"]+)">([^<]+)</a>', summary.group(0))


def test_login_page_has_labelled_fields_and_no_error_summary(client):
    response = client.get(LOGIN, headers={"Accept-Language": "en"})

    html = response.content.decode()
    assert response.status_code == 200
    assert '<label for="id_username">Username</label>' in html
    assert '<label for="id_password">Password</label>' in html
    assert 'autocomplete="current-password"' in html
    assert "error-summary" not in html
    assert "<title>Sign in · Exit-entry services</title>" in html


def test_signing_in_with_the_right_password_goes_to_the_next_page(client):
    UserFactory(username="applicant1")

    response = _sign_in(client, "applicant1", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get(PROFILE).status_code == 200


def test_signing_in_honours_a_safe_next_address(client):
    UserFactory(username="applicant1")

    response = client.post(LOGIN, {"username": "applicant1", "password": PASSWORD, "next": PROFILE})

    assert response.status_code == 302
    assert response["Location"] == PROFILE


def test_wrong_password_shows_the_error_summary_linking_to_the_username(client):
    UserFactory(username="applicant1")

    response = _sign_in(client, "applicant1", "not-the-password", headers={"Accept-Language": "en"})

    html = response.content.decode()
    assert response.status_code == 200
    assert _error_summary_links(html) == [("#id_username", "The username or password is not correct.")]
    assert "<title>Error: Sign in · Exit-entry services</title>" in html
    assert 'value="applicant1"' in html
    assert AuditEvent.objects.filter(action="auth.sign_in_failed").count() == 1


def test_wrong_password_message_is_in_the_chosen_language(client):
    UserFactory(username="applicant1")

    response = _sign_in(client, "applicant1", "not-the-password", headers={"Accept-Language": "zh-hans"})

    assert _error_summary_links(response.content.decode()) == [("#id_username", "用户名或密码不正确。")]


def test_empty_fields_are_each_listed_and_marked_invalid(client):
    response = _sign_in(client, "", "", headers={"Accept-Language": "en"})

    html = response.content.decode()
    assert _error_summary_links(html) == [
        ("#id_username", "This field is required."),
        ("#id_password", "This field is required."),
    ]
    assert 'aria-invalid="true" aria-describedby="id_username-error"' in html
    assert 'aria-invalid="true" aria-describedby="id_password-error"' in html


def test_repeated_failures_pause_signing_in_even_with_the_right_password(client, settings):
    settings.LOGIN_THROTTLE_FAILURES = 3
    UserFactory(username="target")
    for _ in range(3):
        _sign_in(client, "target", "guess-guess")

    response = _sign_in(client, "target", PASSWORD, headers={"Accept-Language": "en"})

    assert response.status_code == 200
    assert _error_summary_links(response.content.decode()) == [
        ("#id_username", "Too many failed sign-in attempts. Please wait 15 minutes and try again.")
    ]
    assert "_auth_user_id" not in client.session


def test_profile_needs_a_signed_in_user(client):
    response = client.get(PROFILE)

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next={PROFILE}"


def test_profile_shows_role_service_points_and_masked_id_number(client):
    city, _created = City.objects.get_or_create(
        code="370100", defaults={"province_code": "37", "names": {"en": "Jinan", "zh-hans": "济南"}}
    )
    point = ServicePoint.objects.create(
        code="jinan-lixia",
        city=city,
        names={"en": "Lixia hall", "zh-hans": "历下大厅"},
        latitude="36.651200",
        longitude="117.120000",
    )
    person = Person.objects.create(
        full_name="王小明", id_number="11010119900307002X", birth_date=dt.date(1990, 3, 7), sex="M"
    )
    officer = UserFactory(username="officer1", role="officer", person=person)
    officer.service_points.add(point)
    client.force_login(officer)

    html = client.get(PROFILE, headers={"Accept-Language": "en"}).content.decode()

    assert "<dd>Officer</dd>" in html
    assert "<li>Lixia hall</li>" in html
    assert '<span data-testid="masked-id-number">1101**********002X</span>' in html
    assert "11010119900307002X" not in html


def test_profile_of_an_officer_without_service_points_says_so(client):
    client.force_login(UserFactory(role="officer"))

    html = client.get(PROFILE, headers={"Accept-Language": "en"}).content.decode()

    assert "None yet. Ask your supervisor to assign you to a service point." in html


def test_profile_of_an_applicant_has_no_service_points_or_id_rows(client):
    client.force_login(UserFactory(role="applicant"))

    html = client.get(PROFILE, headers={"Accept-Language": "en"}).content.decode()

    assert "<dd>Applicant</dd>" in html
    assert "Service points</dt>" not in html
    assert "Resident ID number" not in html
