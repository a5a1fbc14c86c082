"""The admin edits every catalog table through audited services; the database refuses bad rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from exitentry.accounts.models import Role, User
from exitentry.audit.models import AuditEvent
from exitentry.catalog import models

MODELS = [
    models.City,
    models.CityListMembership,
    models.DocumentType,
    models.EndorsementType,
    models.Service,
    models.Fee,
    models.FeeWaiver,
    models.Material,
    models.ServiceMaterial,
    models.PromisedTimeRule,
]
LANGS = ("zh-hans", "en", "ru", "ja", "ko")


@pytest.fixture
def admin_client(client):
    user = User.objects.create_superuser("root", "root@example.org", "a-long-password-1", role=Role.ADMIN)
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def names(prefix: str, field: str = "names") -> dict[str, str]:
    return {f"{field}__{code}": f"{prefix} {code}" for code in LANGS}


@pytest.mark.parametrize("model", MODELS)
def test_every_catalog_table_has_an_admin_list_and_change_page(admin_client, model):
    opts = model._meta
    changelist = admin_client.get(reverse(f"admin:catalog_{opts.model_name}_changelist"))
    add = admin_client.get(reverse(f"admin:catalog_{opts.model_name}_add"))

    assert changelist.status_code == 200
    assert add.status_code == 200
    row = model.objects.first()
    if row is not None:
        assert (
            admin_client.get(reverse(f"admin:catalog_{opts.model_name}_change", args=[row.pk])).status_code
            == 200
        )


def test_changelist_filters_by_what_is_in_force_today(admin_client):
    response = admin_client.get(reverse("admin:catalog_fee_changelist"), {"in_force": "today"})

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 9


def test_admin_add_saves_through_the_service_and_writes_an_audit_event(admin_client):
    response = admin_client.post(
        reverse("admin:catalog_documenttype_add"),
        {"code": "travel_document", "sort_order": 40, **names("Doc")},
    )

    assert response.status_code == 302
    document = models.DocumentType.objects.get(code="travel_document")
    assert document.names == {code: f"Doc {code}" for code in LANGS}
    event = AuditEvent.objects.get(action="catalog.documenttype_created")
    assert (event.object_id, event.actor_label, "before" in event.summary) == (
        str(document.pk),
        "root",
        False,
    )
    assert event.summary["after"]["code"] == "travel_document"


def test_admin_change_records_before_and_after(admin_client):
    fee = models.Fee.objects.get(code="taiwan_permit")
    data = {
        "code": fee.code,
        **{f"names__{code}": text for code, text in fee.names.items()},
        "document_type": fee.document_type_id,
        "kind": fee.kind,
        "endorsement_type": "",
        "entries": "",
        "amount": "65.00",
        "effective_from": "2019-07-01",
        "effective_to": "",
        "source": fee.source,
    }

    response = admin_client.post(reverse("admin:catalog_fee_change", args=[fee.pk]), data)

    assert response.status_code == 302
    event = AuditEvent.objects.get(action="catalog.fee_changed")
    assert (event.summary["before"]["amount"], event.summary["after"]["amount"]) == ("60.00", "65.00")


def test_admin_refuses_a_name_missing_in_a_language(admin_client):
    data = {"code": "travel_document", "sort_order": 40, **names("Doc")}
    data["names__ko"] = ""

    response = admin_client.post(reverse("admin:catalog_documenttype_add"), data)

    assert response.status_code == 200
    assert "Give the text in every language (missing: ko)." in response.content.decode()
    assert not models.DocumentType.objects.filter(code="travel_document").exists()


def test_admin_refuses_a_fee_overlapping_one_in_force(admin_client):
    data = {
        "code": "passport_2",
        **names("Passport"),
        "document_type": models.DocumentType.objects.get(code="passport").pk,
        "kind": "document",
        "amount": "100.00",
        "effective_from": "2026-01-01",
        "source": "test",
    }

    response = admin_client.post(reverse("admin:catalog_fee_add"), data)

    assert response.status_code == 200
    assert "Another row for the same thing is in force from 2019-07-01" in response.content.decode()


def test_admin_edits_a_service_with_its_materials_inline(admin_client):
    service = models.Service.objects.get(code="hk_macau_endorsement.D")
    rows = list(service.service_materials.all())
    data = {
        "code": service.code,
        **{f"names__{code}": text for code, text in service.names.items()},
        "document_type": service.document_type_id,
        "reason": service.reason,
        "endorsement_type": service.endorsement_type_id,
        "channels": ["window", "kiosk"],
        "is_active": "on",
        "sort_order": service.sort_order,
        "service_materials-TOTAL_FORMS": str(len(rows)),
        "service_materials-INITIAL_FORMS": str(len(rows)),
        "service_materials-MIN_NUM_FORMS": "0",
        "service_materials-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        prefix = f"service_materials-{index}-"
        data.update(
            {
                prefix + "id": row.pk,
                prefix + "service": service.pk,
                prefix + "material": row.material_id,
                prefix + "condition": row.condition,
                prefix + "effective_from": row.effective_from.isoformat(),
                prefix + "sort_order": row.sort_order,
                **{prefix + f"notes__{code}": text for code, text in row.notes.items()},
            }
        )
    purpose = next(i for i, row in enumerate(rows) if row.material.code == "trip_purpose_proof")
    data[f"service_materials-{purpose}-DELETE"] = "on"

    response = admin_client.post(reverse("admin:catalog_service_change", args=[service.pk]), data)

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    service.refresh_from_db()
    assert service.channels == ["window", "kiosk"]
    assert not service.service_materials.filter(material__code="trip_purpose_proof").exists()
    assert AuditEvent.objects.filter(action="catalog.servicematerial_deleted").count() == 1
    assert AuditEvent.objects.filter(action="catalog.service_changed").count() == 1


def test_admin_delete_goes_through_the_service(admin_client):
    membership = models.CityListMembership.objects.get(list="zero_visit_pilot", city__code="370200")

    response = admin_client.post(
        reverse("admin:catalog_citylistmembership_delete", args=[membership.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not models.CityListMembership.objects.filter(pk=membership.pk).exists()
    event = AuditEvent.objects.get(action="catalog.citylistmembership_deleted")
    assert event.summary["before"]["list"] == "zero_visit_pilot"


def _refused(**fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        fields.pop("model").objects.create(**fields)


def test_database_refuses_an_endorsement_service_without_an_endorsement_type():
    _refused(
        model=models.Service,
        code="hk_macau_endorsement.X",
        names={"en": "x"},
        document_type=models.DocumentType.objects.get(code="hk_macau_permit"),
        reason=models.Reason.ENDORSEMENT,
        channels=["window"],
    )


def test_database_refuses_a_second_first_issue_for_one_document():
    _refused(
        model=models.Service,
        code="passport.first_issue_again",
        names={"en": "x"},
        document_type=models.DocumentType.objects.get(code="passport"),
        reason=models.Reason.FIRST_ISSUE,
        channels=["window"],
    )


def test_database_refuses_a_negative_fee_and_entries_on_a_document_fee():
    passport = models.DocumentType.objects.get(code="passport")
    _refused(
        model=models.Fee,
        code="neg",
        names={},
        document_type=passport,
        kind="document",
        amount=Decimal("-1"),
        effective_from=dt.date(2030, 1, 1),
        source="x",
    )
    _refused(
        model=models.Fee,
        code="odd",
        names={},
        document_type=passport,
        kind="document",
        entries="single",
        amount=Decimal("1"),
        effective_from=dt.date(2030, 1, 1),
        source="x",
    )


def test_database_refuses_a_period_that_ends_before_it_starts():
    _refused(
        model=models.CityListMembership,
        list="zero_visit_pilot",
        city=models.City.objects.get(code="370300"),
        effective_from=dt.date(2030, 1, 1),
        effective_to=dt.date(2029, 1, 1),
        source="x",
    )


def test_database_refuses_a_verifiable_material_without_a_source():
    _refused(model=models.Material, code="mystery", names={}, verifiable_by_source=True, source="")


def test_same_day_rules_have_no_amount_and_others_need_one():
    _refused(
        model=models.PromisedTimeRule,
        code="x",
        names={},
        applies_to="talent_visa",
        amount=0,
        unit="working_days",
        effective_from=dt.date(2030, 1, 1),
        source="x",
    )
