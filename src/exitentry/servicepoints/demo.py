"""The demo service network of Shandong: halls, a 24-hour zone, an airport port visa office.

`seed_service_network()` is idempotent (natural keys, update_or_create) and is called by
`exitentry seed-demo` after the catalog's cities exist; a missing city is created here. Addresses
and coordinates are realistic but illustrative, not an official directory.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction

from exitentry.audit.services import record_event
from exitentry.catalog.models import City
from exitentry.core import clock
from exitentry.servicepoints.models import (
    CalendarRule,
    CapacityPlan,
    Counter,
    OpeningHours,
    ServicePoint,
    ServicePointKind,
    SessionKind,
    Skill,
)
from exitentry.servicepoints.services import GenerationSummary, generate_slots

PLANS_FROM = dt.date(2024, 1, 1)

CITIES: dict[str, tuple[dict[str, str], str, str]] = {
    "370100": (
        {"zh-hans": "济南市", "en": "Jinan", "ru": "Цзинань", "ja": "済南市", "ko": "지난시"},
        "36.651200",
        "117.120100",
    ),
    "370200": (
        {"zh-hans": "青岛市", "en": "Qingdao", "ru": "Циндао", "ja": "青島市", "ko": "칭다오시"},
        "36.067100",
        "120.382600",
    ),
    "370300": (
        {"zh-hans": "淄博市", "en": "Zibo", "ru": "Цзыбо", "ja": "淄博市", "ko": "쯔보시"},
        "36.813100",
        "118.054800",
    ),
    "370600": (
        {"zh-hans": "烟台市", "en": "Yantai", "ru": "Яньтай", "ja": "煙台市", "ko": "옌타이시"},
        "37.463800",
        "121.447900",
    ),
    "370700": (
        {"zh-hans": "潍坊市", "en": "Weifang", "ru": "Вэйфан", "ja": "濰坊市", "ko": "웨이팡시"},
        "36.706900",
        "119.161800",
    ),
    "370800": (
        {"zh-hans": "济宁市", "en": "Jining", "ru": "Цзинин", "ja": "済寧市", "ko": "지닝시"},
        "35.415000",
        "116.587200",
    ),
    "371300": (
        {"zh-hans": "临沂市", "en": "Linyi", "ru": "Линьи", "ja": "臨沂市", "ko": "린이시"},
        "35.104100",
        "118.356400",
    ),
}


def _names(zh: str, en: str, ru: str, ja: str, ko: str) -> dict[str, str]:
    return {"zh-hans": zh, "en": en, "ru": ru, "ja": ja, "ko": ko}


T = dt.time
MON_FRI = range(0, 5)
# (weekdays, session kind, opens, closes, no lunch break, seasonal)
HoursRow = tuple[Sequence[int], str, dt.time, dt.time, bool, bool]
CounterRow = tuple[str, Sequence[str]]
# (skill, session kind, slot minutes, places per slot)
PlanRow = tuple[str, str, int, int]


@dataclass
class DemoPoint:
    code: str
    city: str
    kind: str
    names: dict[str, str]
    addresses: dict[str, str]
    lat: str
    lon: str
    phone: str
    calendar_rule: str = CalendarRule.WORKING_DAYS
    hours: list[HoursRow] = field(default_factory=list)
    counters: list[CounterRow] = field(default_factory=list)
    plans: list[PlanRow] = field(default_factory=list)


CITIZENS = Skill.CITIZENS_DOCUMENTS
ENDORSE = Skill.ENDORSEMENTS
FOREIGN = Skill.FOREIGNERS

BIG_HALL_COUNTERS: list[CounterRow] = [
    ("1", [CITIZENS]),
    ("2", [CITIZENS]),
    ("3", [CITIZENS]),
    ("4", [CITIZENS, ENDORSE]),
    ("5", [ENDORSE]),
    ("6", [ENDORSE]),
    ("7", [CITIZENS, Skill.GREEN_CHANNEL]),
    ("8", [CITIZENS, Skill.EMERGENCY]),
]
HALL_COUNTERS: list[CounterRow] = [
    ("1", [CITIZENS]),
    ("2", [CITIZENS]),
    ("3", [CITIZENS, ENDORSE]),
    ("4", [ENDORSE]),
    ("5", [CITIZENS, Skill.GREEN_CHANNEL, Skill.EMERGENCY]),
]
NO_LUNCH_WEEKDAYS: list[HoursRow] = [(MON_FRI, SessionKind.REGULAR, T(9, 0), T(17, 0), True, False)]
LUNCH_BREAK_WEEKDAYS: list[HoursRow] = [
    (MON_FRI, SessionKind.REGULAR, T(8, 30), T(12, 0), False, False),
    (MON_FRI, SessionKind.REGULAR, T(13, 30), T(17, 30), False, False),
]
EVENINGS: list[HoursRow] = [((1, 3), SessionKind.EVENING, T(17, 30), T(20, 0), False, False)]
SATURDAY: list[HoursRow] = [((5,), SessionKind.WEEKEND, T(9, 0), T(16, 0), True, False)]
STUDENT_SUMMER: list[HoursRow] = [
    ((0, 2, 4), SessionKind.STUDENT, T(17, 30), T(19, 30), False, True),
    ((6,), SessionKind.STUDENT, T(9, 0), T(12, 0), False, True),
]
ROUND_THE_CLOCK: list[HoursRow] = [(range(0, 7), SessionKind.REGULAR, T(0, 0), T(0, 0), True, False)]
HALL_PLANS: list[PlanRow] = [
    (CITIZENS, SessionKind.REGULAR, 30, 6),
    (ENDORSE, SessionKind.REGULAR, 30, 4),
    (CITIZENS, SessionKind.EVENING, 30, 3),
    (ENDORSE, SessionKind.EVENING, 30, 2),
    (CITIZENS, SessionKind.WEEKEND, 30, 4),
    (ENDORSE, SessionKind.WEEKEND, 30, 2),
    (CITIZENS, SessionKind.STUDENT, 30, 4),
]

POINTS = [
    DemoPoint(
        code="jinan-lixia-hall",
        city="370100",
        kind=ServicePointKind.HALL,
        names=_names(
            "济南市出入境接待大厅",
            "Jinan Exit-Entry Service Hall",
            "Зал обслуживания по въезду и выезду, Цзинань",
            "済南市出入国サービスホール",
            "지난시 출입국 민원실",
        ),
        addresses=_names(
            "济南市历下区经十路 14567 号",
            "14567 Jingshi Road, Lixia District, Jinan",
            "Цзинань, район Лися, ул. Цзинши, 14567",
            "済南市歴下区経十路14567号",
            "지난시 리샤구 징스로 14567",
        ),
        lat="36.665700",
        lon="117.073600",
        phone="0531-85080000",
        hours=NO_LUNCH_WEEKDAYS + EVENINGS + SATURDAY + STUDENT_SUMMER,
        counters=BIG_HALL_COUNTERS,
        plans=HALL_PLANS,
    ),
    DemoPoint(
        code="jinan-foreigners-hall",
        city="370100",
        kind=ServicePointKind.FOREIGNERS_HALL,
        names=_names(
            "济南市外国人服务大厅",
            "Jinan Service Hall for Foreigners",
            "Зал обслуживания иностранцев, Цзинань",
            "済南市外国人サービスホール",
            "지난시 외국인 민원실",
        ),
        addresses=_names(
            "济南市历城区花园路 101 号",
            "101 Huayuan Road, Licheng District, Jinan",
            "Цзинань, район Личэн, ул. Хуаюань, 101",
            "済南市歴城区花園路101号",
            "지난시 리청구 화위안로 101",
        ),
        lat="36.688900",
        lon="117.063500",
        phone="0531-85080100",
        hours=LUNCH_BREAK_WEEKDAYS,
        counters=[("1", [FOREIGN]), ("2", [FOREIGN]), ("3", [FOREIGN, Skill.EMERGENCY])],
        plans=[(FOREIGN, SessionKind.REGULAR, 30, 3)],
    ),
    DemoPoint(
        code="jinan-quancheng-24h",
        city="370100",
        kind=ServicePointKind.SELF_SERVICE,
        names=_names(
            "泉城广场 24 小时自助服务区",
            "Quancheng Square 24-hour Self-service Zone",
            "Круглосуточная зона самообслуживания на площади Цюаньчэн",
            "泉城広場24時間セルフサービスコーナー",
            "취안청 광장 24시간 셀프서비스 구역",
        ),
        addresses=_names(
            "济南市历下区泉城广场地下一层",
            "Basement 1, Quancheng Square, Lixia District, Jinan",
            "Цзинань, район Лися, площадь Цюаньчэн, подземный этаж 1",
            "済南市歴下区泉城広場地下1階",
            "지난시 리샤구 취안청 광장 지하 1층",
        ),
        lat="36.661500",
        lon="117.021300",
        phone="",
        calendar_rule=CalendarRule.EVERY_DAY,
        hours=ROUND_THE_CLOCK,
    ),
    DemoPoint(
        code="qingdao-shinan-hall",
        city="370200",
        kind=ServicePointKind.HALL,
        names=_names(
            "青岛市出入境接待大厅",
            "Qingdao Exit-Entry Service Hall",
            "Зал обслуживания по въезду и выезду, Циндао",
            "青島市出入国サービスホール",
            "칭다오시 출입국 민원실",
        ),
        addresses=_names(
            "青岛市市南区宁夏路 272 号",
            "272 Ningxia Road, Shinan District, Qingdao",
            "Циндао, район Шинань, ул. Нинся, 272",
            "青島市市南区寧夏路272号",
            "칭다오시 스난구 닝샤로 272",
        ),
        lat="36.073600",
        lon="120.389800",
        phone="0532-66570000",
        hours=NO_LUNCH_WEEKDAYS + EVENINGS + SATURDAY + STUDENT_SUMMER,
        counters=BIG_HALL_COUNTERS,
        plans=HALL_PLANS,
    ),
    DemoPoint(
        code="qingdao-jiaodong-airport-port",
        city="370200",
        kind=ServicePointKind.PORT,
        names=_names(
            "青岛胶东国际机场口岸签证处",
            "Qingdao Jiaodong International Airport Port Visa Office",
            "Пункт выдачи виз в аэропорту Цзяодун, Циндао",
            "青島膠東国際空港ポートビザ事務所",
            "칭다오 자오둥 국제공항 도착비자 사무소",
        ),
        addresses=_names(
            "青岛市胶州市胶东国际机场 T1 航站楼国际到达厅",
            "International Arrivals, Terminal 1, Jiaodong International Airport, Jiaozhou, Qingdao",
            "Циндао, Цзяочжоу, аэропорт Цзяодун, терминал 1, международные прилёты",
            "青島市膠州市膠東国際空港第1ターミナル国際線到着ロビー",
            "칭다오시 자오저우시 자오둥 국제공항 제1터미널 국제선 도착장",
        ),
        lat="36.362200",
        lon="120.088100",
        phone="0532-66789000",
        calendar_rule=CalendarRule.EVERY_DAY,
        hours=ROUND_THE_CLOCK,
        counters=[("1", [FOREIGN, Skill.EMERGENCY]), ("2", [FOREIGN])],
    ),
    DemoPoint(
        code="zibo-zhangdian-hall",
        city="370300",
        kind=ServicePointKind.HALL,
        names=_names(
            "淄博市出入境接待大厅",
            "Zibo Exit-Entry Service Hall",
            "Зал обслуживания по въезду и выезду, Цзыбо",
            "淄博市出入国サービスホール",
            "쯔보시 출입국 민원실",
        ),
        addresses=_names(
            "淄博市张店区人民西路 21 号",
            "21 Renmin West Road, Zhangdian District, Zibo",
            "Цзыбо, район Чжандянь, ул. Жэньминь Западная, 21",
            "淄博市張店区人民西路21号",
            "쯔보시 장뎬구 런민시로 21",
        ),
        lat="36.806700",
        lon="118.047600",
        phone="0533-2186000",
        hours=LUNCH_BREAK_WEEKDAYS,
        counters=HALL_COUNTERS,
        plans=HALL_PLANS,
    ),
    DemoPoint(
        code="yantai-laishan-hall",
        city="370600",
        kind=ServicePointKind.HALL,
        names=_names(
            "烟台市出入境接待大厅",
            "Yantai Exit-Entry Service Hall",
            "Зал обслуживания по въезду и выезду, Яньтай",
            "煙台市出入国サービスホール",
            "옌타이시 출입국 민원실",
        ),
        addresses=_names(
            "烟台市莱山区港城东大街 1169 号",
            "1169 Gangcheng East Street, Laishan District, Yantai",
            "Яньтай, район Лайшань, ул. Ганчэн Восточная, 1169",
            "煙台市莱山区港城東大街1169号",
            "옌타이시 라이산구 강청둥다제 1169",
        ),
        lat="37.473500",
        lon="121.441200",
        phone="0535-6650000",
        hours=NO_LUNCH_WEEKDAYS + SATURDAY,
        counters=HALL_COUNTERS,
        plans=HALL_PLANS,
    ),
    DemoPoint(
        code="weifang-kuiwen-hall",
        city="370700",
        kind=ServicePointKind.HALL,
        names=_names(
            "潍坊市出入境接待大厅",
            "Weifang Exit-Entry Service Hall",
            "Зал обслуживания по въезду и выезду, Вэйфан",
            "濰坊市出入国サービスホール",
            "웨이팡시 출입국 민원실",
        ),
        addresses=_names(
            "潍坊市奎文区福寿东街 6396 号",
            "6396 Fushou East Street, Kuiwen District, Weifang",
            "Вэйфан, район Куйвэнь, ул. Фушоу Восточная, 6396",
            "濰坊市奎文区福寿東街6396号",
            "웨이팡시 쿠이원구 푸서우둥제 6396",
        ),
        lat="36.707700",
        lon="119.131300",
        phone="0536-8786000",
        hours=NO_LUNCH_WEEKDAYS + EVENINGS,
        counters=HALL_COUNTERS,
        plans=HALL_PLANS,
    ),
    DemoPoint(
        code="jining-rencheng-hall",
        city="370800",
        kind=ServicePointKind.HALL,
        names=_names(
            "济宁市出入境接待大厅",
            "Jining Exit-Entry Service Hall",
            "Зал обслуживания по въезду и выезду, Цзинин",
            "済寧市出入国サービスホール",
            "지닝시 출입국 민원실",
        ),
        addresses=_names(
            "济宁市任城区太白湖路 19 号",
            "19 Taibaihu Road, Rencheng District, Jining",
            "Цзинин, район Жэньчэн, ул. Тайбайху, 19",
            "済寧市任城区太白湖路19号",
            "지닝시 런청구 타이바이후로 19",
        ),
        lat="35.402300",
        lon="116.595800",
        phone="0537-2967000",
        hours=LUNCH_BREAK_WEEKDAYS,
        counters=HALL_COUNTERS,
        plans=HALL_PLANS,
    ),
    DemoPoint(
        code="linyi-lanshan-hall",
        city="371300",
        kind=ServicePointKind.HALL,
        names=_names(
            "临沂市出入境接待大厅",
            "Linyi Exit-Entry Service Hall",
            "Зал обслуживания по въезду и выезду, Линьи",
            "臨沂市出入国サービスホール",
            "린이시 출입국 민원실",
        ),
        addresses=_names(
            "临沂市兰山区北京路 9 号",
            "9 Beijing Road, Lanshan District, Linyi",
            "Линьи, район Ланьшань, ул. Пекинская, 9",
            "臨沂市蘭山区北京路9号",
            "린이시 란산구 베이징로 9",
        ),
        lat="35.064800",
        lon="118.356400",
        phone="0539-8127000",
        hours=NO_LUNCH_WEEKDAYS + SATURDAY,
        counters=HALL_COUNTERS,
        plans=HALL_PLANS,
    ),
]


def _student_season(today: dt.date) -> tuple[dt.date, dt.date]:
    """The coming (or current) summer holidays: 1 July to 31 August."""
    year = today.year if today <= dt.date(today.year, 8, 31) else today.year + 1
    return dt.date(year, 7, 1), dt.date(year, 8, 31)


def _ensure_city(code: str) -> City:
    names, lat, lon = CITIES[code]
    city, _created = City.objects.get_or_create(
        code=code,
        defaults={
            "names": names,
            "province_code": code[:2],
            "latitude": Decimal(lat),
            "longitude": Decimal(lon),
        },
    )
    return city


def _seed_point(spec: DemoPoint, season: tuple[dt.date, dt.date]) -> ServicePoint:
    point, _created = ServicePoint.objects.update_or_create(
        code=spec.code,
        defaults={
            "kind": spec.kind,
            "city": _ensure_city(spec.city),
            "names": spec.names,
            "addresses": spec.addresses,
            "latitude": Decimal(spec.lat),
            "longitude": Decimal(spec.lon),
            "phone": spec.phone,
            "is_active": True,
            "calendar_rule": spec.calendar_rule,
        },
    )
    kept_hours = []
    for weekdays, kind, opens, closes, no_lunch_break, seasonal in spec.hours:
        for weekday in weekdays:
            session, _created = OpeningHours.objects.update_or_create(
                service_point=point,
                weekday=weekday,
                kind=kind,
                opens=opens,
                defaults={
                    "closes": closes,
                    "no_lunch_break": no_lunch_break,
                    "valid_from": season[0] if seasonal else None,
                    "valid_to": season[1] if seasonal else None,
                },
            )
            kept_hours.append(session.pk)
    # The demo converges on its spec: sessions from an older version of it go.
    OpeningHours.objects.filter(service_point=point).exclude(pk__in=kept_hours).delete()
    for number, skills in spec.counters:
        Counter.objects.update_or_create(
            service_point=point, number=number, defaults={"skills": list(skills), "is_active": True}
        )
    kept_plans = []
    for skill, session_kind, minutes, places in spec.plans:
        plan, _created = CapacityPlan.objects.update_or_create(
            service_point=point,
            skill=skill,
            weekday=None,
            session_kind=session_kind,
            effective_from=PLANS_FROM,
            defaults={"slot_minutes": minutes, "capacity_per_slot": places, "effective_to": None},
        )
        kept_plans.append(plan.pk)
    CapacityPlan.objects.filter(service_point=point).exclude(pk__in=kept_plans).delete()
    return point


def seed_service_network(days: int = 30) -> GenerationSummary:
    """Create or refresh the demo network, then generate slots for the next `days` days."""
    from exitentry.appointments.services import ensure_default_booking_policy

    season = _student_season(clock.today())
    with transaction.atomic():
        points = [_seed_point(spec, season) for spec in POINTS]
        record_event(
            "servicepoints.demo_network_seeded",
            actor="system",
            object_type="servicepoints.servicepoint",
            codes=[p.code for p in points],
        )
    ensure_default_booking_policy()
    return generate_slots(clock.today(), days)
