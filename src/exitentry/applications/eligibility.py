"""Zero-visit eligibility: may this person renew or replace these documents fully online?

The conditions (docs/DESIGN.md): 16 or older, a previously issued document of the same kind,
fingerprints on file, a live face check passed, household registered in a pilot city (catalog
data, with dates), not a restricted person. Every condition that fails is reported with a stable
code and a translated sentence, so the applicant knows exactly why; the answer also names the
nearest service points and a booking link for the visit they need instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from exitentry.applications.adapters import (
    FaceVerificationUnavailable,
    PersonFacts,
    face_verification,
)
from exitentry.catalog import services as catalog
from exitentry.catalog.models import Channel, CityList, CityListMembership, Service
from exitentry.core import clock
from exitentry.identity.models import HeldDocument, Person
from exitentry.servicepoints.models import ServicePoint, ServicePointKind

ADULT_AGE = catalog.ADULT_AGE


@dataclass(frozen=True)
class Failure:
    code: str
    message: str
    service: str | None = None


@dataclass
class Eligibility:
    eligible: bool
    failures: list[Failure]
    where_to_go: list[catalog.Place] = field(default_factory=list)
    booking_url: str = ""

    @property
    def codes(self) -> list[str]:
        return [failure.code for failure in self.failures]


def person_facts(person: Person) -> PersonFacts:
    return PersonFacts(
        id_number=person.id_number or "",
        full_name=person.full_name,
        household_city_code=city.code if (city := person.household_city) is not None else "",
    )


def age_on(birth_date: dt.date, day: dt.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def needs_zero_visit(service: Service) -> bool:
    """Documents (not endorsements) asked for online need the zero-visit conditions."""
    return not service.is_endorsement


def _pilot_city_names(on: dt.date) -> str:
    cities = (
        CityListMembership.objects.effective_on(on)
        .filter(list=CityList.ZERO_VISIT_PILOT)
        .select_related("city")
        .order_by("city__code")
    )
    return ", ".join(membership.city.name for membership in cities)


def face_check_failure(person: Person, reference: str | None) -> Failure | None:
    if not reference:
        return Failure(
            "face_check_required",
            _("Do the live face check on your phone: it shows that it is really you applying."),
        )
    try:
        passed = face_verification().passed(person=person_facts(person), reference=reference)
    except FaceVerificationUnavailable:
        return Failure(
            "face_check_unavailable",
            _("The face check service is not answering. Please try again in a few minutes."),
        )
    if not passed:
        return Failure(
            "face_check_failed",
            _("The live face check did not match the photo on your identity record. You can try again."),
        )
    return None


def nearest_halls(person: Person | None) -> list[catalog.Place]:
    """Halls in (or nearest to) the household city; else the province's first halls."""
    city = person.household_city if person is not None else None
    if city is not None:
        in_province = city.province_code == settings.EXITENTRY_PROVINCE_CODE
        places, _basis = catalog.where_to_go(city=city, in_province=in_province)
        if places:
            return places
    halls = (
        ServicePoint.objects.filter(is_active=True, kind=ServicePointKind.HALL)
        .select_related("city")
        .order_by("code")[: catalog.NEAREST_LIMIT]
    )
    return [
        catalog.Place(
            id=hall.pk,
            code=hall.code,
            name=hall.name,
            address=hall.address,
            city_code=hall.city.code,
            city_name=hall.city.name,
            phone=hall.phone,
            distance_km=None,
        )
        for hall in halls
    ]


def booking_url(service_code: str | None, point_id: int | None) -> str:
    params = {key: value for key, value in (("service", service_code), ("point", point_id)) if value}
    url = reverse("appointments:book")
    return f"{url}?{urlencode(params)}" if params else url


def check_zero_visit(
    person: Person | None,
    services: Sequence[Service],
    *,
    face_reference: str | None,
    include_face: bool = True,
    on: dt.date | None = None,
) -> Eligibility:
    """Which zero-visit conditions fail for `person` and the chosen `services` (none: eligible)."""
    on = on or clock.today()
    failures: list[Failure] = []
    first_service = services[0].code if services else None
    if person is None:
        failures.append(
            Failure(
                "no_resident_record",
                _("We could not find your resident record, so you cannot apply online. Please visit a hall."),
            )
        )
        places = nearest_halls(None)
        return Eligibility(
            False, failures, places, booking_url(first_service, places[0].id if places else None)
        )

    for service in services:
        if Channel.ONLINE not in (service.channels or []) or (
            needs_zero_visit(service) and not service.zero_visit_eligible
        ):
            failures.append(
                Failure(
                    "not_offered_online",
                    _("%(service)s cannot be done online: it needs a visit to a service hall.")
                    % {"service": service.name},
                    service.code,
                )
            )
    documents = [service for service in services if needs_zero_visit(service) and service.zero_visit_eligible]
    if age_on(person.birth_date, on) < ADULT_AGE:
        failures.append(
            Failure(
                "under_16",
                _(
                    "Applying online is for people aged 16 or older. A younger applicant comes to a hall "
                    "with a parent or guardian."
                ),
            )
        )
    if person.exit_restricted:
        failures.append(
            Failure(
                "restricted",
                _("This application cannot be handled online. Please apply in person at a service hall."),
            )
        )
    if documents:
        held = set(
            HeldDocument.objects.filter(person=person).values_list("document_type", flat=True).distinct()
        )
        for service in documents:
            if service.document_type.code not in held:
                failures.append(
                    Failure(
                        "no_previous_document",
                        _(
                            "We have no earlier %(document)s issued to you. Renewing or replacing online "
                            "needs one; a first application is made at a hall."
                        )
                        % {"document": service.document_type.name},
                        service.code,
                    )
                )
        if not person.fingerprints_on_file:
            failures.append(
                Failure(
                    "no_fingerprints",
                    _(
                        "We do not have your fingerprints on file. Give them once at a service hall; after "
                        "that you can renew online."
                    ),
                )
            )
        city = person.household_city
        if city is None or not catalog.city_in_list(city.code, CityList.ZERO_VISIT_PILOT, on=on):
            failures.append(
                Failure(
                    "not_in_pilot_city",
                    _(
                        "Zero-visit applications are open to people whose household is registered in a pilot "
                        "city (%(cities)s). Yours is registered in %(city)s."
                    )
                    % {
                        "cities": _pilot_city_names(on) or "—",
                        "city": city.name if city is not None else _("a city we do not know"),
                    },
                )
            )
        if include_face:
            face = face_check_failure(person, face_reference)
            if face is not None:
                failures.append(face)

    if not failures:
        return Eligibility(True, [])
    places = nearest_halls(person)
    failing_services = [failure.service for failure in failures if failure.service]
    service_for_booking = failing_services[0] if failing_services else first_service
    return Eligibility(
        False, failures, places, booking_url(service_for_booking, places[0].id if places else None)
    )
