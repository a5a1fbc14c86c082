import datetime as dt
from typing import Any

import pytest
from django.core.cache import cache

from exitentry.accounts.models import User
from exitentry.accounts.services import issue_api_token, user_for_token
from exitentry.accounts.tests.factories import PASSWORD, UserFactory
from exitentry.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_throttle():
    cache.clear()


def test_it_issues_a_token_that_authenticates_the_caller(api):
    UserFactory(username="officer1", role="officer")
    api.login("officer1", PASSWORD)

    response = api.get("/auth/me")

    assert response.status_code == 200
    assert response.json()["username"] == "officer1"
    assert response.json()["role"] == "officer"


def test_wrong_password_is_401_with_code_and_audited(api):
    UserFactory(username="someone")

    response = api.post("/auth/token", {"username": "someone", "password": "wrong-password"})

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"
    assert AuditEvent.objects.filter(action="auth.sign_in_failed").count() == 1


def test_repeated_failures_lock_out_even_the_right_password(api, settings):
    settings.LOGIN_THROTTLE_FAILURES = 3
    UserFactory(username="target")
    for _ in range(3):
        api.post("/auth/token", {"username": "target", "password": "guess-guess"})

    response = api.post("/auth/token", {"username": "target", "password": PASSWORD})

    assert response.status_code == 429
    assert response.json()["code"] == "login_throttled"


def test_unknown_or_expired_token_is_401(api):
    response = api.get("/auth/me", headers={"Authorization": "Bearer not-a-token"})

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_token_stops_working_when_it_expires_or_its_account_is_disabled(api):
    import datetime as dt

    import time_machine

    from exitentry.accounts.services import issue_api_token

    user = UserFactory(username="holder")
    issued = issue_api_token(None, "holder", PASSWORD)
    headers = {"Authorization": f"Bearer {issued.token}"}

    assert api.get("/auth/me", headers=headers).json()["username"] == "holder"
    with time_machine.travel(issued.expires_at + dt.timedelta(seconds=1)):
        assert api.get("/auth/me", headers=headers).status_code == 401
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert api.get("/auth/me", headers=headers).status_code == 401


def test_error_message_follows_accept_language(api):
    UserFactory(username="someone")

    response = api.post(
        "/auth/token", {"username": "someone", "password": "nope-nope"}, headers={"Accept-Language": "en"}
    )

    assert response.json()["message"] == "The username or password is not correct."


def test_the_account_behind_a_token_is_read_as_the_orm_reads_it():
    # user_for_token builds the User from a written-out row: every field must come out exactly
    # as the ORM gives it (the phone decrypted, datetimes aware, the organisation as stored).
    created = UserFactory(username="reader", role="officer", phone="13800138000", organisation="Hall 7")
    User.objects.filter(pk=created.pk).update(last_login=dt.datetime(2026, 12, 1, 8, 30, tzinfo=dt.UTC))
    token = issue_api_token(None, "reader", PASSWORD).token

    from_token = user_for_token(token)
    from_orm = User.objects.get(pk=created.pk)

    assert from_token is not None
    for field in User._meta.concrete_fields:
        assert getattr(from_token, field.attname) == getattr(from_orm, field.attname), field.name
    assert from_token.phone == "13800138000"
    assert from_token.last_login == dt.datetime(2026, 12, 1, 8, 30, tzinfo=dt.UTC)
    assert from_token._state.adding is False
    assert user_for_token(token + "x") is None


@pytest.mark.parametrize("token", ["not-a-token", "x" * 201])
def test_a_wrong_bearer_token_is_401_even_with_a_session(client: Any, token: str) -> None:
    client.force_login(UserFactory())
    assert client.get("/api/v1/appointments").status_code == 200  # the session alone is enough

    response = client.get("/api/v1/appointments", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
