"""Demo data of the foreigners' services for `exitentry seed-demo` (idempotent, deterministic).

- The ten places in Beijing that serve foreigners (seed 004). The seed names five of them: the
  Beijing Government Service Center, the foreigners' halls of the Tongzhou branch and of the
  Economic-Technological Development Area (Daxing branch), the CBD International Talent One-Stop
  Service Center, and the Fengtai District Government Service Center; the other five are the
  municipal exit-entry hall and district branches where the seed says foreigners live, work and
  study. Addresses and coordinates are illustrative, not an official directory.
- Port visa offices open around the clock at airports and a seaport.
- Accounts: employer01 (enterprise), workpermit01 (work-permit office), an exit-entry officer at
  every foreigners' hall (bjofficer01–10) and port (portofficer01–03), engineer01 (a foreign
  engineer with a passport on file) and talent01 (holder of a category A work permit).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction

from exitentry.accounts.demo import DEMO_PASSWORD, DemoLogin
from exitentry.accounts.models import Role, User
from exitentry.audit.services import record_event
from exitentry.catalog.models import City
from exitentry.core import clock
from exitentry.foreigners.models import ForeignPassport, WorkPermit, WorkPermitCategory
from exitentry.identity.models import Person
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

PLANS_FROM = dt.date(2024, 1, 1)
EMPLOYER = "Zhongguancun Robotics Co., Ltd."


def _names(zh: str, en: str, ru: str, ja: str, ko: str) -> dict[str, str]:
    return {"zh-hans": zh, "en": en, "ru": ru, "ja": ja, "ko": ko}


# (code, names, addresses, latitude, longitude, phone)
HALLS = [
    (
        "bj-government-service-center",
        _names(
            "北京市政务服务中心（外国人工作许可和居留许可联办窗口）",
            "Beijing Government Service Center (joint work and residence permit windows)",
            "Центр госуслуг Пекина (окна совместного оформления)",
            "北京市政務サービスセンター（就労・居留許可同時申請窓口）",
            "베이징시 정무서비스센터(취업·거류 허가 동시 신청 창구)",
        ),
        _names(
            "北京市丰台区西三环南路1号",
            "1 West Third Ring Road South, Fengtai District, Beijing",
            "Пекин, район Фэнтай, Западная 3-я кольцевая дорога Южная, 1",
            "北京市豊台区西三環南路1号",
            "베이징시 펑타이구 시싼환난루 1호",
        ),
        "39.858300",
        "116.309700",
        "010-89150000",
    ),
    (
        "bj-andingmen-foreigners-hall",
        _names(
            "北京市公安局出入境管理总队外国人服务大厅",
            "Beijing Exit-Entry Administration: Service Hall for Foreigners",
            "Управление въезда и выезда Пекина: зал обслуживания иностранцев",
            "北京市公安局出入境管理総隊 外国人サービスホール",
            "베이징시 공안국 출입국관리총대 외국인 서비스홀",
        ),
        _names(
            "北京市东城区安定门东大街2号",
            "2 Andingmen East Street, Dongcheng District, Beijing",
            "Пекин, район Дунчэн, ул. Аньдинмэнь Восточная, 2",
            "北京市東城区安定門東大街2号",
            "베이징시 둥청구 안딩먼둥다제 2호",
        ),
        "39.949000",
        "116.417500",
        "010-84020101",
    ),
    (
        "bj-cbd-talent-one-stop",
        _names(
            "北京CBD国际人才一站式服务中心",
            "Beijing CBD International Talent One-Stop Service Center",
            "Центр обслуживания иностранных специалистов «одно окно» в CBD Пекина",
            "北京CBD国際人材ワンストップサービスセンター",
            "베이징 CBD 국제인재 원스톱 서비스센터",
        ),
        _names(
            "北京市朝阳区光华路",
            "Guanghua Road, Chaoyang District, Beijing",
            "Пекин, район Чаоян, ул. Гуанхуа",
            "北京市朝陽区光華路",
            "베이징시 차오양구 광화루",
        ),
        "39.914500",
        "116.459800",
        "010-85999000",
    ),
    (
        "bj-tongzhou-foreigners-hall",
        _names(
            "通州分局外国人出入境服务大厅",
            "Tongzhou Branch: Exit-Entry Service Hall for Foreigners",
            "Отделение Тунчжоу: зал обслуживания иностранцев",
            "通州分局 外国人出入国サービスホール",
            "퉁저우 분국 외국인 출입국 서비스홀",
        ),
        _names(
            "北京市通州区新华东街",
            "Xinhua East Street, Tongzhou District, Beijing",
            "Пекин, район Тунчжоу, ул. Синьхуа Восточная",
            "北京市通州区新華東街",
            "베이징시 퉁저우구 신화둥제",
        ),
        "39.909800",
        "116.662400",
        "010-69546000",
    ),
    (
        "bj-etdz-foreigners-hall",
        _names(
            "大兴分局经济技术开发区外国人出入境服务大厅",
            "Daxing Branch: Economic-Technological Development Area Service Hall for Foreigners",
            "Отделение Дасин: зал обслуживания иностранцев в зоне экономико-технического развития",
            "大興分局 経済技術開発区 外国人出入国サービスホール",
            "다싱 분국 경제기술개발구 외국인 출입국 서비스홀",
        ),
        _names(
            "北京经济技术开发区荣华中路",
            "Ronghua Middle Road, Beijing Economic-Technological Development Area",
            "Пекинская зона экономико-технического развития, ул. Жунхуа Средняя",
            "北京経済技術開発区栄華中路",
            "베이징 경제기술개발구 룽화중루",
        ),
        "39.795200",
        "116.506800",
        "010-67856000",
    ),
    (
        "bj-fengtai-foreigners-hall",
        _names(
            "丰台区政务服务中心外国人出入境服务大厅",
            "Fengtai District Government Service Center: Exit-Entry Hall for Foreigners",
            "Центр госуслуг района Фэнтай: зал для иностранцев",
            "豊台区政務サービスセンター 外国人出入国ホール",
            "펑타이구 정무서비스센터 외국인 출입국 홀",
        ),
        _names(
            "北京市丰台区丰台镇文体路",
            "Wenti Road, Fengtai Town, Fengtai District, Beijing",
            "Пекин, район Фэнтай, ул. Вэньти",
            "北京市豊台区豊台鎮文体路",
            "베이징시 펑타이구 원티루",
        ),
        "39.858000",
        "116.286800",
        "010-63856000",
    ),
    (
        "bj-haidian-foreigners-hall",
        _names(
            "海淀分局外国人出入境服务大厅",
            "Haidian Branch: Exit-Entry Service Hall for Foreigners",
            "Отделение Хайдянь: зал обслуживания иностранцев",
            "海淀分局 外国人出入国サービスホール",
            "하이뎬 분국 외국인 출입국 서비스홀",
        ),
        _names(
            "北京市海淀区中关村",
            "Zhongguancun, Haidian District, Beijing",
            "Пекин, район Хайдянь, Чжунгуаньцунь",
            "北京市海淀区中関村",
            "베이징시 하이뎬구 중관춘",
        ),
        "39.983700",
        "116.316400",
        "010-82519000",
    ),
    (
        "bj-chaoyang-foreigners-hall",
        _names(
            "朝阳分局外国人出入境服务大厅",
            "Chaoyang Branch: Exit-Entry Service Hall for Foreigners",
            "Отделение Чаоян: зал обслуживания иностранцев",
            "朝陽分局 外国人出入国サービスホール",
            "차오양 분국 외국인 출입국 서비스홀",
        ),
        _names(
            "北京市朝阳区望京",
            "Wangjing, Chaoyang District, Beijing",
            "Пекин, район Чаоян, Ванцзин",
            "北京市朝陽区望京",
            "베이징시 차오양구 왕징",
        ),
        "39.996000",
        "116.470700",
        "010-84729000",
    ),
    (
        "bj-shunyi-foreigners-hall",
        _names(
            "顺义分局外国人出入境服务大厅",
            "Shunyi Branch: Exit-Entry Service Hall for Foreigners",
            "Отделение Шуньи: зал обслуживания иностранцев",
            "順義分局 外国人出入国サービスホール",
            "순이 분국 외국인 출입국 서비스홀",
        ),
        _names(
            "北京市顺义区府前街",
            "Fuqian Street, Shunyi District, Beijing",
            "Пекин, район Шуньи, ул. Фуцянь",
            "北京市順義区府前街",
            "베이징시 순이구 푸첸제",
        ),
        "40.130000",
        "116.654500",
        "010-69443000",
    ),
    (
        "bj-fangshan-foreigners-hall",
        _names(
            "房山分局外国人出入境服务大厅",
            "Fangshan Branch: Exit-Entry Service Hall for Foreigners",
            "Отделение Фаншань: зал обслуживания иностранцев",
            "房山分局 外国人出入国サービスホール",
            "팡산 분국 외국인 출입국 서비스홀",
        ),
        _names(
            "北京市房山区良乡",
            "Liangxiang, Fangshan District, Beijing",
            "Пекин, район Фаншань, Лянсян",
            "北京市房山区良郷",
            "베이징시 팡산구 량샹",
        ),
        "39.735500",
        "116.139200",
        "010-69357000",
    ),
]

# (code, city, names, addresses, latitude, longitude, phone)
PORTS = [
    (
        "bj-capital-airport-port",
        "110000",
        _names(
            "北京首都国际机场口岸签证处",
            "Beijing Capital International Airport Port Visa Office",
            "Пункт выдачи виз в международном аэропорту Пекин Шоуду",
            "北京首都国際空港ポートビザ事務所",
            "베이징 서우두 국제공항 도착비자 사무소",
        ),
        _names(
            "首都国际机场 T3 航站楼国际到达",
            "International Arrivals, Terminal 3, Beijing Capital International Airport",
            "Аэропорт Шоуду, терминал 3, международные прилёты",
            "首都国際空港第3ターミナル国際線到着",
            "서우두 국제공항 제3터미널 국제선 도착",
        ),
        "40.080100",
        "116.603100",
        "010-64598000",
    ),
    (
        "bj-daxing-airport-port",
        "110000",
        _names(
            "北京大兴国际机场口岸签证处",
            "Beijing Daxing International Airport Port Visa Office",
            "Пункт выдачи виз в международном аэропорту Пекин Дасин",
            "北京大興国際空港ポートビザ事務所",
            "베이징 다싱 국제공항 도착비자 사무소",
        ),
        _names(
            "大兴国际机场航站楼国际到达",
            "International Arrivals, Beijing Daxing International Airport",
            "Аэропорт Дасин, международные прилёты",
            "大興国際空港国際線到着",
            "다싱 국제공항 국제선 도착",
        ),
        "39.509200",
        "116.410500",
        "010-60698000",
    ),
    (
        "qingdao-cruise-port",
        "370200",
        _names(
            "青岛国际邮轮母港口岸签证处",
            "Qingdao International Cruise Home Port Visa Office",
            "Пункт выдачи виз в международном круизном порту Циндао",
            "青島国際クルーズ母港ポートビザ事務所",
            "칭다오 국제 크루즈 모항 도착비자 사무소",
        ),
        _names(
            "青岛市市北区港青路",
            "Gangqing Road, Shibei District, Qingdao",
            "Циндао, район Шибэй, ул. Ганцин",
            "青島市市北区港青路",
            "칭다오시 스베이구 강칭루",
        ),
        "36.082000",
        "120.315000",
        "0532-82826000",
    ),
]

WEEKDAYS = range(0, 5)


def _seed_point(
    code: str,
    city: City,
    kind: str,
    names: dict[str, str],
    addresses: dict[str, str],
    lat: str,
    lon: str,
    phone: str,
) -> ServicePoint:
    around_the_clock = kind == ServicePointKind.PORT
    point, _created = ServicePoint.objects.update_or_create(
        code=code,
        defaults={
            "kind": kind,
            "city": city,
            "names": names,
            "addresses": addresses,
            "latitude": Decimal(lat),
            "longitude": Decimal(lon),
            "phone": phone,
            "is_active": True,
            "calendar_rule": CalendarRule.EVERY_DAY if around_the_clock else CalendarRule.WORKING_DAYS,
        },
    )
    days = range(0, 7) if around_the_clock else WEEKDAYS
    opens, closes = (dt.time(0, 0), dt.time(0, 0)) if around_the_clock else (dt.time(9, 0), dt.time(17, 0))
    kept = []
    for weekday in days:
        hours, _created = OpeningHours.objects.update_or_create(
            service_point=point,
            weekday=weekday,
            kind=SessionKind.REGULAR,
            opens=opens,
            defaults={"closes": closes, "no_lunch_break": True, "valid_from": None, "valid_to": None},
        )
        kept.append(hours.pk)
    OpeningHours.objects.filter(service_point=point).exclude(pk__in=kept).delete()
    for number in ("1", "2", "3"):
        skills = (
            [Skill.FOREIGNERS, Skill.EMERGENCY] if number == "1" and around_the_clock else [Skill.FOREIGNERS]
        )
        Counter.objects.update_or_create(
            service_point=point, number=number, defaults={"skills": skills, "is_active": True}
        )
    if not around_the_clock:
        CapacityPlan.objects.update_or_create(
            service_point=point,
            skill=Skill.FOREIGNERS,
            weekday=None,
            session_kind=SessionKind.REGULAR,
            effective_from=PLANS_FROM,
            defaults={"slot_minutes": 30, "capacity_per_slot": 4, "effective_to": None},
        )
    return point


def _city(code: str) -> City:
    return City.objects.get(code=code)


def _check_digit(text: str) -> str:
    values = {**{str(d): d for d in range(10)}, **{chr(65 + i): 10 + i for i in range(26)}, "<": 0}
    weights = (7, 3, 1)
    return str(sum(values[char] * weights[i % 3] for i, char in enumerate(text)) % 10)


def passport_mrz(
    *,
    surname: str,
    given_names: str,
    nationality: str,
    number: str,
    birth: dt.date,
    sex: str,
    expiry: dt.date,
) -> str:
    """A valid two-line passport MRZ (ICAO 9303 TD3) for demo people and tests."""
    name = f"{surname}<<{given_names.replace(' ', '<')}".upper()
    line1 = f"P<{nationality}{name}".ljust(44, "<")[:44]
    doc = number.upper().ljust(9, "<")
    birth_s, expiry_s = f"{birth:%y%m%d}", f"{expiry:%y%m%d}"
    optional = "<" * 14
    body = (
        f"{doc}{_check_digit(doc)}{nationality}{birth_s}{_check_digit(birth_s)}{sex}"
        f"{expiry_s}{_check_digit(expiry_s)}{optional}{_check_digit(optional)}"
    )
    composite = body[0:10] + body[13:20] + body[21:43]
    return f"{line1}\n{body}{_check_digit(composite)}"


def _foreigner(
    *, surname: str, given_names: str, nationality: str, number: str, birth: dt.date, sex: str, phone: str
) -> Person:
    now = clock.now()
    passport = ForeignPassport.objects.filter(nationality=nationality, number=number).first()
    expiry = dt.date(clock.today().year + 6, 5, 31)
    if passport is None:
        person = Person.objects.create(
            full_name=f"{given_names} {surname}",
            nationality=nationality,
            birth_date=birth,
            sex=sex,
            phone=phone,
        )
        ForeignPassport.objects.create(
            person=person,
            nationality=nationality,
            number=number,
            surname=surname.upper(),
            given_names=given_names.upper(),
            birth_date=birth,
            sex=sex,
            expiry_date=expiry,
            updated_at=now,
        )
        return person
    ForeignPassport.objects.filter(pk=passport.pk).update(expiry_date=expiry, updated_at=now)
    return passport.person


ENGINEER: dict[str, Any] = {
    "surname": "MILLER",
    "given_names": "ANNA",
    "nationality": "GBR",
    "number": "C01X00T47",
    "birth": dt.date(1990, 4, 12),
    "sex": "F",
}
TALENT: dict[str, Any] = {
    "surname": "TANAKA",
    "given_names": "HIROSHI",
    "nationality": "JPN",
    "number": "TK1234567",
    "birth": dt.date(1978, 9, 3),
    "sex": "M",
}


def engineer_mrz() -> str:
    """The demo engineer's passport MRZ, as an employer would scan it."""
    return passport_mrz(**ENGINEER, expiry=dt.date(clock.today().year + 6, 5, 31))


