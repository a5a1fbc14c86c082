from __future__ import annotations

import datetime as dt

import factory

from exitentry.workdays.models import CalendarYear, DayKind, DayOverride

NATIONAL_DAY_NAMES = {
    "zh-hans": "国庆节",
    "en": "National Day",
    "ru": "День образования КНР",
    "ja": "国慶節",
    "ko": "국경절",
}


class DayOverrideFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DayOverride
        django_get_or_create = ("date",)

    date = dt.date(2027, 10, 1)
    kind = DayKind.HOLIDAY
    names = factory.LazyFunction(lambda: dict(NATIONAL_DAY_NAMES))


class CalendarYearFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CalendarYear

    year = 2027
    source = "国务院办公厅关于2027年部分节假日安排的通知"
