"""Catalog services: the one-time notification, promised dates, fees, and changes to the catalog.

`build_checklist` answers "what do I need?" for several services at once: one deduplicated list
of materials (those the office checks with an information-sharing source are marked and not
asked for), the fee of each item and the total, the promised date of each item and overall,
warnings about eligibility, and where to go. Everything it knows comes from catalog rows in force
on the acceptance date; nothing here hard-codes a fee, a period or a city.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.apps import apps as django_apps
from django.conf import settings
from django.db import models, transaction
from django.db.models import F, Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from exitentry.audit.chain import append_with_historical_models
from exitentry.audit.services import record_event
from exitentry.catalog import reference
from exitentry.catalog.models import (
    Channel,
    City,
    CityList,
    CityListMembership,
    Condition,
    Entries,
    Fee,
    FeeKind,
    FeeWaiver,
    PromisedTimeRule,
    PromiseScope,
    Service,
    ServiceMaterial,
    TimeUnit,
    VerificationSource,
)
from exitentry.core import clock
from exitentry.core.errors import Conflict, InvalidInput, NotFound
from exitentry.core.i18n import localized
from exitentry.servicepoints.models import ServicePoint, ServicePointKind
from exitentry.workdays.services import add_calendar_days, add_working_days

CENT = Decimal("0.01")
ADULT_AGE = 16
MAX_SERVICES = 20
NEAREST_LIMIT = 3
# Province-level division codes (GB/T 2260): the first two digits of every valid city code.
PROVINCE_CODES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
    ]
)


# --- Errors ----------------------------------------------------------------------------------------


class UnknownService(InvalidInput):
    code = "unknown_service"
    default_message = _("Some of the services asked for do not exist or are not offered.")


class NoServicesChosen(InvalidInput):
    code = "no_services"
    default_message = _("Choose at least one document or endorsement.")


class TooManyServices(InvalidInput):
    code = "too_many_services"
    default_message = _("Choose fewer services at once.")


class ConflictingServices(InvalidInput):
    code = "conflicting_services"
    default_message = _(
        "Choose only one of first application, renewal or replacement for each kind of document."
    )


class BirthDateRequired(InvalidInput):
    code = "birth_date_required"
    default_message = _("Give the applicant's date of birth.")


class InvalidBirthDate(InvalidInput):
    code = "invalid_birth_date"
    default_message = _("The date of birth must be a real date in the past.")


class HouseholdCityRequired(InvalidInput):
    code = "household_city_required"
    default_message = _("Say where the applicant's household is registered.")


class InvalidHouseholdCity(InvalidInput):
    code = "invalid_household_city"
    default_message = _("Give the 6-digit division code of the city where the household is registered.")


class InvalidEntries(InvalidInput):
    code = "invalid_entries"
    default_message = _("This number of entries is not offered for this endorsement.")


class EntriesNotApplicable(InvalidInput):
    code = "entries_not_applicable"
    default_message = _("Entries can only be chosen for the endorsements you asked for.")


class FeeNotSet(InvalidInput):
    code = "fee_not_set"
    default_message = _("No fee is set for this service on that date.")


class PromiseNotSet(InvalidInput):
    code = "promise_not_set"
    default_message = _("No processing time is set for this service on that date.")


class InvalidChannel(InvalidInput):
    code = "invalid_channel"
    default_message = _("This service is not offered through that channel.")


class FeeChangeConflict(Conflict):
    code = "fee_change_conflict"
    default_message = _("A later fee is already set for this item; change that one instead.")


# --- Applicant facts -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApplicantFacts:
    """What the applicant tells us. Either `birth_date` or `age`; either `household_city`
    (6-digit division code) or, when the city is not known, `in_province`."""

    birth_date: dt.date | None = None
    age: int | None = None
    household_city: str | None = None
    in_province: bool | None = None
    expedited: bool = False
    business_trip: bool = False
    entries: str | Mapping[str, str] | None = None
    lat: float | None = None
    lon: float | None = None

    @classmethod
    def coerce(cls, value: ApplicantFacts | Mapping[str, Any]) -> ApplicantFacts:
        if isinstance(value, ApplicantFacts):
            return value
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(value) - known)
        if unknown:
            raise InvalidInput(
                _("Unknown applicant facts: %(names)s.") % {"names": ", ".join(unknown)}, fields=unknown
            )
        return cls(**dict(value))


# --- Results ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Promise:
    rule_code: str
    rule: str  # "7 working days", in the active language
    applies_to: str
    amount: int
    unit: str
    accepted_on: dt.date
    due: dt.date


@dataclass(frozen=True)
class Waiver:
    code: str
    name: str
    percent: int


@dataclass(frozen=True)
class ChecklistItem:
    service: str
    name: str
    document_type: str
    document_type_name: str
    reason: str
    reason_label: str
    endorsement_type: str | None
    entries: str | None
    entries_label: str | None
    standard_fee_cny: Decimal
    fee_cny: Decimal
    waiver: Waiver | None
    promise: Promise
    channels: list[str]


@dataclass(frozen=True)
class MaterialReason:
    service: str
    service_name: str
    condition: str
    why: str


@dataclass
class ChecklistMaterial:
    code: str
    name: str
    description: str
    verified_by_source: bool
    source: str | None
    provided_at_hall: bool
    needed: bool
    status: str
    reasons: list[MaterialReason] = field(default_factory=list)

    @property
    def explanations(self) -> list[str]:
        """The distinct reasons worth saying (notes and conditions, not a bare "needed")."""
        plain = str(CONDITION_REASONS[Condition.ALWAYS])
        return list(dict.fromkeys(reason.why for reason in self.reasons if reason.why != plain))


@dataclass(frozen=True)
class Notice:
    code: str
    level: str  # "warning" or "info"
    message: str
    services: list[str]


@dataclass(frozen=True)
class Place:
    id: int
    code: str
    name: str
    address: str
    city_code: str
    city_name: str
    phone: str
    distance_km: float | None


@dataclass(frozen=True)
class ApplicantSummary:
    age: int
    under_16: bool
    in_province: bool
    household_city: str | None
    household_city_name: str | None
    expedited: bool
    business_trip: bool


@dataclass
class Checklist:
    accepted_on: dt.date
    applicant: ApplicantSummary
    items: list[ChecklistItem]
    materials: list[ChecklistMaterial]
    total_fee_cny: Decimal
    promised_date: dt.date
    warnings: list[Notice]
    where_to_go: list[Place]
    where_to_go_basis: str  # "nearest", "household_city", "near_household_city" or "none"

    @property
    def materials_to_bring(self) -> list[ChecklistMaterial]:
        return [material for material in self.materials if material.needed]

    @property
    def materials_we_check(self) -> list[ChecklistMaterial]:
        return [material for material in self.materials if material.verified_by_source]

    @property
    def materials_made_at_hall(self) -> list[ChecklistMaterial]:
        return [material for material in self.materials if material.provided_at_hall]


# --- Lookups ---------------------------------------------------------------------------------------


def _money(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def fee_for(service: Service, *, on: dt.date, entries: str | None = None) -> Fee:
    """The fee in force on `on` for a service (and, for an endorsement, its entries option)."""
    fees = Fee.objects.effective_on(on).filter(document_type_id=service.document_type_id)
    if service.is_endorsement:
        assert service.endorsement_type is not None
        entries = entries or service.endorsement_type.default_entries
        fees = (
            fees.filter(kind=FeeKind.ENDORSEMENT, entries=entries)
            .filter(Q(endorsement_type_id=service.endorsement_type_id) | Q(endorsement_type__isnull=True))
            .order_by(F("endorsement_type").asc(nulls_last=True), "-effective_from")
        )
    else:
        fees = fees.filter(kind=FeeKind.DOCUMENT).order_by("-effective_from")
    fee = fees.first()
    if fee is None:
        raise FeeNotSet(service=service.code, on=on.isoformat(), entries=entries)
    return fee


def promise_rule(
    scope: str, *, on: dt.date, endorsement_type_id: int | None = None
) -> PromisedTimeRule | None:
    rules = PromisedTimeRule.objects.effective_on(on).filter(applies_to=scope)
    rules = rules.filter(endorsement_type_id=endorsement_type_id) if endorsement_type_id else rules
    return rules.order_by("-effective_from").first()


def due_date(rule: PromisedTimeRule, accepted_on: dt.date) -> dt.date:
    """The promised day for work accepted on `accepted_on` (that day itself is not counted)."""
    if rule.unit == TimeUnit.WORKING_DAYS:
        return add_working_days(accepted_on, rule.amount)
    if rule.unit == TimeUnit.CALENDAR_DAYS:
        return add_calendar_days(accepted_on, rule.amount)
    if rule.unit == TimeUnit.HOURS:
        return add_calendar_days(accepted_on, math.ceil(rule.amount / 24))
    return accepted_on


def _promise(rule: PromisedTimeRule, accepted_on: dt.date) -> Promise:
    return Promise(
        rule_code=rule.code,
        rule=rule.describe(),
        applies_to=rule.applies_to,
        amount=rule.amount,
        unit=rule.unit,
        accepted_on=accepted_on,
        due=due_date(rule, accepted_on),
    )


def _citizen_scope(*, in_province: bool, expedited: bool) -> str:
    if expedited:
        return PromiseScope.CITIZENS_EXPEDITED
    return PromiseScope.CITIZENS_IN_PROVINCE if in_province else PromiseScope.CITIZENS_OUT_OF_PROVINCE


def _kiosk_rule(service: Service, on: dt.date) -> PromisedTimeRule | None:
    if not service.is_endorsement or Channel.KIOSK not in (service.channels or []):
        return None
    return promise_rule(
        PromiseScope.KIOSK_BUSINESS_ENDORSEMENT, on=on, endorsement_type_id=service.endorsement_type_id
    )


def city_in_list(city_code: str | None, city_list: str, *, on: dt.date) -> bool:
    if not city_code:
        return False
    return CityListMembership.objects.effective_on(on).filter(list=city_list, city__code=city_code).exists()


def active_services(codes: Iterable[str] | None = None) -> models.QuerySet[Service]:
    services = Service.objects.filter(is_active=True).select_related("document_type", "endorsement_type")
    if codes is not None:
        services = services.filter(code__in=list(codes))
    return services


def _service(code: str) -> Service:
    service = active_services([code]).first()
    if service is None:
        raise UnknownService(unknown=[code])
    return service


# --- Promised date ---------------------------------------------------------------------------------


def promised_date(
    service_code: str,
    *,
    accepted_on: dt.date | None = None,
    in_province: bool = True,
    expedited: bool = False,
    channel: str | None = None,
) -> Promise:
    """When an item accepted on `accepted_on` (default today) is promised to be ready."""
    accepted_on = accepted_on or clock.today()
    service = _service(service_code)
    if channel is not None and channel not in (service.channels or []):
        raise InvalidChannel(service=service.code, channel=channel, offered=list(service.channels or []))
    rule = _kiosk_rule(service, accepted_on) if channel == Channel.KIOSK else None
    if rule is None:
        scope = _citizen_scope(in_province=in_province, expedited=expedited)
        rule = promise_rule(scope, on=accepted_on)
    if rule is None:
        raise PromiseNotSet(service=service.code, on=accepted_on.isoformat())
    return _promise(rule, accepted_on)


# --- Services list ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntriesOption:
    code: str
    label: str
    fee_cny: Decimal | None


@dataclass(frozen=True)
class ServiceSummary:
    code: str
    name: str
    document_type: str
    document_type_name: str
    holder: str
    reason: str
    reason_label: str
    endorsement_type: str | None
    fee_cny: Decimal | None
    channels: list[str]
    channel_labels: list[str]
    zero_visit_eligible: bool
    entries_options: list[EntriesOption]


def _fee_or_none(service: Service, on: dt.date, entries: str | None = None) -> Decimal | None:
    try:
        return _money(fee_for(service, on=on, entries=entries).amount)
    except FeeNotSet:
        return None


def list_services(*, on: dt.date | None = None, holder: str | None = None) -> list[ServiceSummary]:
    """Every active service with its fee on `on` (default today); endorsements per entries option.

    `holder` keeps only the services for citizens or for foreign nationals (`Holder`).
    """
    on = on or clock.today()
    channel_labels = dict(Channel.choices)
    entries_labels = dict(Entries.choices)
    summaries = []
    offered = active_services()
    if holder is not None:
        offered = offered.filter(document_type__holder=holder)
    for service in offered:
        options: list[EntriesOption] = []
        if service.is_endorsement and service.endorsement_type is not None:
            options = [
                EntriesOption(
                    code=code,
                    label=str(entries_labels.get(code, code)),
                    fee_cny=_fee_or_none(service, on, code),
                )
                for code in service.endorsement_type.entries_options
            ]
        summaries.append(
            ServiceSummary(
                code=service.code,
                name=service.name,
                document_type=service.document_type.code,
                document_type_name=service.document_type.name,
                holder=service.document_type.holder,
                reason=service.reason,
                reason_label=str(service.get_reason_display()),
                endorsement_type=service.endorsement_type.code if service.endorsement_type else None,
                fee_cny=options[0].fee_cny if options else _fee_or_none(service, on),
                channels=list(service.channels or []),
                channel_labels=[str(channel_labels.get(c, c)) for c in service.channels or []],
                zero_visit_eligible=service.zero_visit_eligible,
                entries_options=options,
            )
        )
    return summaries


def household_city_choices() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Cities for a select: (in this province, elsewhere), each as (code, name) by name."""
    home: list[tuple[str, str]] = []
    elsewhere: list[tuple[str, str]] = []
    for city in City.objects.all():
        (home if city.province_code == settings.EXITENTRY_PROVINCE_CODE else elsewhere).append(
            (city.code, city.name)
        )
    return home, elsewhere


