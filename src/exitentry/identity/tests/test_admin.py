import datetime as dt

import pytest
from django.urls import reverse

from exitentry.accounts.tests.factories import UserFactory
from exitentry.audit.models import AuditEvent
from exitentry.identity.models import HeldDocument, HeldDocumentStatus, Person
from exitentry.identity.tests.factories import HeldDocumentFactory, PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = UserFactory(username="root", role="admin", is_staff=True, is_superuser=True)
    client.force_login(user)
    client.user = user
    return client


def test_people_list_masks_id_numbers_and_phones(admin_client):
    PersonFactory(full_name="王芳", id_number="11010519491231002X", phone="13812345678")

    response = admin_client.get(reverse("admin:identity_person_changelist"))

    content = response.content.decode()
    assert response.status_code == 200
    assert "1101**********002X" in content
    assert "138****5678" in content
    assert "11010519491231002X" not in content
    assert "13812345678" not in content


def test_people_list_finds_a_person_by_full_id_number(admin_client):
    PersonFactory(full_name="王芳", id_number="11010519491231002X")
    PersonFactory(full_name="李强")

    response = admin_client.get(reverse("admin:identity_person_changelist"), {"q": "11010519491231002x"})

    assert [person.full_name for person in response.context["cl"].result_list] == ["王芳"]


def test_opening_a_person_logs_the_access(admin_client):
    person = PersonFactory()

    response = admin_client.get(reverse("admin:identity_person_change", args=[person.pk]))

    assert response.status_code == 200
    event = AuditEvent.objects.get(action="personal_record.viewed")
    assert (event.actor, event.object_type, event.object_id) == (
        admin_client.user,
        "identity.person",
        str(person.pk),
    )
    assert event.summary == {"purpose": "admin"}


def test_opening_a_held_document_logs_the_access(admin_client):
    document = HeldDocumentFactory()

    admin_client.get(reverse("admin:identity_helddocument_change", args=[document.pk]))

    assert AuditEvent.objects.filter(
        action="personal_record.viewed", object_type="identity.helddocument", object_id=str(document.pk)
    ).exists()


def person_form(**overrides):
    data = {
        "full_name": "王芳",
        "id_number": "11010519491231002x",
        "nationality": "CHN",
        "birth_date": "1949-12-31",
        "sex": "F",
        "phone": "",
        "household_city": "",
        "held_documents-TOTAL_FORMS": "0",
        "held_documents-INITIAL_FORMS": "0",
        "held_documents-MIN_NUM_FORMS": "0",
        "held_documents-MAX_NUM_FORMS": "0",
    }
    data.update(overrides)
    return data


def test_adding_a_person_normalises_the_id_number_and_audits_field_names_only(admin_client):
    response = admin_client.post(reverse("admin:identity_person_add"), person_form())

    assert response.status_code == 302
    person = Person.objects.get()
    assert person.id_number == "11010519491231002X"
    event = AuditEvent.objects.get(action="identity.person_created")
    assert "11010519491231002X" not in str(event.summary)
    assert "id_number" in event.summary["fields"]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"id_number": "110105194912310021"}, "id_number", "check digit"),
        ({"birth_date": "1950-01-01"}, "birth_date", "does not match"),
        ({"sex": "M"}, "sex", "does not match"),
    ],
)
def test_the_person_form_checks_the_id_number_against_birth_date_and_sex(
    admin_client, overrides, field, message
):
    response = admin_client.post(
        reverse("admin:identity_person_add"), person_form(**overrides), headers={"Accept-Language": "en"}
    )

    assert response.status_code == 200
    assert message in " ".join(response.context["adminform"].form.errors[field])
    assert not Person.objects.exists()


def _add_passport(admin_client, person, number):
    return admin_client.post(
        reverse("admin:identity_helddocument_add"),
        {
            "person": person.pk,
            "document_type": "passport",
            "number": number,
            "issued_on": "2026-01-05",
            "expires_on": "2036-01-04",
            "endorsements": "[]",
        },
    )


def test_adding_a_held_document_in_the_admin_goes_through_the_service(admin_client):
    person = PersonFactory()
    old = HeldDocumentFactory(person=person, document_type="passport", expires_on=dt.date(2099, 1, 1))

    response = _add_passport(admin_client, person, "e87654321")

    assert response.status_code == 302
    new = HeldDocument.objects.get(number="E87654321")
    old.refresh_from_db()
    assert (new.status, old.status) == ("valid", "invalidated")
    assert AuditEvent.objects.filter(action="identity.document_registered", object_id=str(new.pk)).exists()


def test_the_admin_action_reports_documents_lost_and_leaves_the_others(admin_client):
    valid = HeldDocumentFactory()
    expired = HeldDocumentFactory(status=HeldDocumentStatus.EXPIRED)

    response = admin_client.post(
        reverse("admin:identity_helddocument_changelist"),
        {"action": "report_lost", "_selected_action": [valid.pk, expired.pk]},
        follow=True,
    )

    assert response.status_code == 200
    statuses = dict(HeldDocument.objects.values_list("pk", "status"))
    assert statuses == {valid.pk: "reported_lost", expired.pk: "expired"}


def test_held_documents_list_masks_numbers(admin_client):
    HeldDocumentFactory(number="E12345678")

    content = admin_client.get(reverse("admin:identity_helddocument_changelist")).content.decode()

    assert "E*****678" in content
    assert "E12345678" not in content


def test_identity_records_cannot_be_deleted_in_the_admin(admin_client):
    person = PersonFactory()

    response = admin_client.get(reverse("admin:identity_person_delete", args=[person.pk]))

    assert response.status_code == 403


def test_the_admin_refuses_a_document_number_already_on_record(admin_client):
    HeldDocumentFactory(document_type="passport", number="E87654321")
    person = PersonFactory()

    response = _add_passport(admin_client, person, "e87654321")

    assert response.status_code == 200  # the form again, with the error on the number
    # zh-Hans, the default language: "A document of this type with this number is already on record."
    assert response.context["adminform"].form.errors["number"] == ["已有同类型、同号码的证件记录。"]
    assert HeldDocument.objects.count() == 1


def test_held_documents_are_found_by_full_number(admin_client):
    HeldDocumentFactory(number="E12345678")
    HeldDocumentFactory(number="E12345679")

    content = admin_client.get(
        reverse("admin:identity_helddocument_changelist"), {"q": "e12345678"}
    ).content.decode()

    assert "E*****678" in content
    assert "E*****679" not in content
