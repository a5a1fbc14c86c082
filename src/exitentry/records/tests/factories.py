from __future__ import annotations

import datetime as dt

import factory

from exitentry.identity.models import HeldDocumentType
from exitentry.identity.tests.factories import PersonFactory
from exitentry.records.models import Direction, Port, TravelRecord


class PortFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Port
        django_get_or_create = ("code",)

    code = "qingdao-air"
    names = factory.LazyFunction(
        lambda: {
            "zh-hans": "青岛胶东国际机场",
            "en": "Qingdao Jiaodong International Airport",
            "ru": "Циндао",
            "ja": "青島",
            "ko": "칭다오",
        }
    )


class TravelRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TravelRecord

    person = factory.SubFactory(PersonFactory)
    crossed_on = dt.date(2025, 5, 1)
    port = factory.SubFactory(PortFactory)
    direction = Direction.EXIT
    document_type = HeldDocumentType.PASSPORT
    document_number = "E12345678"