# --- The one-time notification ---------------------------------------------------------------------


CONDITION_REASONS = {
    Condition.ALWAYS: _("Needed for this service."),
    Condition.UNDER_16: _("The applicant is under 16."),
    Condition.AGE_16_PLUS: _("The applicant is 16 or older."),
    Condition.OUT_OF_PROVINCE: _("Your household is registered in another province."),
    Condition.EXPEDITED: _("You asked for urgent processing."),
    Condition.EXISTING_DOCUMENT: _("The endorsement goes on the permit you already hold."),
    Condition.BUSINESS_TRIP: _("You are travelling on business for your employer."),
}


@dataclass(frozen=True)
class _Context:
    accepted_on: dt.date
    age: int
    in_province: bool
    city: City | None
    city_code: str | None
    expedited: bool
    business_trip: bool
    documents_applied_for: frozenset[int]

    def holds(self, condition: str, service: Service) -> bool:
        if condition == Condition.ALWAYS:
            return True
        if condition == Condition.UNDER_16:
            return self.age < ADULT_AGE
        if condition == Condition.AGE_16_PLUS:
            return self.age >= ADULT_AGE
        if condition == Condition.OUT_OF_PROVINCE:
            return not self.in_province
        if condition == Condition.EXPEDITED:
            return self.expedited
        if condition == Condition.EXISTING_DOCUMENT:
            return service.is_endorsement and service.document_type_id not in self.documents_applied_for
        if condition == Condition.BUSINESS_TRIP:
            return self.business_trip
        return False


