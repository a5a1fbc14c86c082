"""Demo data for `exitentry seed-demo`: police areas of Qingdao and Jinan, hotel01's hotel, police01.

Idempotent: keyed on area codes, the hotel's name and usernames; demo guests already registered
are left as they are (the duplicate-stay constraint refuses them a second time).
"""

from __future__ import annotations

import contextlib
import datetime as dt

from django.contrib.auth.hashers import make_password
from django.db import transaction

from exitentry.accommodation import services
from exitentry.accommodation.models import Area, Hotel, HotelAccount, PoliceAssignment
from exitentry.accounts.demo import DEMO_PASSWORD, DemoLogin
from exitentry.accounts.models import Role, User
from exitentry.core import clock
from exitentry.identity.demo import make_td3_mrz

AREAS = {
    "370202": {
        "zh-hans": "青岛市市南区",
        "en": "Shinan District, Qingdao",
        "ru": "Район Шинань, Циндао",
        "ja": "青島市市南区",
        "ko": "칭다오시 스난구",
    },
    "370203": {
        "zh-hans": "青岛市市北区",
        "en": "Shibei District, Qingdao",
        "ru": "Район Шибэй, Циндао",
        "ja": "青島市市北区",
        "ko": "칭다오시 스베이구",
    },
    "370102": {
        "zh-hans": "济南市历下区",
        "en": "Lixia District, Jinan",
        "ru": "Район Лися, Цзинань",
        "ja": "済南市歴下区",
        "ko": "지난시 리샤구",
    },
    "370103": {
        "zh-hans": "济南市市中区",
        "en": "Shizhong District, Jinan",
        "ru": "Район Шичжун, Цзинань",
        "ja": "済南市市中区",
        "ko": "지난시 스중구",
    },
}
HOTEL_NAME = "Qingdao Harbour View Hotel"
GUESTS = [
    # surname, given names, number, nationality, room, hours ago arrived
    ("SMITH", "OLIVER", "C4J8K2L7M", "GBR", "1808", 5),
    ("DUBOIS", "CLAIRE", "21AB34567", "FRA", "1810", 30),
]


def seed_accommodation() -> list[DemoLogin]:
    password_hash = make_password(DEMO_PASSWORD)
    with transaction.atomic():
        areas = {
            code: Area.objects.update_or_create(code=code, defaults={"names": names})[0]
            for code, names in AREAS.items()
        }
        hotel, _created = Hotel.objects.update_or_create(
            name=HOTEL_NAME,
            defaults={"address": "6 Taiping Road, Shinan District, Qingdao", "area": areas["370202"]},
        )
        operator = User.objects.filter(username="hotel01").first()
        if operator is not None:
            HotelAccount.objects.update_or_create(user=operator, defaults={"hotel": hotel})
        police, _created = User.objects.update_or_create(
            username="police01",
            defaults={
                "role": Role.POLICE,
                "password": password_hash,
                "is_active": True,
                "first_name": "Shinan",
            },
        )
        for code in ("370202", "370203"):
            PoliceAssignment.objects.get_or_create(user=police, area=areas[code])
    if operator is not None:
        now = clock.local_now().replace(second=0, microsecond=0)
        for surname, given, number, nationality, room, hours_ago in GUESTS:
            birth = dt.date(1988, 6, 1)
            mrz = make_td3_mrz(
                surname=surname,
                given_names=given,
                document_number=number,
                birth_date=birth,
                sex="F" if given == "CLAIRE" else "M",
                expiry_date=clock.today().replace(year=clock.today().year + 6),
                nationality=nationality,
                country=nationality,
            )
            arrived = now - dt.timedelta(hours=hours_ago)
            stay = services.StayIn(
                mrz=mrz,
                arrived_at=arrived,
                expected_departure=arrived.date() + dt.timedelta(days=3),
                room=room,
            )
            with contextlib.suppress(services.DuplicateRegistration):
                services.register_guest(operator, stay)
        services.flag_late_registrations()
    return [DemoLogin("police01", Role.POLICE, "police: Shinan and Shibei districts, Qingdao")]
