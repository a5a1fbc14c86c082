"""ID, phone and document numbers are encrypted at rest, found by keyed digest, and survive key rotation."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test import override_settings
from django.urls import reverse

from exitentry.accounts.tests.factories import UserFactory
from exitentry.core import crypto
from exitentry.core.tests.stored import encryption_migration, raw, store_raw
from exitentry.identity.models import HeldDocument, Person
from exitentry.identity.tests.factories import HeldDocumentFactory, PersonFactory
from exitentry.records.models import TravelRecord
from exitentry.records.tests.factories import TravelRecordFactory

pytestmark = pytest.mark.django_db

OLD = crypto.development_key("test rotation old")
NEW = crypto.development_key("test rotation new")
ID = "11010519491231002X"


def test_the_columns_hold_ciphertext_and_digests_never_the_numbers():
    person = PersonFactory(id_number=ID, phone="13812345678")
    user = UserFactory(phone="13912345678")

    stored_id = raw("identity_person", "id_number", person.pk)
    stored_phone = raw("identity_person", "phone", person.pk)
    assert stored_id.startswith(f"e1:{crypto.key_ring().primary_id}:")
    assert ID not in stored_id
    assert "002X" not in stored_id
    assert "13812345678" not in stored_phone
    assert "13912345678" not in raw("accounts_user", "phone", user.pk)
    assert raw("identity_person", "id_number_digest", person.pk) == crypto.digest("id_number", ID)
    # Same number twice → different ciphertexts (random nonce), same digest.
    again = PersonFactory(id_number="110105194912310021", phone="13812345678")
    assert raw("identity_person", "phone", again.pk) != stored_phone
    same_digest = raw("identity_person", "phone_digest", person.pk)
    assert raw("identity_person", "phone_digest", again.pk) == same_digest
    assert Person.objects.get(pk=person.pk).id_number == ID


def test_exact_lookups_go_through_the_digest_and_normalise():
    wang = PersonFactory(full_name="王芳", id_number=ID, phone="13812345678")
    li = PersonFactory(full_name="李强", id_number="110105194912310021", phone="")
    UserFactory(person=li, phone="13900001111")

    assert Person.objects.get(id_number="11010519491231002x") == wang
    assert Person.objects.get(id_number=" 110105 19491231002X") == wang
    found = Person.objects.filter(id_number__in=[ID, "110105194912310021", ""]).order_by("pk")
    assert list(found) == [wang, li]
    assert Person.objects.get(phone="+86 138-1234-5678") == wang
    assert Person.objects.get(account__phone="13900001111") == li
    assert Person.objects.get(phone="") == li
    assert not Person.objects.filter(id_number="110105194912310030").exists()
    assert Person.objects.filter(id_number__isnull=True).count() == 0
    with pytest.raises(FieldError):
        Person.objects.filter(id_number__startswith="1101").count()


def test_saving_only_the_number_refreshes_its_digest():
    person = PersonFactory(phone="13812345678")

    person.phone = "13700000000"
    person.save(update_fields=["phone"])

    assert Person.objects.get(phone="13700000000") == person
    assert not Person.objects.filter(phone="13812345678").exists()


def test_the_admin_refuses_a_second_person_with_the_same_number(client):
    PersonFactory(id_number=ID)
    client.force_login(UserFactory(username="root", role="admin", is_staff=True, is_superuser=True))
    form = {
        "full_name": "重复",
        "id_number": ID.lower(),
        "nationality": "CHN",
        "birth_date": "1949-12-31",
        "sex": "F",
        "phone": "",
        "household_city": "",
        "held_documents-TOTAL_FORMS": "0",
        "held_documents-INITIAL_FORMS": "0",
    }

    response = client.post(reverse("admin:identity_person_add"), form, headers={"Accept-Language": "en"})

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["id_number"] == [
        "Person with this Resident ID number already exists."
    ]
    assert Person.objects.count() == 1


def test_a_tampered_value_does_not_open():
    person = PersonFactory(id_number=ID)
    stored = raw("identity_person", "id_number", person.pk)
    flipped = stored[:-2] + ("A" if stored[-2] != "A" else "B") + stored[-1]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE identity_person SET id_number = %s WHERE id = %s", [flipped, person.pk])

    with pytest.raises(crypto.DecryptionError):
        Person.objects.get(pk=person.pk)


def test_rotation_reseals_with_the_newest_key_and_old_rows_open_meanwhile():
    lookup = crypto.development_key("test rotation lookup")
    with override_settings(FIELD_ENCRYPTION_KEYS=[OLD], FIELD_LOOKUP_KEY=lookup):
        people = [PersonFactory() for _ in range(5)]
        numbers = {p.pk: (p.id_number, p.phone) for p in people}
    old_id, new_id = crypto.key_id(crypto.parse_key(OLD)), crypto.key_id(crypto.parse_key(NEW))

    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW, OLD], FIELD_LOOKUP_KEY=lookup):
        # During rotation: rows sealed with the old key still open, new writes use the new key.
        assert {p.pk: (p.id_number, p.phone) for p in Person.objects.all()} == numbers
        fresh = PersonFactory()
        assert raw("identity_person", "id_number", fresh.pk).startswith(f"e1:{new_id}:")
        out = StringIO()
        call_command("rotate_field_keys", "--batch-size", "2", "--json", stdout=out)
        summary = json.loads(out.getvalue())
        # A second run finds nothing left to do.
        again = StringIO()
        call_command("rotate_field_keys", "--json", stdout=again)

    assert summary["key_id"] == new_id
    assert summary["rows"]["identity_person"] == 5
    assert json.loads(again.getvalue())["total"] == 0
    for person in people:
        assert raw("identity_person", "id_number", person.pk).startswith(f"e1:{new_id}:")
        assert not raw("identity_person", "phone", person.pk).startswith(f"e1:{old_id}:")
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW], FIELD_LOOKUP_KEY=lookup):
        # The old key is gone: everything still opens, and lookups (digests untouched) still hit.
        assert {p.pk: (p.id_number, p.phone) for p in Person.objects.exclude(pk=fresh.pk)} == numbers
        assert Person.objects.get(id_number=people[0].id_number) == people[0]


def test_recomputing_digests_after_a_new_lookup_key():
    person = PersonFactory(id_number=ID)
    with override_settings(FIELD_LOOKUP_KEY=crypto.development_key("test new lookup")):
        assert not Person.objects.filter(id_number=ID).exists()
        call_command("rotate_field_keys", "--digests", stdout=StringIO())
        assert Person.objects.get(id_number=ID) == person


def test_the_data_migration_encrypts_clear_rows_and_fills_digests():
    person = PersonFactory(id_number=ID, phone="13812345678")
    store_raw(  # as the row was before the migration
        "identity_person",
        person.pk,
        id_number=ID,
        phone="13812345678",
        id_number_digest=None,
        phone_digest=None,
    )
    forward, backward = encryption_migration("identity.Person")

    forward()

    assert raw("identity_person", "id_number", person.pk).startswith("e1:")
    assert Person.objects.get(id_number=ID.lower(), phone="13812345678") == person
    backward()
    assert raw("identity_person", "id_number", person.pk) == ID


def test_held_document_numbers_are_encrypted_and_unique_by_digest():
    document = HeldDocumentFactory(document_type="passport", number="E12345678")

    stored = raw("identity_helddocument", "number", document.pk)
    assert stored.startswith("e1:")
    assert "12345678" not in stored
    assert raw("identity_helddocument", "number_digest", document.pk) == crypto.digest(
        "document_number", "E12345678"
    )
    assert HeldDocument.objects.get(number="e12345678") == document
    with pytest.raises(IntegrityError), transaction.atomic():
        HeldDocumentFactory(document_type="passport", number="E12345678")
    HeldDocumentFactory(document_type="hk_macau_permit", number="E12345678")  # another type


def test_the_data_migration_encrypts_clear_held_document_numbers():
    document = HeldDocumentFactory(document_type="passport", number="E12345678")
    # as the row was before the migration
    store_raw("identity_helddocument", document.pk, number="E12345678", number_digest=None)
    forward, backward = encryption_migration("identity.HeldDocument")

    forward()

    assert raw("identity_helddocument", "number", document.pk).startswith("e1:")
    assert HeldDocument.objects.get(document_type="passport", number="E12345678") == document
    backward()
    assert raw("identity_helddocument", "number", document.pk) == "E12345678"


def test_travel_record_document_numbers_are_encrypted_and_the_migration_encrypts_old_rows():
    record = TravelRecordFactory(document_number="E12345678")
    stored = raw("records_travelrecord", "document_number", record.pk)
    assert stored.startswith("e1:")
    assert "12345678" not in stored
    assert TravelRecord.objects.get(pk=record.pk).document_number == "E12345678"
    store_raw("records_travelrecord", record.pk, document_number="E12345678")  # as before the migration
    forward, backward = encryption_migration("records.TravelRecord")

    forward()

    assert raw("records_travelrecord", "document_number", record.pk).startswith("e1:")
    backward()
    assert raw("records_travelrecord", "document_number", record.pk) == "E12345678"
