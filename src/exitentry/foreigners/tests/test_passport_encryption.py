"""Foreign passport numbers are encrypted at rest, unique by digest, masked in lists, and
opening one in the admin is logged."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from exitentry.accounts.tests.factories import UserFactory
from exitentry.audit.models import AuditEvent
from exitentry.core import crypto
from exitentry.core.tests.stored import encryption_migration, raw, store_raw
from exitentry.foreigners.models import ForeignPassport
from exitentry.identity.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def _passport(number: str = "X12345678", nationality: str = "DEU") -> ForeignPassport:
    return ForeignPassport.objects.create(
        person=PersonFactory(id_number=None, nationality=nationality),
        nationality=nationality,
        number=number,
        surname="MUSTERMANN",
        given_names="ERIKA",
        birth_date=dt.date(1990, 1, 1),
        sex="F",
        expiry_date=dt.date(2031, 1, 1),
        updated_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
    )


def _stored(passport: ForeignPassport) -> str | None:
    return raw("foreigners_foreignpassport", "number", passport.pk)


def test_the_number_is_encrypted_found_by_digest_and_unique_per_nationality():
    passport = _passport()

    stored = _stored(passport)
    digest = raw("foreigners_foreignpassport", "number_digest", passport.pk)
    assert stored.startswith("e1:")
    assert "12345678" not in stored
    assert digest == crypto.digest("document_number", "X12345678")
    assert ForeignPassport.objects.get(nationality="DEU", number="x12345678") == passport
    with pytest.raises(IntegrityError), transaction.atomic():
        _passport()
    _passport(nationality="FRA")  # the same number from another country


def test_lists_and_names_show_the_number_masked(client):
    passport = _passport()
    client.force_login(UserFactory(role="admin", is_staff=True, is_superuser=True))

    content = client.get(reverse("admin:foreigners_foreignpassport_changelist")).content.decode()
    found = client.get(reverse("admin:foreigners_foreignpassport_changelist"), {"q": "X12345678"})

    assert str(passport) == "DEU X*****678"
    assert "X*****678" in content
    assert "X12345678" not in content
    assert list(found.context["cl"].result_list) == [passport]


def test_the_data_migration_encrypts_clear_numbers_and_reverses():
    passport = _passport()
    # as the row was before the migration
    store_raw("foreigners_foreignpassport", passport.pk, number="X12345678", number_digest=None)
    forward, backward = encryption_migration("foreigners.ForeignPassport")

    forward()

    assert _stored(passport).startswith("e1:")
    assert ForeignPassport.objects.get(nationality="DEU", number="X12345678") == passport
    backward()
    assert _stored(passport) == "X12345678"


def test_opening_a_passport_in_the_admin_logs_the_access(client):
    passport = _passport()
    client.force_login(UserFactory(role="admin", is_staff=True, is_superuser=True))

    response = client.get(reverse("admin:foreigners_foreignpassport_change", args=[passport.pk]))

    assert response.status_code == 200
    assert AuditEvent.objects.filter(
        action="personal_record.viewed",
        object_type="foreigners.foreignpassport",
        object_id=str(passport.pk),
    ).exists()