def _age_on(birth_date: dt.date, day: dt.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def _resolve_age(facts: ApplicantFacts, accepted_on: dt.date) -> int:
    if facts.birth_date is not None:
        if facts.birth_date > clock.today() or facts.birth_date > accepted_on:
            raise InvalidBirthDate(field="birth_date")
        age = _age_on(facts.birth_date, accepted_on)
        if age > 130:
            raise InvalidBirthDate(field="birth_date")
        return age
    if facts.age is not None:
        if not 0 <= facts.age <= 130:
            raise InvalidBirthDate(field="age")
        return facts.age
    raise BirthDateRequired(field="birth_date")


def _resolve_household(facts: ApplicantFacts) -> tuple[bool, City | None, str | None]:
    code = (facts.household_city or "").strip()
    if code:
        if len(code) != 6 or not code.isdigit() or code[:2] not in PROVINCE_CODES:
            raise InvalidHouseholdCity(field="household_city", value=code)
        return code[:2] == settings.EXITENTRY_PROVINCE_CODE, City.objects.filter(code=code).first(), code
    if facts.in_province is None:
        raise HouseholdCityRequired(field="household_city")
    return facts.in_province, None, None


def _chosen_services(service_codes: Sequence[str]) -> list[Service]:
    codes = list(dict.fromkeys(code.strip() for code in service_codes if code and code.strip()))
    if not codes:
        raise NoServicesChosen(field="services")
    if len(codes) > MAX_SERVICES:
        raise TooManyServices(field="services", max=MAX_SERVICES)
    found = {service.code: service for service in active_services(codes)}
    unknown = [code for code in codes if code not in found]
    if unknown:
        raise UnknownService(unknown=unknown)
    by_document: dict[int, list[str]] = {}
    for service in found.values():
        if not service.is_endorsement:
            by_document.setdefault(service.document_type_id, []).append(service.code)
    conflicts = [sorted(group) for group in by_document.values() if len(group) > 1]
    if conflicts:
        raise ConflictingServices(field="services", conflicts=conflicts)
    return sorted(
        found.values(), key=lambda s: (s.document_type.sort_order, s.document_type.code, s.sort_order, s.code)
    )


def _resolve_entries(facts: ApplicantFacts, services: list[Service]) -> dict[str, str]:
    endorsements = [service for service in services if service.is_endorsement]
    wanted: Mapping[str, str]
    if isinstance(facts.entries, Mapping):
        stray = sorted(set(facts.entries) - {service.code for service in endorsements})
        if stray:
            raise EntriesNotApplicable(field="entries", services=stray)
        wanted = facts.entries
    elif facts.entries:
        wanted = {service.code: str(facts.entries) for service in endorsements}
    else:
        wanted = {}
    chosen = {}
    for service in endorsements:
        assert service.endorsement_type is not None
        offered = list(service.endorsement_type.entries_options or [])
        entries = wanted.get(service.code) or service.endorsement_type.default_entries
        if entries not in offered:
            raise InvalidEntries(field="entries", service=service.code, entries=entries, offered=offered)
        chosen[service.code] = entries
    return chosen


def _waiver_for(service: Service, context: _Context) -> FeeWaiver | None:
    waivers = [
        waiver
        for waiver in FeeWaiver.objects.effective_on(context.accepted_on)
        if waiver.applies_to(service) and context.holds(waiver.condition, service)
    ]
    return max(waivers, key=lambda waiver: (waiver.percent, waiver.code), default=None)


def _item(service: Service, context: _Context, entries: str | None) -> ChecklistItem:
    fee = fee_for(service, on=context.accepted_on, entries=entries)
    standard = _money(fee.amount)
    waiver = _waiver_for(service, context)
    payable = _money(standard * (100 - waiver.percent) / 100) if waiver else standard
    scope = _citizen_scope(in_province=context.in_province, expedited=context.expedited)
    rule = promise_rule(scope, on=context.accepted_on)
    if rule is None:
        raise PromiseNotSet(service=service.code, on=context.accepted_on.isoformat())
    return ChecklistItem(
        service=service.code,
        name=service.name,
        document_type=service.document_type.code,
        document_type_name=service.document_type.name,
        reason=service.reason,
        reason_label=str(service.get_reason_display()),
        endorsement_type=service.endorsement_type.code if service.endorsement_type else None,
        entries=entries,
        entries_label=str(Entries(entries).label) if entries else None,
        standard_fee_cny=standard,
        fee_cny=payable,
        waiver=Waiver(code=waiver.code, name=waiver.name, percent=waiver.percent) if waiver else None,
        promise=_promise(rule, context.accepted_on),
        channels=list(service.channels or []),
    )


def _materials(services: list[Service], context: _Context) -> list[ChecklistMaterial]:
    rows = (
        ServiceMaterial.objects.effective_on(context.accepted_on)
        .filter(service__in=services)
        .select_related("material")
        .order_by("material__sort_order", "material__code", "sort_order")
    )
    by_service = {service.pk: service for service in services}
    source_labels = dict(VerificationSource.choices)
    collected: dict[str, ChecklistMaterial] = {}
    for row in rows:
        service = by_service[row.service_id]
        if not context.holds(row.condition, service):
            continue
        material = row.material
        entry = collected.get(material.code)
        if entry is None:
            verified = material.verifiable_by_source
            if verified:
                status = gettext(
                    "We check this ourselves with the %(source)s. You do not need to bring it."
                ) % {"source": source_labels.get(material.source, material.source)}
            elif material.provided_at_hall:
                status = gettext("Done for you at the hall. You do not need to bring it.")
            else:
                status = gettext("Bring this with you.")
            entry = ChecklistMaterial(
                code=material.code,
                name=material.name,
                description=localized(material.descriptions),
                verified_by_source=verified,
                source=material.source or None,
                provided_at_hall=material.provided_at_hall,
                needed=not verified and not material.provided_at_hall,
                status=status,
            )
            collected[material.code] = entry
        why = localized(row.notes) or str(CONDITION_REASONS.get(Condition(row.condition), ""))
        reason = MaterialReason(
            service=service.code, service_name=service.name, condition=row.condition, why=why
        )
        if reason not in entry.reasons:
            entry.reasons.append(reason)
    position = {service.code: index for index, service in enumerate(services)}
    for entry in collected.values():
        entry.reasons.sort(key=lambda reason: position[reason.service])
    return list(collected.values())


def _notices(services: list[Service], context: _Context) -> list[Notice]:
    notices: list[Notice] = []
    day = context.accepted_on
    list_labels = dict(CityList.choices)
    for service in services:
        required = service.endorsement_type.city_list if service.endorsement_type else ""
        if not required or city_in_list(context.city_code, required, on=day):
            continue
        values = {"service": service.name, "list": list_labels.get(required, required)}
        if context.city_code:
            values["city"] = context.city.name if context.city else context.city_code
            message = (
                gettext(
                    "%(service)s is only for people whose household is registered in a city on this list: "
                    "%(list)s. %(city)s is not on it, so choose another endorsement, such as a group tour."
                )
                % values
            )
        else:
            message = (
                gettext(
                    "%(service)s is only for people whose household is registered in a city on this list: "
                    "%(list)s. Check that yours is on it before you apply."
                )
                % values
            )
        notices.append(Notice("household_city_not_eligible", "warning", message, [service.code]))
    if context.age < ADULT_AGE:
        notices.append(
            Notice(
                "guardian_required",
                "warning",
                gettext("The applicant is under 16: a parent or guardian must come too and sign the form."),
                [s.code for s in services],
            )
        )
    online = [s.code for s in services if s.zero_visit_eligible]
    if (
        online
        and context.age >= ADULT_AGE
        and city_in_list(context.city_code, CityList.ZERO_VISIT_PILOT, on=day)
    ):
        notices.append(
            Notice(
                "zero_visit_possible",
                "info",
                gettext(
                    "You may be able to do this online without visiting a hall: your city is in the "
                    "zero-visit pilot. You need a previous document of the same kind, fingerprints on file "
                    "and a live face check."
                ),
                online,
            )
        )
    for service in services:
        rule = _kiosk_rule(service, day)
        if rule is not None:
            notices.append(
                Notice(
                    "same_day_at_kiosk",
                    "info",
                    gettext("At a self-service device you get %(service)s %(promise)s.")
                    % {"service": service.name, "promise": rule.describe()},
                    [service.code],
                )
            )
    if context.expedited:
        notices.append(
            Notice(
                "expedited_needs_proof",
                "info",
                gettext(
                    "Urgent processing needs written proof of the reason; without it the normal time applies."
                ),
                [s.code for s in services if not s.is_endorsement],
            )
        )
    return notices


def _distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine) on a 6371 km sphere."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def where_to_go(
    *, city: City | None, in_province: bool, lat: float | None = None, lon: float | None = None
) -> tuple[list[Place], str]:
    """Active halls: nearest to lat/lon if given, else those in the household city, else nearest to
    the centre of the household city (in this province). Returns (places, basis)."""
    halls = ServicePoint.objects.filter(is_active=True, kind=ServicePointKind.HALL).select_related("city")
    origin: tuple[float, float] | None = None
    basis = "nearest"
    if lat is not None and lon is not None:
        origin = (lat, lon)
    elif city is not None and in_province:
        in_city = list(halls.filter(city=city))
        if in_city:
            return [_place(hall, None) for hall in in_city], "household_city"
        if city.latitude is not None and city.longitude is not None:
            origin, basis = (float(city.latitude), float(city.longitude)), "near_household_city"
    if origin is None:
        return [], "none"
    ranked = sorted(
        ((_distance_km(origin[0], origin[1], float(h.latitude), float(h.longitude)), h) for h in halls),
        key=lambda pair: (pair[0], pair[1].code),
    )
    return [_place(hall, round(distance, 1)) for distance, hall in ranked[:NEAREST_LIMIT]], basis


