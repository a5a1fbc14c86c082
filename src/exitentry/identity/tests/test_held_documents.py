import datetime as dt

import pytest
import time_machine
from django.db import IntegrityError, transaction

from exitentry.audit.models import AuditEvent
from exitentry.core.errors import InvalidInput, InvalidTransition
from exitentry.identity import services, tasks
from exitentry.identity.models import HeldDocument, HeldDocumentStatus
from exitentry.identity.services import DocumentNumberTaken
from exitentry.identity.tests.factories import HeldDocumentFactory, PersonFactory

pytestmark = pytest.mark.django_db

JUNE_1 = dt.datetime(2026, 6, 1, 4, 0, tzinfo=dt.UTC)


def new_permit(person, **fields):
    values = {
        "person": person,
        "document_type": "hk_macau_permit",
        "number": "C12345678",
        "issued_on": dt.date(2026, 5, 20),
        "expires_on": dt.date(2036, 5, 19),
        "endorsements": ["G", "S"],
    }
    values.update(fields)
    return HeldDocument(**values)


def test_registering_a_permit_stores_it_with_endorsements_and_audits_it():
    person = PersonFactory()

    document = services.register_held_document(new_permit(person), actor=None)

    document.refresh_from_db()
    assert (document.status, document.endorsements) == ("valid", ["G", "S"])
    event = AuditEvent.objects.get(action="identity.document_registered")
    assert event.object_id == str(document.pk)
    assert event.summary["after"]["number"] == "C*****678"


@time_machine.travel(JUNE_1, tick=False)
def test_a_new_document_retires_the_previous_valid_one_of_the_same_kind():
    person = PersonFactory()
    still_running = HeldDocumentFactory(
        person=person, document_type="hk_macau_permit", number="C00000001", expires_on=dt.date(2027, 1, 1)
    )
    passport = HeldDocumentFactory(person=person, document_type="passport")

    services.register_held_document(new_permit(person), actor=None)

    still_running.refresh_from_db()
    passport.refresh_from_db()
    assert still_running.status == HeldDocumentStatus.INVALIDATED
    assert passport.status == HeldDocumentStatus.VALID
    assert HeldDocument.objects.filter(person=person, status="valid").count() == 2


@time_machine.travel(JUNE_1, tick=False)
def test_a_previous_document_past_its_date_is_retired_as_expired():
    person = PersonFactory()
    old = HeldDocumentFactory(person=person, document_type="hk_macau_permit", expires_on=dt.date(2026, 5, 31))

    services.register_held_document(new_permit(person), actor=None)

    old.refresh_from_db()
    assert old.status == HeldDocumentStatus.EXPIRED


def test_the_same_number_twice_for_one_document_type_is_refused():
    HeldDocumentFactory(document_type="hk_macau_permit", number="C12345678")

    with pytest.raises(DocumentNumberTaken):
        services.register_held_document(new_permit(PersonFactory()), actor=None)

    assert HeldDocument.objects.count() == 1


def test_the_same_number_on_another_document_type_is_allowed():
    HeldDocumentFactory(document_type="passport", number="C12345678")

    services.register_held_document(new_permit(PersonFactory()), actor=None)

    assert HeldDocument.objects.filter(number="C12345678").count() == 2


@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({"expires_on": dt.date(2026, 5, 20)}, "expires_on"),
        ({"document_type": "passport", "number": "E12345678"}, "endorsements"),
        ({"endorsements": ["G", "G"]}, "endorsements"),
        ({"endorsements": "G"}, "endorsements"),
        ({"number": "C-1"}, "number"),
    ],
)
def test_inconsistent_documents_are_refused_with_the_field_named(fields, error_field):
    with pytest.raises(InvalidInput) as raised:
        services.register_held_document(new_permit(PersonFactory(), **fields), actor=None)

    assert error_field in raised.value.details["fields"]
    assert not HeldDocument.objects.exists()


def test_the_database_refuses_expiry_on_or_before_issue():
    document = HeldDocumentFactory.build(person=PersonFactory(), expires_on=dt.date(2020, 5, 1))

    with pytest.raises(IntegrityError), transaction.atomic():
        document.save()


def test_the_database_refuses_two_valid_documents_of_one_kind_for_one_person():
    person = PersonFactory()
    HeldDocumentFactory(person=person, document_type="passport")

    with pytest.raises(IntegrityError), transaction.atomic():
        HeldDocumentFactory(person=person, document_type="passport")


def test_reporting_a_document_lost_is_audited_with_before_and_after():
    document = HeldDocumentFactory()

    services.report_document_lost(document, actor=None)

    assert document.status == HeldDocumentStatus.REPORTED_LOST
    event = AuditEvent.objects.get(action="identity.document_status_changed")
    assert event.summary["before"] == {"status": "valid"}
    assert event.summary["after"] == {"status": "reported_lost"}


def test_a_document_reported_lost_can_be_invalidated_but_never_valid_again():
    document = HeldDocumentFactory(status=HeldDocumentStatus.REPORTED_LOST)

    with pytest.raises(InvalidTransition):
        services.change_document_status(document, HeldDocumentStatus.VALID, actor=None)
    services.change_document_status(document, HeldDocumentStatus.INVALIDATED, actor=None)

    assert document.status == HeldDocumentStatus.INVALIDATED


@pytest.mark.parametrize(
    ("current", "requested", "allowed"),
    [
        (current, requested, requested in services.ALLOWED_STATUS_CHANGES[current])
        for current in HeldDocumentStatus.values
        for requested in HeldDocumentStatus.values
    ],
)
def test_every_status_change_follows_the_table(current, requested, allowed):
    document = HeldDocumentFactory(status=current)

    if allowed:
        services.change_document_status(document, requested, actor=None)
        assert HeldDocument.objects.get(pk=document.pk).status == requested
    else:
        with pytest.raises(InvalidTransition):
            services.change_document_status(document, requested, actor=None)
        assert HeldDocument.objects.get(pk=document.pk).status == current
        assert not AuditEvent.objects.filter(action="identity.document_status_changed").exists()


def test_a_stale_copy_cannot_change_a_status_changed_meanwhile():
    document = HeldDocumentFactory()
    stale = HeldDocument.objects.get(pk=document.pk)
    services.change_document_status(document, HeldDocumentStatus.INVALIDATED, actor=None)

    with pytest.raises(InvalidTransition):
        services.change_document_status(stale, HeldDocumentStatus.REPORTED_LOST, actor=None)


@time_machine.travel(JUNE_1, tick=False)
def test_the_daily_task_expires_valid_documents_past_their_last_day():
    past = HeldDocumentFactory(expires_on=dt.date(2026, 5, 31))
    last_day_today = HeldDocumentFactory(expires_on=dt.date(2026, 6, 1))
    lost = HeldDocumentFactory(expires_on=dt.date(2026, 1, 1), status=HeldDocumentStatus.REPORTED_LOST)

    result = tasks.expire_held_documents.enqueue()

    assert result.return_value == 1
    statuses = dict(HeldDocument.objects.values_list("pk", "status"))
    assert statuses == {past.pk: "expired", last_day_today.pk: "valid", lost.pk: "reported_lost"}
    assert AuditEvent.objects.get(action="identity.documents_expired").summary == {
        "on": "2026-06-01",
        "count": 1,
    }


def test_masked_number_keeps_first_and_last_three_characters():
    assert HeldDocument(number="E12345678").masked_number == "E*****678"
    assert HeldDocument(number="C123").masked_number == "****"
