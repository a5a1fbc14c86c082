"""Reference data: the loader, the data migration and the completeness of the catalog."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from exitentry.audit.models import AuditEvent
from exitentry.catalog import models
from exitentry.catalog.reference import ReferenceDataError
from exitentry.catalog.services import load_reference_data
from exitentry.core.i18n import missing_languages

TABLES = {
    models.City: 35,
    models.CityListMembership: 23,
    models.DocumentType: 10,
    models.EndorsementType: 6,
    models.Service: 26,
    models.Fee: 9,
    models.Material: 19,
    models.ServiceMaterial: 195,
    models.PromisedTimeRule: 9,
}


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in TABLES}


def test_migrations_load_the_reference_catalog():
    assert counts() == {model.__name__: count for model, count in TABLES.items()}


def test_document_types_say_whom_they_are_issued_to():
    holders = dict(models.DocumentType.objects.values_list("code", "holder"))

    assert [code for code, holder in holders.items() if holder == models.Holder.CITIZEN] == [
        "passport",
        "hk_macau_permit",
        "taiwan_permit",
    ]
    assert all(
        holder == models.Holder.FOREIGNER for code, holder in holders.items() if code.startswith("foreign_")
    )


def test_a_document_type_with_an_unknown_holder_fails_loudly(tmp_path, settings, monkeypatch):
    from exitentry.catalog import reference

    original = reference.tomllib.load

    def with_a_martian_document(handle):
        data = original(handle)
        data["document_types"][0]["holder"] = "martian"
        return data

    monkeypatch.setattr(reference.tomllib, "load", with_a_martian_document)
    with pytest.raises(ReferenceDataError, match="document_types passport: holder 'martian'"):
        load_reference_data()


def test_loading_twice_keeps_the_same_row_counts():
    first = load_reference_data()
    after_first = counts()
    second = load_reference_data()

    assert counts() == after_first
    assert first.created_count == 0
    assert second.created_count == 0
    assert second.total["services"] == 26


def test_loading_into_an_empty_catalog_creates_every_row():
    models.ServiceMaterial.objects.all().delete()
    models.Fee.objects.all().delete()

    report = load_reference_data()

    assert report.created == {
        "cities": 0,
        "city_list_memberships": 0,
        "document_types": 0,
        "endorsement_types": 0,
        "services": 0,
        "fees": 9,
        "materials": 0,
        "service_materials": 195,
        "promised_time_rules": 0,
    }
    assert counts() == {model.__name__: count for model, count in TABLES.items()}


def test_loading_records_one_audit_event():
    load_reference_data(actor="load-catalog")

    event = AuditEvent.objects.get(action="catalog.reference_data_loaded", actor_label="load-catalog")
    assert event.summary["total"]["fees"] == 9


def test_loading_keeps_a_service_an_administrator_switched_off():
    models.Service.objects.filter(code="taiwan_permit.renewal").update(is_active=False)

    load_reference_data()

    assert models.Service.objects.get(code="taiwan_permit.renewal").is_active is False


def test_fees_come_from_the_csv_with_their_dates_and_sources():
    passport = models.Fee.objects.get(code="passport")
    multiple = models.Fee.objects.get(code="hk_macau_endorsement.multiple_3y_plus")

    assert (passport.amount, passport.effective_from, passport.effective_to) == (
        Decimal("120.00"),
        dt.date(2019, 7, 1),
        None,
    )
    assert passport.source == "NDRC/MoF fee reduction notice 2019 (from 160)"
    assert (multiple.amount, multiple.entries, multiple.endorsement_type) == (
        Decimal("240.00"),
        "multiple_3y_plus",
        None,
    )


def test_promised_time_rules_come_from_the_csv():
    rules = {rule.code: (rule.amount, rule.unit) for rule in models.PromisedTimeRule.objects.all()}

    assert rules == {
        "citizens.in_province": (7, "working_days"),
        "citizens.out_of_province": (20, "calendar_days"),
        "citizens.expedited": (5, "working_days"),
        "foreigners.talent_residence": (5, "working_days"),
        "foreigners.talent_visa": (3, "working_days"),
        "foreigners.joint_work_residence": (7, "working_days"),
        "endorsements.kiosk_business": (0, "same_day"),
        "payments.online_renewal_window": (7, "calendar_days"),
        "accommodation.registration": (24, "hours"),
    }


def test_city_lists_hold_the_pilot_and_the_scheme_cities_with_dates():
    pilot = models.CityListMembership.objects.filter(list=models.CityList.ZERO_VISIT_PILOT)
    qingdao = models.CityListMembership.objects.get(
        list=models.CityList.INDIVIDUAL_TRAVEL_SCHEME, city__code="370200"
    )

    assert sorted(pilot.values_list("city__code", flat=True)) == ["370100", "370200"]
    assert qingdao.effective_from == dt.date(2024, 3, 6)
    assert "2024-03-06" in qingdao.source


def test_shandong_has_its_16_prefecture_level_cities():
    shandong = models.City.objects.filter(province_code="37")

    assert shandong.count() == 16
    assert all(city.latitude and city.longitude for city in shandong)


@pytest.mark.parametrize("model", [m for m in TABLES if hasattr(m, "names")])
def test_every_catalog_row_has_names_in_all_five_languages(model):
    missing = {
        str(row.pk): missing_languages(row.names)
        for row in model.objects.all()
        if missing_languages(row.names)
    }

    assert missing == {}


@pytest.mark.parametrize("model", [models.EndorsementType, models.Material, models.ServiceMaterial])
def test_optional_texts_are_in_all_five_languages_or_none(model):
    field = "notes" if model is models.ServiceMaterial else "descriptions"
    partial = [
        row.pk
        for row in model.objects.all()
        if getattr(row, field) and missing_languages(getattr(row, field))
    ]

    assert partial == []


def test_every_catalog_row_passes_its_own_validation():
    for model in TABLES:
        for row in model.objects.all():
            row.full_clean()


def test_load_catalog_command_reports_the_counts():
    out = StringIO()

    call_command("load_catalog", stdout=out)

    assert "services: 26 (0 new)" in out.getvalue()
    assert "Catalog loaded: 0 new rows." in out.getvalue()


def test_a_csv_row_without_a_mapping_fails_loudly(tmp_path, settings):
    for path in (settings.DOMAIN_DATA_DIR).glob("*.csv"):
        shutil.copy(path, tmp_path / path.name)
    with (tmp_path / "fees.csv").open("a", encoding="utf-8") as handle:
        handle.write("moon visa,per document,999,2030-01-01,nowhere\n")
    settings.DOMAIN_DATA_DIR = tmp_path

    with pytest.raises(ReferenceDataError, match="moon visa"):
        load_reference_data()
    with pytest.raises(CommandError, match="moon visa"):
        call_command("load_catalog", stdout=StringIO())
    assert models.Fee.objects.count() == 9


def test_the_shipped_csvs_match_the_shared_domain_folder():
    shared = settings.BASE_DIR.parent / "shared" / "domain"
    if not shared.is_dir():
        # A clone without the shared folder beside it (e.g. an installed package) has nothing to
        # drift from; CI and developers' checkouts have it, and there the copies must match.
        return
    for path in shared.glob("*.csv"):
        assert (settings.DOMAIN_DATA_DIR / path.name).read_text(encoding="utf-8") == path.read_text(
            encoding="utf-8"
        )