def _place(hall: ServicePoint, distance: float | None) -> Place:
    return Place(
        id=hall.pk,
        code=hall.code,
        name=hall.name,
        address=localized(hall.addresses),
        city_code=hall.city.code,
        city_name=hall.city.name,
        phone=hall.phone,
        distance_km=distance,
    )


def build_checklist(
    service_codes: Sequence[str],
    applicant_facts: ApplicantFacts | Mapping[str, Any],
    accepted_on: dt.date | None = None,
) -> Checklist:
    """The one-time notification (一次性告知) for several services and one applicant."""
    accepted_on = accepted_on or clock.today()
    facts = ApplicantFacts.coerce(applicant_facts)
    services = _chosen_services(service_codes)
    age = _resolve_age(facts, accepted_on)
    in_province, city, city_code = _resolve_household(facts)
    entries = _resolve_entries(facts, services)
    context = _Context(
        accepted_on=accepted_on,
        age=age,
        in_province=in_province,
        city=city,
        city_code=city_code,
        expedited=facts.expedited,
        business_trip=facts.business_trip,
        documents_applied_for=frozenset(s.document_type_id for s in services if not s.is_endorsement),
    )
    items = [_item(service, context, entries.get(service.code)) for service in services]
    places, basis = where_to_go(city=city, in_province=in_province, lat=facts.lat, lon=facts.lon)
    return Checklist(
        accepted_on=accepted_on,
        applicant=ApplicantSummary(
            age=age,
            under_16=age < ADULT_AGE,
            in_province=in_province,
            household_city=city_code,
            household_city_name=city.name if city else None,
            expedited=facts.expedited,
            business_trip=facts.business_trip,
        ),
        items=items,
        materials=_materials(services, context),
        total_fee_cny=_money(sum((item.fee_cny for item in items), Decimal("0"))),
        promised_date=max(item.promise.due for item in items),
        warnings=_notices(services, context),
        where_to_go=places,
        where_to_go_basis=basis,
    )


