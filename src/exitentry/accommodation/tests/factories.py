from __future__ import annotations

import datetime as dt

import factory

from exitentry.accommodation.models import Area, Hotel, HotelAccount, PoliceAssignment
from exitentry.accounts.models import Role
from exitentry.accounts.tests.factories import UserFactory
from exitentry.identity.demo import make_td3_mrz


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"3702{n:02d}")
    names = factory.LazyAttribute(
        lambda area: {lang: f"Area {area.code}" for lang in ("zh-hans", "en", "ru", "ja", "ko")}
    )


class HotelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Hotel

    name = factory.Sequence(lambda n: f"Hotel {n}")
    address = factory.Sequence(lambda n: f"{n} Harbour Road")
    area = factory.SubFactory(AreaFactory)


def hotel_operator(hotel: Hotel | None = None, **kwargs: object) -> object:
    user = UserFactory(role=Role.HOTEL_OPERATOR, **kwargs)
    HotelAccount.objects.create(user=user, hotel=hotel or HotelFactory())
    return user


def police_officer(*areas: Area, **kwargs: object) -> object:
    user = UserFactory(role=Role.POLICE, **kwargs)
    for area in areas:
        PoliceAssignment.objects.create(user=user, area=area)
    return user


def mrz(
    number: str = "X12345678",
    *,
    nationality: str = "FRA",
    surname: str = "MARTIN",
    given_names: str = "LUCAS",
    expiry: dt.date = dt.date(2031, 1, 15),
) -> str:
    return make_td3_mrz(
        surname=surname,
        given_names=given_names,
        document_number=number,
        birth_date=dt.date(1990, 2, 15),
        sex="M",
        expiry_date=expiry,
        nationality=nationality,
        country=nationality,
    )
