"""Demo accounts for `exitentry seed-demo`: staff for every service point and 200 applicants.

Deterministic (the same run gives the same people) and idempotent (keyed on usernames and ID numbers).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import QuerySet

from exitentry.accounts.models import Role, User
from exitentry.audit.services import record_event
from exitentry.catalog.models import City
from exitentry.core import clock
from exitentry.identity import demo as identity_demo
from exitentry.identity.models import HeldDocument, Person
from exitentry.servicepoints.models import ServicePoint, ServicePointKind

DEMO_PASSWORD = "exitentry-demo"
APPLICANT_COUNT = 200

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏"
    "吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰飞鹏辉燕晶文宇浩然子涵欣怡梓轩雨桐一诺思远佳琪"

# Household cities of the demo applicants: mostly the two pilot cities, some elsewhere in the
# province, some from other provinces (who get the out-of-province promise).
HOUSEHOLD_REGIONS = [
    ("370100", "370102", 40),  # Jinan, Lixia district
    ("370200", "370202", 30),  # Qingdao, Shinan district
    ("370600", "370602", 8),  # Yantai, Zhifu district
    ("370700", "370702", 7),  # Weifang, Weicheng district
    ("370300", "370302", 5),  # Zibo, Zichuan district
    ("110000", "110105", 5),  # Beijing, Chaoyang district
    ("310000", "310115", 5),  # Shanghai, Pudong
]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    note: str


def _user(username: str, role: str, password_hash: str, **fields: object) -> User:
    user, _created = User.objects.update_or_create(
        username=username, defaults={"role": role, "password": password_hash, "is_active": True, **fields}
    )
    return user


def _applicant_person(rng: random.Random, number: int, today: dt.date) -> dict[str, object]:
    weights = [weight for *_codes, weight in HOUSEHOLD_REGIONS]
    city_code, district_code, _weight = rng.choices(HOUSEHOLD_REGIONS, weights=weights)[0]
    # applicant001 is the zero-visit story: an adult in Jinan with fingerprints on file.
    if number == 1:
        city_code, district_code = "370100", "370102"
    age = 34 if number == 1 else rng.choice([9, 15, 17, 22, 28, 31, 36, 41, 47, 52, 58, 61, 66, 70, 78])
    birth_date = today.replace(year=today.year - age) - dt.timedelta(days=rng.randint(20, 340))
    sex = rng.choice(["M", "F"])
    id_number = identity_demo.make_resident_id(district_code, birth_date, number, sex)
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2])))
    return {
        "id_number": id_number,
        "full_name": name,
        "birth_date": birth_date,
        "sex": sex,
        "phone": f"138{number:08d}",
        "household_city": City.objects.filter(code=city_code).first(),
        "fingerprints_on_file": number == 1 or (age >= 16 and rng.random() < 0.85),
        "exit_restricted": number == APPLICANT_COUNT - 1,
    }


def _held_documents(rng: random.Random, person: Person, number: int, today: dt.date) -> None:
    if number == 1:
        # A passport expiring within six months and a permit with a G endorsement held before.
        plans = [
            ("passport", today.replace(year=today.year - 10) + dt.timedelta(days=120), 10, []),
            ("hk_macau_permit", today.replace(year=today.year - 9), 10, ["G"]),
        ]
    else:
        plans = []
        if rng.random() < 0.6:
            plans.append(("passport", today - dt.timedelta(days=rng.randint(200, 3600)), 10, []))
        if rng.random() < 0.5:
            plans.append(
                (
                    "hk_macau_permit",
                    today - dt.timedelta(days=rng.randint(100, 3600)),
                    10,
                    rng.choice([["G"], ["T"], ["S"], ["G", "S"], []]),
                )
            )
    for document_type, issued_on, years, endorsements in plans:
        expires_on = issued_on.replace(year=issued_on.year + years)
        prefix = {"passport": "E", "hk_macau_permit": "C", "taiwan_permit": "L"}[document_type]
        HeldDocument.objects.update_or_create(
            document_type=document_type,
            number=f"{prefix}{number:03d}{person.pk % 100000:05d}",
            defaults={
                "person": person,
                "issued_on": issued_on,
                "expires_on": expires_on,
                "status": "valid" if expires_on > today else "expired",
                "endorsements": endorsements,
            },
        )


def demo_province_halls() -> QuerySet[ServicePoint]:
    """The staffed halls of the demo province in code order: officerNN/supervisorNN work at the
    NNth. The foreigners' halls in Beijing have their own bjofficerNN."""
    return (
        ServicePoint.objects.exclude(kind=ServicePointKind.SELF_SERVICE)
        .filter(city__province_code=settings.EXITENTRY_PROVINCE_CODE)
        .order_by("code")
    )


def seed_accounts() -> list[DemoLogin]:
    """Staff for each service point, a manager, a hotel, a hotline agent and applicant001–200."""
    rng = random.Random(20261123)  # noqa: S311 - reproducible demo people, not secrets
    today = clock.today()
    password_hash = make_password(DEMO_PASSWORD)  # hashed once: 200 PBKDF2 rounds would take minutes
    logins: list[DemoLogin] = []
    with transaction.atomic():
        _user("admin", Role.ADMIN, password_hash, is_staff=True, is_superuser=True)
        logins.append(DemoLogin("admin", Role.ADMIN, "Django admin at /admin/"))
        manager = _user("manager01", Role.MANAGER, password_hash, is_staff=True, first_name="Manager")
        logins.append(DemoLogin(manager.username, Role.MANAGER, "all service points"))
        agent = _user("agent01", Role.HOTLINE_AGENT, password_hash, first_name="12367")
        logins.append(DemoLogin(agent.username, Role.HOTLINE_AGENT, "hotline 12367"))
        hotel = _user(
            "hotel01", Role.HOTEL_OPERATOR, password_hash, organisation="Qingdao Harbour View Hotel"
        )
        logins.append(DemoLogin(hotel.username, Role.HOTEL_OPERATOR, hotel.organisation))

        for index, hall in enumerate(demo_province_halls(), start=1):
            officer = _user(f"officer{index:02d}", Role.OFFICER, password_hash)
            officer.service_points.set([hall])
            logins.append(DemoLogin(officer.username, Role.OFFICER, hall.code))
            supervisor = _user(f"supervisor{index:02d}", Role.SUPERVISOR, password_hash)
            supervisor.service_points.set([hall])
            logins.append(DemoLogin(supervisor.username, Role.SUPERVISOR, hall.code))

        for number in range(1, APPLICANT_COUNT + 1):
            facts = _applicant_person(rng, number, today)
            id_number = facts.pop("id_number")
            person, _created = Person.objects.update_or_create(id_number=id_number, defaults=facts)
            _held_documents(rng, person, number, today)
            _user(
                f"applicant{number:03d}",
                Role.APPLICANT,
                password_hash,
                person=person,
                phone=person.phone,
                first_name=person.full_name,
            )
        applicants_note = "applicant001: Jinan, passport expiring"
        logins.append(DemoLogin("applicant001–applicant200", Role.APPLICANT, applicants_note))
        record_event(
            "demo.accounts_seeded",
            actor=None,
            object_type="accounts.user",
            applicants=APPLICANT_COUNT,
            staff=len(logins) - 1,
        )
    return logins
