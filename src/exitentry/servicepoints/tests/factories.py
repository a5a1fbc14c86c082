from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory

from exitentry.catalog.models import City, DocumentType, Reason, Service
from exitentry.core import clock
from exitentry.servicepoints.models import (
    CalendarRule,
    CapacityPlan,
    Closure,
    Counter,
    OpeningHours,
    ServicePoint,
    ServicePointKind,
    ServiceSkillRule,
    SessionKind,
    Skill,
    Slot,
)


def five(text: str) -> dict[str, str]:
    return {"zh-hans": text, "en": text, "ru": text, "ja": text, "ko": text}


class CityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = City
        django_get_or_create = ("code",)

    code = "370100"
    province_code = factory.LazyAttribute(lambda o: o.code[:2])
    names = factory.LazyAttribute(lambda o: five(f"City {o.code}"))
    latitude = Decimal("36.651200")
    longitude = Decimal("117.120100")


class ServicePointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServicePoint

    code = factory.Sequence(lambda n: f"hall-{n:03d}")
    kind = ServicePointKind.HALL
    city = factory.SubFactory(CityFactory)
    names = factory.LazyAttribute(lambda o: {**five(o.code), "en": f"Hall {o.code}"})
    addresses = factory.LazyAttribute(lambda o: five(f"1 Main Road, {o.code}"))
    latitude = Decimal("36.650000")
    longitude = Decimal("117.000000")
    phone = "0531-80000000"
    calendar_rule = CalendarRule.WORKING_DAYS


class OpeningHoursFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OpeningHours

    service_point = factory.SubFactory(ServicePointFactory)
    weekday = 0
    kind = SessionKind.REGULAR
    opens = dt.time(9, 0)
    closes = dt.time(17, 0)


class CounterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Counter

    service_point = factory.SubFactory(ServicePointFactory)
    number = factory.Sequence(lambda n: str(n + 1))
    skills = factory.LazyFunction(lambda: [Skill.CITIZENS_DOCUMENTS])


class CapacityPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CapacityPlan

    service_point = factory.SubFactory(ServicePointFactory)
    skill = Skill.CITIZENS_DOCUMENTS
    weekday = None
    session_kind = SessionKind.REGULAR
    slot_minutes = 60
    capacity_per_slot = 2
    effective_from = dt.date(2024, 1, 1)


class ClosureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Closure

    service_point = factory.SubFactory(ServicePointFactory)
    starts_on = dt.date(2026, 9, 22)
    ends_on = dt.date(2026, 9, 22)
    reasons = factory.LazyFunction(lambda: five("System upgrade"))


class SlotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Slot

    service_point = factory.SubFactory(ServicePointFactory)
    skill = Skill.CITIZENS_DOCUMENTS
    start = factory.LazyFunction(lambda: clock.local_datetime(dt.date(2026, 9, 22), dt.time(10, 0)))
    end = factory.LazyAttribute(lambda o: o.start + dt.timedelta(minutes=30))
    capacity = 2
    booked = 0


def hall_with_weekday_hours(**kwargs: object) -> ServicePoint:
    """A hall open Monday to Friday 09:00–17:00 with a counter for citizens' documents."""
    point = ServicePointFactory(**kwargs)
    for weekday in range(5):
        OpeningHoursFactory(service_point=point, weekday=weekday)
    CounterFactory(service_point=point, skills=[Skill.CITIZENS_DOCUMENTS, Skill.ENDORSEMENTS])
    return point


def catalog_service(code: str = "passport.renewal", *, channels: list[str] | None = None) -> Service:
    """A catalog service (and its document type) for tests; existing rows are reused."""
    document_code, reason = code.split(".")
    document_type, _ = DocumentType.objects.get_or_create(
        code=document_code, defaults={"names": five(document_code)}
    )
    service, _ = Service.objects.get_or_create(
        code=code,
        defaults={
            "names": five(f"Service {code}"),
            "document_type": document_type,
            "reason": reason if reason in Reason.values else Reason.FIRST_ISSUE,
            "channels": channels if channels is not None else ["window", "online"],
        },
    )
    if channels is not None and service.channels != channels:
        service.channels = channels
        service.save(update_fields=["channels"])
    return service


def skill_rules() -> None:
    for prefix, skill in [
        ("passport.", Skill.CITIZENS_DOCUMENTS),
        ("hk_macau_permit.", Skill.CITIZENS_DOCUMENTS),
        ("hk_macau_endorsement.", Skill.ENDORSEMENTS),
    ]:
        ServiceSkillRule.objects.get_or_create(service_prefix=prefix, defaults={"skill": skill})
