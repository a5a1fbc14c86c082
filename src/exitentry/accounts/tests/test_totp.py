import datetime as dt

import pyotp
import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse

from exitentry.accounts import totp
from exitentry.accounts.models import RecoveryCode, TotpDevice
from exitentry.accounts.services import issue_api_token
from exitentry.accounts.tests.factories import PASSWORD, UserFactory
from exitentry.audit.models import AuditEvent
from exitentry.core import crypto
from exitentry.core.tests.stored import encryption_migration, raw, store_raw

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen_and_clear():
    cache.clear()
    with time_machine.travel(NOW, tick=False):
        yield


def code_at(secret, moment):
    return pyotp.TOTP(secret).at(moment)


def enrolled_officer(username="officer1"):
    user = UserFactory(username=username, role="officer")
    device = totp.start_enrolment(user)
    codes = totp.confirm_enrolment(
        user, code_at(device.secret, NOW - dt.timedelta(seconds=30))
    ).recovery_codes
    device.refresh_from_db()
    return user, device.secret, codes


def test_enrolment_confirms_with_a_code_and_stores_only_hashed_recovery_codes():
    user, _secret, codes = enrolled_officer()

    assert len(codes) == 10
    assert TotpDevice.objects.get(user=user).confirmed_at == NOW
    stored = list(RecoveryCode.objects.filter(user=user).values_list("code_hash", flat=True))
    assert len(stored) == 10
    assert not set(codes) & set(stored)
    assert AuditEvent.objects.filter(action="auth.totp_enrolled", object_id=str(user.pk)).count() == 1


def test_applicants_cannot_enrol():
    with pytest.raises(totp.TotpNotAllowed):
        totp.start_enrolment(UserFactory(role="applicant"))


def test_token_for_enrolled_user_needs_the_code(api):
    _user, secret, _codes = enrolled_officer()

    missing = api.post("/auth/token", {"username": "officer1", "password": PASSWORD})
    wrong = api.post("/auth/token", {"username": "officer1", "password": PASSWORD, "otp": "000000"})
    right = api.post(
        "/auth/token", {"username": "officer1", "password": PASSWORD, "otp": code_at(secret, NOW)}
    )

    assert (missing.status_code, missing.json()["code"]) == (401, "otp_required")
    assert (wrong.status_code, wrong.json()["code"]) == (401, "invalid_otp")
    assert right.status_code == 200
    assert AuditEvent.objects.filter(action="auth.otp_failed").count() == 1


def test_a_code_works_once_only(api):
    _user, secret, _codes = enrolled_officer()
    body = {"username": "officer1", "password": PASSWORD, "otp": code_at(secret, NOW)}

    first = api.post("/auth/token", body)
    replay = api.post("/auth/token", body)

    assert first.status_code == 200
    assert (replay.status_code, replay.json()["code"]) == (401, "invalid_otp")


def test_a_recovery_code_works_once_instead_of_the_app(api):
    _user, _secret, codes = enrolled_officer()
    body = {"username": "officer1", "password": PASSWORD, "otp": codes[3].upper()}

    first = api.post("/auth/token", body)
    again = api.post("/auth/token", body)

    assert first.status_code == 200
    assert again.status_code == 401
    assert totp.remaining_recovery_codes(_user) == 9


def test_wrong_codes_are_throttled_even_before_the_right_one(api, settings):
    settings.LOGIN_THROTTLE_FAILURES = 3
    _user, secret, _codes = enrolled_officer()
    for _ in range(3):
        api.post("/auth/token", {"username": "officer1", "password": PASSWORD, "otp": "123456"})

    response = api.post(
        "/auth/token", {"username": "officer1", "password": PASSWORD, "otp": code_at(secret, NOW)}
    )

    assert (response.status_code, response.json()["code"]) == (429, "otp_throttled")


def test_required_setting_refuses_tokens_to_staff_without_authenticator(api, settings):
    settings.STAFF_TOTP_REQUIRED = True
    UserFactory(username="officer2", role="officer")
    UserFactory(username="citizen", role="applicant")

    staff = api.post("/auth/token", {"username": "officer2", "password": PASSWORD})
    citizen = api.post("/auth/token", {"username": "citizen", "password": PASSWORD})

    assert (staff.status_code, staff.json()["code"]) == (403, "totp_enrolment_required")
    assert citizen.status_code == 200


def test_page_sign_in_asks_for_the_code_before_signing_in(client):
    _user, secret, _codes = enrolled_officer()

    response = client.post(reverse("accounts:login"), {"username": "officer1", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login_otp")
    assert client.get(reverse("accounts:profile")).status_code == 302  # not signed in yet

    wrong = client.post(reverse("accounts:login_otp"), {"code": "999999"})
    assert wrong.status_code == 200
    assert "invalid_otp" not in wrong.content.decode()
    assert wrong.context["form"].errors["code"]

    right = client.post(reverse("accounts:login_otp"), {"code": code_at(secret, NOW)})
    assert right.status_code == 302
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_code_page_without_a_checked_password_goes_back_to_sign_in(client):
    response = client.get(reverse("accounts:login_otp"))

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")


def test_setup_page_shows_a_qr_then_recovery_codes(client):
    user = UserFactory(role="supervisor")
    client.force_login(user)

    started = client.post(reverse("accounts:totp_setup"), {"action": "start"})
    assert started.status_code == 200
    assert "<svg" in started.content.decode()
    secret = TotpDevice.objects.get(user=user).secret
    assert started.context["secret"] == secret

    done = client.post(reverse("accounts:totp_setup"), {"action": "confirm", "code": code_at(secret, NOW)})
    assert done.status_code == 200
    assert len(done.context["codes"]) == 10
    assert totp.is_enrolled(user)


def test_required_setting_sends_staff_to_setup_until_enrolled(client, settings):
    settings.STAFF_TOTP_REQUIRED = True
    client.force_login(UserFactory(role="manager"))

    response = client.get(reverse("accounts:profile"))

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:totp_setup")
    assert client.get(reverse("accounts:totp_setup")).status_code == 200


def test_setup_page_is_refused_to_applicants(client):
    client.force_login(UserFactory(role="applicant"))

    assert client.get(reverse("accounts:totp_setup")).status_code == 403


def _stored_secret(device_id):
    return raw("accounts_totpdevice", "secret", device_id)


def test_the_secret_is_encrypted_at_rest_and_codes_still_check():
    user, secret, _codes = enrolled_officer()
    device = TotpDevice.objects.get(user=user)

    stored = _stored_secret(device.pk)
    assert stored.startswith(f"e1:{crypto.key_ring().primary_id}:")
    assert secret not in stored
    assert crypto.decrypt(stored, "totp_secret") == secret
    token = issue_api_token(None, user.username, PASSWORD, otp=code_at(secret, NOW))
    assert token.token


def test_the_data_migration_encrypts_clear_secrets_and_reverses():
    user, secret, _codes = enrolled_officer()
    device = TotpDevice.objects.get(user=user)
    store_raw("accounts_totpdevice", device.pk, secret=secret)  # as the row was before the migration
    forward, backward = encryption_migration("accounts.TotpDevice")

    forward()

    assert _stored_secret(device.pk).startswith("e1:")
    assert TotpDevice.objects.get(pk=device.pk).secret == secret
    backward()
    assert _stored_secret(device.pk) == secret
