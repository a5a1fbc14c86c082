"""Demo data of the applications app for `exitentry seed-demo`: the enterprise green channel.

`enterprise01` (password as every demo login) is an enterprise account of a Jinan company with 25
employees on record who hold no passport yet. `seed_enterprise` writes their spreadsheet to
`<VAR_DIR>/demo/enterprise01-employees.xlsx` (and a GBK .csv of the same rows): upload either at
/applications/enterprise/ to file 25 first-issue passport applications through the green channel.
Deterministic and idempotent (keyed on the username and the ID numbers).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction

from exitentry.accounts.models import Role, User
from exitentry.applications import bulk
from exitentry.catalog.models import City
from exitentry.core import clock
from exitentry.identity import demo as identity_demo
from exitentry.identity.models import Person

ENTERPRISE_USERNAME = "enterprise01"
ORGANISATION = "济南泉城精密机械有限公司"
EMPLOYEES = 25
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐"
GIVEN = ("伟", "芳", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛")


@dataclass(frozen=True)
class EnterpriseDemo:
    username: str
    organisation: str
    employees: int
    xlsx: Path
    csv: Path


def _employee(index: int, today: dt.date) -> Person:
    age = 24 + (index * 7) % 31
    birth_date = today.replace(year=today.year - age) - dt.timedelta(days=30 + index * 11)
    sex = "M" if index % 2 else "F"
    id_number = identity_demo.make_resident_id("370102", birth_date, 300 + index, sex)
    person, _created = Person.objects.update_or_create(
        id_number=id_number,
        defaults={
            "full_name": SURNAMES[index % len(SURNAMES)]
            + GIVEN[index % len(GIVEN)]
            + GIVEN[(index * 5) % len(GIVEN)],
            "birth_date": birth_date,
            "sex": sex,
            "phone": f"137{index:08d}",
            "household_city": City.objects.filter(code="370100").first(),
            "fingerprints_on_file": True,
            "exit_restricted": False,
        },
    )
    return person


def seed_enterprise(password: str, out_dir: Path | None = None) -> EnterpriseDemo:
    """The enterprise account, its 25 employees, and their spreadsheet (XLSX and GBK CSV)."""
    today = clock.today()
    with transaction.atomic():
        User.objects.update_or_create(
            username=ENTERPRISE_USERNAME,
            defaults={
                "role": Role.ENTERPRISE,
                "password": make_password(password),
                "is_active": True,
                "organisation": ORGANISATION,
                "first_name": ORGANISATION,
            },
        )
        people = [_employee(index, today) for index in range(1, EMPLOYEES + 1)]
    rows = bulk.sample_rows(people, ("passport.first_issue",))
    out_dir = out_dir or Path(settings.VAR_DIR) / "demo"
    out_dir.mkdir(parents=True, exist_ok=True)
    xlsx_path = out_dir / "enterprise01-employees.xlsx"
    xlsx_path.write_bytes(bulk.sample_xlsx(rows))
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    csv_path = out_dir / "enterprise01-employees-gbk.csv"
    csv_path.write_bytes(text.getvalue().encode("gbk"))
    return EnterpriseDemo(ENTERPRISE_USERNAME, ORGANISATION, len(people), xlsx_path, csv_path)