def seed_foreigners() -> list[DemoLogin]:
    """Halls, port visa offices and the accounts of the foreigners' stories; the demo logins."""
    password_hash = make_password(DEMO_PASSWORD)
    logins: list[DemoLogin] = []
    with transaction.atomic():
        beijing = _city("110000")
        halls = [
            _seed_point(code, beijing, ServicePointKind.FOREIGNERS_HALL, names, addresses, lat, lon, phone)
            for code, names, addresses, lat, lon, phone in HALLS
        ]
        ports = [
            _seed_point(code, _city(city), ServicePointKind.PORT, names, addresses, lat, lon, phone)
            for code, city, names, addresses, lat, lon, phone in PORTS
        ]

        def user(username: str, role: str, **fields: object) -> User:
            account, _created = User.objects.update_or_create(
                username=username,
                defaults={"role": role, "password": password_hash, "is_active": True, **fields},
            )
            return account

        employer = user("employer01", Role.ENTERPRISE, organisation=EMPLOYER, first_name="HR")
        logins.append(DemoLogin(employer.username, Role.ENTERPRISE, f"{EMPLOYER}: files for its staff"))
        user("workpermit01", Role.WORK_PERMIT_OFFICER, first_name="Work permits")
        logins.append(DemoLogin("workpermit01", Role.WORK_PERMIT_OFFICER, "work-permit office (all halls)"))
        for index, hall in enumerate(halls, start=1):
            officer = user(f"bjofficer{index:02d}", Role.OFFICER)
            officer.service_points.set([hall])
        logins.append(DemoLogin("bjofficer01–10", Role.OFFICER, f"foreigners' halls; 01 = {halls[0].code}"))
        for index, port in enumerate(ports, start=1):
            officer = user(f"portofficer{index:02d}", Role.OFFICER)
            officer.service_points.set([port])
        logins.append(DemoLogin("portofficer01–03", Role.OFFICER, "port visa offices, 24/7"))

        engineer_person = _foreigner(**ENGINEER, phone="13910000001")
        user("engineer01", Role.APPLICANT, person=engineer_person, first_name="Anna", phone="13910000001")
        logins.append(DemoLogin("engineer01", Role.APPLICANT, "Anna Miller (GBR), engineer at employer01"))
        talent_person = _foreigner(**TALENT, phone="13910000002")
        user("talent01", Role.APPLICANT, person=talent_person, first_name="Hiroshi", phone="13910000002")
        today = clock.today()
        WorkPermit.objects.update_or_create(
            number="WPDEMO000001",
            defaults={
                "person": talent_person,
                "category": WorkPermitCategory.A,
                "employer_name": EMPLOYER,
                "employer": employer,
                "valid_from": today - dt.timedelta(days=30),
                "valid_to": today + dt.timedelta(days=3 * 365),
                "created_at": clock.now(),
            },
        )
        logins.append(DemoLogin("talent01", Role.APPLICANT, "Hiroshi Tanaka (JPN), category A work permit"))
        record_event(
            "foreigners.demo_seeded",
            actor="system",
            object_type="servicepoints.servicepoint",
            halls=[hall.code for hall in halls],
            ports=[port.code for port in ports],
        )
    from exitentry.servicepoints.services import generate_slots

    generate_slots(clock.today(), 30)
    return logins