# --- Changes to the catalog ------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime | Decimal):
        return str(value) if isinstance(value, Decimal) else value.isoformat()
    return value


def snapshot(obj: models.Model | None) -> dict[str, Any] | None:
    """The concrete field values of a row, JSON-ready, for the audit trail."""
    if obj is None:
        return None
    return {f.attname: _jsonable(getattr(obj, f.attname)) for f in obj._meta.concrete_fields}


def _action(obj: models.Model, verb: str) -> str:
    return f"catalog.{obj._meta.model_name}_{verb}"


def save_catalog_row(obj: models.Model, *, actor: Any, request: HttpRequest | None = None) -> models.Model:
    """Validate and save any catalog row (admin edits), recording before and after."""
    with transaction.atomic():
        manager = type(obj)._default_manager
        before = snapshot(manager.filter(pk=obj.pk).first()) if obj.pk else None
        obj.full_clean()
        obj.save()
        record_event(
            _action(obj, "created" if before is None else "changed"),
            actor=actor,
            obj=obj,
            before=before,
            after=snapshot(obj),
            request=request,
        )
    return obj


def record_relations_saved(obj: models.Model, *, actor: Any, request: HttpRequest | None = None) -> None:
    """Record the many-to-many links of a row after they were saved (admin)."""
    with transaction.atomic():
        links = {
            m2m.name: sorted(getattr(obj, m2m.name).values_list("pk", flat=True))
            for m2m in obj._meta.many_to_many
        }
        record_event(_action(obj, "links_saved"), actor=actor, obj=obj, after=links, request=request)


