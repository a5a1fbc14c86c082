"""Demo crossings for the demo applicants (called by `exitentry seed-demo`; idempotent)."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction

from exitentry.core import clock
from exitentry.identity.models import HeldDocument, HeldDocumentType, Person
from exitentry.records.models import Direction, Port, TravelRecord

PORTS = {
    "qingdao-air": {
        "zh-hans": "青岛胶东国际机场",
        "en": "Qingdao Jiaodong International Airport",
        "ru": "Международный аэропорт Циндао Цзяодун",
        "ja": "青島膠東国際空港",
        "ko": "칭다오 자오둥 국제공항",
    },
    "jinan-air": {
        "zh-hans": "济南遥墙国际机场",
        "en": "Jinan Yaoqiang International Airport",
        "ru": "Международный аэропорт Цзинань Яоцян",
        "ja": "済南遥牆国際空港",
        "ko": "지난 야오창 국제공항",
    },
    "yantai-port": {
        "zh-hans": "烟台港",
        "en": "Port of Yantai",
        "ru": "Порт Яньтай",
        "ja": "煙台港",
        "ko": "옌타이항",
    },
    "shenzhen-bay": {
        "zh-hans": "深圳湾口岸",
        "en": "Shenzhen Bay Port",
        "ru": "КПП Шэньчжэньский залив",
        "ja": "深圳湾口岸",
        "ko": "선전만 통상구",
    },
    "gongbei": {
        "zh-hans": "拱北口岸",
        "en": "Gongbei Port",
        "ru": "КПП Гунбэй",
        "ja": "拱北口岸",
        "ko": "궁베이 통상구",
    },
    "beijing-capital": {
        "zh-hans": "北京首都国际机场",
        "en": "Beijing Capital International Airport",
        "ru": "Столичный международный аэропорт Пекина",
        "ja": "北京首都国際空港",
        "ko": "베이징 서우두 국제공항",
    },
}
# Ports reached on a permit to Hong Kong or Macau rather than on a passport.
PERMIT_PORTS = {"shenzhen-bay": HeldDocumentType.HK_MACAU_PERMIT, "gongbei": HeldDocumentType.HK_MACAU_PERMIT}
APPLICANTS_WITH_TRAVEL = 200
TRIPS_MAX = 5


def seed_ports() -> dict[str, Port]:
    ports = {}
    for code, names in PORTS.items():
        ports[code], _created = Port.objects.update_or_create(code=code, defaults={"names": names})
    return ports


def _document_for(person: Person, document_type: str, number: int) -> str:
    held = (
        HeldDocument.objects.filter(person=person, document_type=document_type).order_by("-issued_on").first()
    )
    if held is not None:
        return held.number
    prefix = "E" if document_type == HeldDocumentType.PASSPORT else "C"
    return f"{prefix}{number:08d}"


@transaction.atomic
def seed_travel_records() -> int:
    """Up to five round trips in the last three years for each demo applicant; returns how many rows."""
    ports = seed_ports()
    today = clock.today()
    people = Person.objects.filter(account__username__startswith="applicant").order_by("account__username")
    created = 0
    for number, person in enumerate(people[:APPLICANTS_WITH_TRAVEL], start=1):
        if TravelRecord.objects.filter(person=person).exists():
            continue
        rng = random.Random(f"records:{person.id_number}")  # noqa: S311 - seeded, reproducible demo data
        rows = []
        start = today - dt.timedelta(days=3 * 365)
        for _trip in range(rng.randint(1, TRIPS_MAX)):
            start += dt.timedelta(days=rng.randint(20, 200))
            back = start + dt.timedelta(days=rng.randint(2, 20))
            if back >= today:
                break
            code = rng.choice(sorted(ports))
            document_type = PERMIT_PORTS.get(code, HeldDocumentType.PASSPORT)
            document_number = _document_for(person, document_type, number)
            for day, direction in ((start, Direction.EXIT), (back, Direction.ENTRY)):
                rows.append(
                    TravelRecord(
                        person=person,
                        crossed_on=day,
                        port=ports[code],
                        direction=direction,
                        document_type=document_type,
                        document_number=document_number,
                    )
                )
            start = back
        TravelRecord.objects.bulk_create(rows)
        created += len(rows)
    return created
