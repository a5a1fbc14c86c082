import datetime as dt

import pytest
import time_machine
from django.db import transaction
from django.test import RequestFactory

from exitentry.accounts.tests.factories import UserFactory
from exitentry.audit.models import AppendOnlyError, AuditEvent
from exitentry.audit.services import record_access, record_event

pytestmark = pytest.mark.django_db

NOON_UTC = dt.datetime(2024, 10, 8, 4, 0, tzinfo=dt.UTC)


def _event(**kwargs):
    with transaction.atomic():
        return record_event("calendar.override_saved", **kwargs)


@time_machine.travel(NOON_UTC, tick=False)
def test_record_event_writes_who_what_when_and_a_before_after_summary():
    officer = UserFactory(username="officer1", role="officer")
    request = RequestFactory().post("/", REMOTE_ADDR="10.1.2.3")

    event = _event(
        actor=officer,
        object_type="workdays.override",
        object_id=42,
        before={"is_working_day": True},
        after={"is_working_day": False},
        request=request,
        reason="typhoon",
    )

    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.at == NOON_UTC
    assert stored.actor == officer
    assert stored.actor_label == "officer1"
    assert stored.action == "calendar.override_saved"
    assert (stored.object_type, stored.object_id) == ("workdays.override", "42")
    assert stored.summary == {
        "before": {"is_working_day": True},
        "after": {"is_working_day": False},
        "reason": "typhoon",
    }
    assert stored.ip_address == "10.1.2.3"


def test_record_event_names_the_object_from_the_model_instance():
    user = UserFactory()

    event = _event(obj=user)

    assert (event.object_type, event.object_id) == ("accounts.user", str(user.pk))


def test_record_event_without_a_signed_in_actor_labels_it_system():
    event = _event()

    assert event.actor is None
    assert event.actor_label == "system"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_record_event_refuses_to_run_outside_a_transaction():
    # Data migrations may have written events of their own; compare with what was there.
    events_before = AuditEvent.objects.count()

    with pytest.raises(RuntimeError, match="inside the transaction"):
        record_event("calendar.override_saved")

    assert AuditEvent.objects.count() == events_before


class ChangeFailed(Exception):
    pass


def _change_that_fails_after_recording():
    with transaction.atomic():
        record_event("calendar.override_saved")
        raise ChangeFailed


def test_an_event_rolls_back_with_the_change_it_records():
    events_before = AuditEvent.objects.count()

    with pytest.raises(ChangeFailed):
        _change_that_fails_after_recording()

    assert AuditEvent.objects.count() == events_before


def test_saving_an_existing_event_again_is_refused():
    event = _event()
    event.action = "something.else"

    with pytest.raises(AppendOnlyError):
        event.save()

    assert AuditEvent.objects.get(pk=event.pk).action == "calendar.override_saved"


def test_deleting_an_event_is_refused():
    event = _event()

    with pytest.raises(AppendOnlyError):
        event.delete()

    assert AuditEvent.objects.filter(pk=event.pk).exists()


@time_machine.travel(NOON_UTC, tick=False)
def test_record_access_logs_a_personal_record_viewed_event_with_its_purpose():
    officer = UserFactory(username="officer1", role="officer")
    applicant = UserFactory(username="applicant1")
    request = RequestFactory().get("/", REMOTE_ADDR="10.9.8.7")

    record_access(officer, applicant, purpose="review", request=request)

    event = AuditEvent.objects.get(action="personal_record.viewed")
    assert event.actor == officer
    assert (event.object_type, event.object_id) == ("accounts.user", str(applicant.pk))
    assert event.summary == {"purpose": "review"}
    assert event.ip_address == "10.9.8.7"
    assert event.at == NOON_UTC
