from __future__ import annotations

import datetime as dt

import factory

from exitentry.catalog.models import Condition, FeeWaiver


def five(text: str) -> dict[str, str]:
    """The same text in all five languages, for rows whose wording a test does not look at."""
    return {"zh-hans": text, "en": text, "ru": text, "ja": text, "ko": text}


class FeeWaiverFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FeeWaiver

    code = factory.Sequence(lambda n: f"waiver_{n}")
    names = factory.LazyAttribute(lambda o: five(f"Waiver {o.code}"))
    condition = Condition.UNDER_16
    percent = 100
    effective_from = dt.date(2020, 1, 1)
    source = "test"
