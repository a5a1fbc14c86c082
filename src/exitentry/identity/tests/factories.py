from __future__ import annotations

import datetime as dt

import factory

from exitentry.identity import demo
from exitentry.identity.models import HeldDocument, HeldDocumentStatus, HeldDocumentType, Person


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    full_name = factory.Sequence(lambda n: f"测试{n:04d}")
    birth_date = dt.date(1990, 3, 7)
    sex = "F"
    id_number = factory.LazyAttributeSequence(
        lambda person, n: demo.make_resident_id("370102", person.birth_date, n % 500, person.sex)
    )
    nationality = "CHN"
    phone = factory.Sequence(lambda n: f"139{n:08d}")


class HeldDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HeldDocument

    person = factory.SubFactory(PersonFactory)
    document_type = HeldDocumentType.PASSPORT
    number = factory.Sequence(lambda n: f"E{n:08d}")
    issued_on = dt.date(2020, 5, 1)
    expires_on = dt.date(2030, 4, 30)
    status = HeldDocumentStatus.VALID
    endorsements = factory.LazyFunction(list)
