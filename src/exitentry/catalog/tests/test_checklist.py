"""The one-time notification: materials, fees, promised dates, warnings, where to go."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation

from exitentry.audit.models import AuditEvent
from exitentry.catalog import services
from exitentry.catalog.models import Condition, Fee, FeeKind
from exitentry.catalog.tests.factories import FeeWaiverFactory
from exitentry.core.errors import InvalidInput
from exitentry.servicepoints.tests.factories import ServicePointFactory
from exitentry.workdays.services import CalendarUnknownYear

THREE = ["passport.renewal", "hk_macau_permit.first_issue", "hk_macau_endorsement.G"]
ADULT_IN_QINGDAO = {"birth_date": dt.date(1990, 3, 7), "household_city": "370200"}
SEP_30 = dt.date(2026, 9, 30)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def codes(materials):
    return [material.code for material in materials]


def test_passport_permit_and_single_g_endorsement_cost_195_yuan():
    checklist = services.build_checklist(THREE, ADULT_IN_QINGDAO, accepted_on=SEP_30)

    assert [(item.service, item.fee_cny) for item in checklist.items] == [
        ("passport.renewal", Decimal("120.00")),
        ("hk_macau_permit.first_issue", Decimal("60.00")),
        ("hk_macau_endorsement.G", Decimal("15.00")),
    ]
    assert checklist.total_fee_cny == Decimal("195.00")
    assert checklist.items[2].entries == "single"


def test_double_entry_endorsement_costs_30_yuan():
    facts = {**ADULT_IN_QINGDAO, "entries": "double"}

    checklist = services.build_checklist(["hk_macau_endorsement.G"], facts, accepted_on=SEP_30)

    assert checklist.items[0].fee_cny == Decimal("30.00")
    assert checklist.total_fee_cny == Decimal("30.00")


def test_entries_per_endorsement_can_differ():
    facts = {**ADULT_IN_QINGDAO, "entries": {"hk_macau_endorsement.S": "multiple_1y"}}

    checklist = services.build_checklist(
        ["hk_macau_endorsement.G", "hk_macau_endorsement.S"], facts, accepted_on=SEP_30
    )

    assert [(item.service, item.entries, item.fee_cny) for item in checklist.items] == [
        ("hk_macau_endorsement.G", "single", Decimal("15.00")),
        ("hk_macau_endorsement.S", "multiple_1y", Decimal("80.00")),
    ]


def test_entries_an_endorsement_does_not_offer_are_refused():
    facts = {**ADULT_IN_QINGDAO, "entries": "multiple_3y_plus"}

    with pytest.raises(services.InvalidEntries) as caught:
        services.build_checklist(["hk_macau_endorsement.G"], facts, accepted_on=SEP_30)

    assert caught.value.details == {
        "field": "entries",
        "service": "hk_macau_endorsement.G",
        "entries": "multiple_3y_plus",
        "offered": ["single", "double"],
    }


def test_fee_change_with_a_later_effective_date_applies_only_from_that_date():
    services.schedule_fee_change(
        "passport",
        amount=Decimal("90"),
        effective_from=dt.date(2026, 10, 1),
        source="test notice",
        actor=None,
    )

    before = services.build_checklist(["passport.renewal"], ADULT_IN_QINGDAO, accepted_on=SEP_30)
    after = services.build_checklist(["passport.renewal"], ADULT_IN_QINGDAO, accepted_on=dt.date(2026, 10, 1))

    assert before.total_fee_cny == Decimal("120.00")
    assert after.total_fee_cny == Decimal("90.00")
    rows = list(
        Fee.objects.filter(code="passport")
        .order_by("effective_from")
        .values_list("amount", "effective_from", "effective_to")
    )
    assert rows == [
        (Decimal("120.00"), dt.date(2019, 7, 1), dt.date(2026, 9, 30)),
        (Decimal("90.00"), dt.date(2026, 10, 1), None),
    ]
    assert AuditEvent.objects.filter(action="catalog.fee_change_scheduled").count() == 1


def test_a_second_fee_change_before_a_scheduled_one_is_refused():
    services.schedule_fee_change(
        "passport", amount=Decimal("90"), effective_from=dt.date(2026, 10, 1), source="n1", actor=None
    )

    with pytest.raises(services.FeeChangeConflict):
        services.schedule_fee_change(
            "passport", amount=Decimal("80"), effective_from=dt.date(2026, 9, 1), source="n2", actor=None
        )


def test_fee_waiver_reduces_the_item_and_the_total():
    FeeWaiverFactory(
        code="children_passport", condition=Condition.UNDER_16, percent=50, kind=FeeKind.DOCUMENT
    )
    child = {"birth_date": dt.date(2018, 5, 1), "household_city": "370200"}

    checklist = services.build_checklist(
        ["passport.first_issue", "hk_macau_endorsement.T"], child, accepted_on=SEP_30
    )

    passport, endorsement = checklist.items
    assert (passport.standard_fee_cny, passport.fee_cny, passport.waiver.percent) == (
        Decimal("120.00"),
        Decimal("60.00"),
        50,
    )
    assert (endorsement.fee_cny, endorsement.waiver) == (Decimal("15.00"), None)
    assert checklist.total_fee_cny == Decimal("75.00")


@pytest.mark.parametrize(
    ("facts", "due", "rule"),
    [
        ({"household_city": "370200"}, dt.date(2026, 10, 15), "7 working days"),
        ({"household_city": "110000"}, dt.date(2026, 10, 20), "20 calendar days"),
        ({"household_city": "370200", "expedited": True}, dt.date(2026, 10, 13), "5 working days"),
        ({"in_province": False}, dt.date(2026, 10, 20), "20 calendar days"),
    ],
)
def test_promised_dates_count_from_today_across_the_national_day_holiday(facts, due, rule):
    with time_machine.travel(dt.datetime(2026, 9, 30, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        checklist = services.build_checklist(THREE, {"age": 30, **facts})

    assert checklist.accepted_on == SEP_30
    assert {item.promise.due for item in checklist.items} == {due}
    assert {item.promise.rule for item in checklist.items} == {rule}
    assert checklist.promised_date == due


def test_today_is_the_local_date_in_shanghai_not_utc():
    # 23:30 UTC on 29 September is 07:30 on 30 September in Shandong.
    with time_machine.travel(dt.datetime(2026, 9, 29, 23, 30, tzinfo=dt.UTC), tick=False):
        checklist = services.build_checklist(["passport.renewal"], {"age": 30, "household_city": "370100"})

    assert checklist.accepted_on == SEP_30
    assert checklist.promised_date == dt.date(2026, 10, 15)


def test_materials_appear_once_with_every_reason():
    checklist = services.build_checklist(THREE, ADULT_IN_QINGDAO, accepted_on=SEP_30)

    assert codes(checklist.materials) == [
        "resident_id_card",
        "application_form",
        "photo",
        "previous_passport",
    ]
    id_card = checklist.materials[0]
    assert [reason.service for reason in id_card.reasons] == THREE
    assert {reason.condition for reason in id_card.reasons} == {"age_16_plus"}
    assert codes(checklist.materials_to_bring) == ["resident_id_card", "previous_passport"]
    assert codes(checklist.materials_made_at_hall) == ["application_form", "photo"]


def test_endorsement_on_a_permit_already_held_asks_for_that_permit():
    alone = services.build_checklist(["hk_macau_endorsement.G"], ADULT_IN_QINGDAO, accepted_on=SEP_30)
    with_new_permit = services.build_checklist(
        ["hk_macau_permit.first_issue", "hk_macau_endorsement.G"], ADULT_IN_QINGDAO, accepted_on=SEP_30
    )

    assert "valid_hk_macau_permit" in codes(alone.materials_to_bring)
    assert "valid_hk_macau_permit" not in codes(with_new_permit.materials)


def test_materials_the_source_can_verify_are_marked_and_not_requested():
    facts = {"birth_date": dt.date(1990, 3, 7), "household_city": "110000"}

    checklist = services.build_checklist(
        ["passport.first_issue", "hk_macau_endorsement.Q"], facts, accepted_on=SEP_30
    )

    checked = {m.code: (m.verified_by_source, m.needed, m.source) for m in checklist.materials_we_check}
    assert checked == {
        "residence_permit": (True, False, "residence_permit"),
        "marriage_certificate": (True, False, "marriage"),
    }
    assert not set(checked) & set(codes(checklist.materials_to_bring))
    assert checklist.materials_we_check[0].status == (
        "We check this ourselves with the residence permit register. You do not need to bring it."
    )


def test_under_16_needs_a_guardian_and_the_guardian_materials():
    child = {"birth_date": dt.date(2015, 6, 1), "household_city": "370100"}

    checklist = services.build_checklist(["passport.first_issue"], child, accepted_on=SEP_30)

    assert checklist.applicant.age == 11
    assert checklist.applicant.under_16 is True
    assert codes(checklist.materials_to_bring) == ["resident_id_card", "guardian_id_card"]
    assert codes(checklist.materials_we_check) == ["guardianship_proof", "household_register_booklet"]
    assert (
        checklist.materials_to_bring[0].reasons[0].why == "The child's own identity card, if they have one."
    )
    assert [notice.code for notice in checklist.warnings] == ["guardian_required"]


def test_turning_16_on_the_acceptance_date_counts_as_16():
    facts = {"birth_date": dt.date(2010, 9, 30), "household_city": "370100"}

    checklist = services.build_checklist(["passport.first_issue"], facts, accepted_on=SEP_30)

    assert checklist.applicant.age == 16
    assert "guardian_id_card" not in codes(checklist.materials)


def test_g_endorsement_for_a_city_outside_the_scheme_warns():
    facts = {"age": 30, "household_city": "370600"}  # Yantai

    checklist = services.build_checklist(["hk_macau_endorsement.G"], facts, accepted_on=SEP_30)

    assert [(n.code, n.level, n.services) for n in checklist.warnings] == [
        ("household_city_not_eligible", "warning", ["hk_macau_endorsement.G"])
    ]
    assert "Yantai is not on it" in checklist.warnings[0].message


def test_qingdao_joined_the_individual_travel_scheme_on_6_march_2024():
    facts = {"age": 30, "household_city": "370200"}

    day_before = services.build_checklist(["hk_macau_endorsement.G"], facts, accepted_on=dt.date(2024, 3, 5))
    first_day = services.build_checklist(["hk_macau_endorsement.G"], facts, accepted_on=dt.date(2024, 3, 6))

    assert [n.code for n in day_before.warnings] == ["household_city_not_eligible"]
    assert first_day.warnings == []


def test_zero_visit_is_suggested_to_adults_of_pilot_cities_only():
    adult_jinan = services.build_checklist(
        ["passport.renewal", "hk_macau_endorsement.T"],
        {"age": 40, "household_city": "370100"},
        accepted_on=SEP_30,
    )
    adult_yantai = services.build_checklist(
        ["passport.renewal"], {"age": 40, "household_city": "370600"}, accepted_on=SEP_30
    )
    child_jinan = services.build_checklist(
        ["passport.renewal"], {"age": 12, "household_city": "370100"}, accepted_on=SEP_30
    )

    assert [(n.code, n.services) for n in adult_jinan.warnings] == [
        ("zero_visit_possible", ["passport.renewal"])
    ]
    assert adult_yantai.warnings == []
    assert [n.code for n in child_jinan.warnings] == ["guardian_required"]


def test_business_endorsement_mentions_same_day_at_a_self_service_device():
    checklist = services.build_checklist(
        ["hk_macau_endorsement.S"], {"age": 40, "household_city": "370100"}, accepted_on=SEP_30
    )

    assert [(n.code, n.level) for n in checklist.warnings] == [("same_day_at_kiosk", "info")]
    assert codes(checklist.materials_to_bring) == [
        "resident_id_card",
        "valid_hk_macau_permit",
        "employer_letter",
    ]
    assert codes(checklist.materials_we_check) == ["enterprise_licence"]


def test_expedited_asks_for_written_proof():
    checklist = services.build_checklist(
        ["passport.first_issue"],
        {"age": 40, "household_city": "370100", "expedited": True},
        accepted_on=SEP_30,
    )

    assert "urgent_proof" in codes(checklist.materials_to_bring)
    assert [n.code for n in checklist.warnings] == ["expedited_needs_proof"]


def test_unknown_service_codes_are_listed():
    with pytest.raises(services.UnknownService) as caught:
        services.build_checklist(["passport.renewal", "passport.renewl", "visa.moon"], ADULT_IN_QINGDAO)

    assert caught.value.details == {"unknown": ["passport.renewl", "visa.moon"]}
    assert caught.value.status == 422


def test_two_services_for_one_document_conflict():
    with pytest.raises(services.ConflictingServices) as caught:
        services.build_checklist(
            ["passport.first_issue", "passport.renewal", "hk_macau_endorsement.G"], ADULT_IN_QINGDAO
        )

    assert caught.value.details == {
        "field": "services",
        "conflicts": [["passport.first_issue", "passport.renewal"]],
    }


def test_the_same_code_twice_counts_once():
    checklist = services.build_checklist(
        ["passport.renewal", "passport.renewal"], ADULT_IN_QINGDAO, accepted_on=SEP_30
    )

    assert [item.service for item in checklist.items] == ["passport.renewal"]


@pytest.mark.parametrize(
    ("facts", "error"),
    [
        ({"household_city": "370200"}, services.BirthDateRequired),
        ({"birth_date": dt.date(2030, 1, 1), "household_city": "370200"}, services.InvalidBirthDate),
        ({"age": 30}, services.HouseholdCityRequired),
        ({"age": 30, "household_city": "990100"}, services.InvalidHouseholdCity),
        ({"age": 30, "household_city": "37020"}, services.InvalidHouseholdCity),
        ({"age": 30, "household_city": "370200", "shoe_size": 42}, InvalidInput),
        (
            {"age": 30, "household_city": "370200", "entries": {"passport.renewal": "single"}},
            services.EntriesNotApplicable,
        ),
    ],
)
def test_bad_applicant_facts_are_refused(facts, error):
    with pytest.raises(error):
        services.build_checklist(["passport.renewal"], facts, accepted_on=SEP_30)


def test_a_city_not_in_the_table_still_gives_its_province():
    checklist = services.build_checklist(
        ["passport.renewal"], {"age": 30, "household_city": "371321"}, accepted_on=SEP_30
    )

    assert checklist.applicant.in_province is True
    assert checklist.applicant.household_city_name is None
    assert checklist.items[0].promise.rule == "7 working days"


def test_a_year_without_a_published_calendar_is_refused():
    with pytest.raises(CalendarUnknownYear):
        services.build_checklist(["passport.renewal"], ADULT_IN_QINGDAO, accepted_on=dt.date(2031, 3, 3))


def test_where_to_go_lists_the_active_halls_of_the_household_city():
    ServicePointFactory(code="jinan-lixia", city__code="370100")
    ServicePointFactory(code="jinan-closed", city__code="370100", is_active=False)
    ServicePointFactory(code="qingdao-shinan", city__code="370200", latitude="36.07", longitude="120.38")

    checklist = services.build_checklist(
        ["passport.renewal"], {"age": 30, "household_city": "370100"}, accepted_on=SEP_30
    )

    assert checklist.where_to_go_basis == "household_city"
    assert [(p.code, p.city_code, p.distance_km) for p in checklist.where_to_go] == [
        ("jinan-lixia", "370100", None)
    ]
    assert checklist.where_to_go[0].address == "1 Main Road, jinan-lixia"


def test_where_to_go_with_coordinates_ranks_the_nearest_halls():
    ServicePointFactory(code="jinan-lixia", city__code="370100", latitude="36.66", longitude="117.12")
    ServicePointFactory(code="qingdao-shinan", city__code="370200", latitude="36.07", longitude="120.38")
    near_qingdao = {"age": 30, "household_city": "370100", "lat": 36.1, "lon": 120.4}

    checklist = services.build_checklist(["passport.renewal"], near_qingdao, accepted_on=SEP_30)

    assert checklist.where_to_go_basis == "nearest"
    assert [p.code for p in checklist.where_to_go] == ["qingdao-shinan", "jinan-lixia"]
    assert checklist.where_to_go[0].distance_km == 3.8  # 0.03° north, 0.02° east at 36°N


def test_where_to_go_without_a_hall_in_the_city_suggests_the_nearest_to_its_centre():
    ServicePointFactory(code="jinan-lixia", city__code="370100", latitude="36.66", longitude="117.12")

    checklist = services.build_checklist(
        ["passport.renewal"], {"age": 30, "household_city": "371400"}, accepted_on=SEP_30
    )

    assert checklist.where_to_go_basis == "near_household_city"
    assert [p.code for p in checklist.where_to_go] == ["jinan-lixia"]


def test_out_of_province_without_coordinates_gets_no_particular_hall():
    ServicePointFactory(code="jinan-lixia", city__code="370100")

    checklist = services.build_checklist(
        ["passport.renewal"], {"age": 30, "household_city": "110000"}, accepted_on=SEP_30
    )

    assert (checklist.where_to_go, checklist.where_to_go_basis) == ([], "none")


def test_promised_date_at_a_self_service_device_is_the_same_day_for_business_endorsements():
    promise = services.promised_date("hk_macau_endorsement.S", accepted_on=SEP_30, channel="kiosk")

    assert (promise.due, promise.rule, promise.rule_code) == (
        SEP_30,
        "the same day",
        "endorsements.kiosk_business",
    )


def test_promised_date_refuses_a_channel_the_service_does_not_offer():
    with pytest.raises(services.InvalidChannel):
        services.promised_date("passport.first_issue", accepted_on=SEP_30, channel="online")