def delete_catalog_row(obj: models.Model, *, actor: Any, request: HttpRequest | None = None) -> None:
    with transaction.atomic():
        before = snapshot(obj)
        label, pk = obj._meta.label_lower, obj.pk
        obj.delete()
        record_event(
            _action(obj, "deleted"),
            actor=actor,
            object_type=label,
            object_id=str(pk),
            before=before,
            request=request,
        )


def schedule_fee_change(
    code: str,
    *,
    amount: Decimal,
    effective_from: dt.date,
    source: str,
    actor: Any,
    request: HttpRequest | None = None,
) -> Fee:
    """A new amount for fee `code` from `effective_from`: the row in force then is closed the day
    before and a new row opens. Refused if a later row already exists."""
    if amount < 0:
        raise InvalidInput(_("A fee cannot be negative."), field="amount")
    with transaction.atomic():
        rows = Fee.objects.select_for_update().filter(code=code)
        current = rows.effective_on(effective_from).first() or rows.order_by("-effective_from").first()
        if current is None:
            raise NotFound(_("There is no fee with this code."), code=code)
        if rows.filter(effective_from__gte=effective_from).exists():
            raise FeeChangeConflict(code=code, effective_from=effective_from.isoformat())
        if current.is_effective_on(effective_from):
            closed = Fee.objects.filter(pk=current.pk, effective_to=current.effective_to).update(
                effective_to=effective_from - dt.timedelta(days=1)
            )
            if closed != 1:
                raise FeeChangeConflict(code=code, effective_from=effective_from.isoformat())
        new = Fee(
            code=code,
            names=current.names,
            document_type_id=current.document_type_id,
            kind=current.kind,
            endorsement_type_id=current.endorsement_type_id,
            entries=current.entries,
            amount=_money(amount),
            effective_from=effective_from,
            effective_to=current.effective_to if current.effective_from > effective_from else None,
            source=source,
        )
        new.full_clean()
        new.save()
        record_event(
            "catalog.fee_change_scheduled",
            actor=actor,
            obj=new,
            before=snapshot(current),
            after=snapshot(new),
            request=request,
        )
    return new


def load_reference_data(
    *, actor: Any = None, request: HttpRequest | None = None, registry: Any = None
) -> reference.LoadReport:
    """Create or update the catalog from the reference files (idempotent).

    With `registry` (a migration's `apps`), historical models are used and the audit row is
    written through the historical AuditEvent model.
    """
    data = reference.read_reference_data()
    with transaction.atomic():
        report = reference.write_reference_data(data, registry or django_apps)
        summary = {"created": report.created, "total": report.total}
        if registry is None:
            record_event(
                "catalog.reference_data_loaded",
                actor=actor or "load-catalog",
                object_type="catalog",
                object_id="reference",
                request=request,
                created=report.created,
                total=report.total,
            )
        else:
            values: dict[str, Any] = {
                "at": timezone.now(),
                "actor_label": "migration",
                "action": "catalog.reference_data_loaded",
                "object_type": "catalog",
                "object_id": "reference",
                "summary": summary,
            }
            event_fields = {
                field.name for field in registry.get_model("audit", "AuditEvent")._meta.get_fields()
            }
            if "hash" in event_fields:  # the audit trail is hash-chained from audit 0002 on
                append_with_historical_models(registry, **values)
            else:
                registry.get_model("audit", "AuditEvent").objects.create(**values)
    return report
