"""Enterprise green channel: an enterprise account files applications for its staff from a spreadsheet.

The file (XLSX, or CSV in UTF-8 or GBK) has one employee per row with the columns
`name, resident_id, phone, services` (Chinese headers 姓名, 身份证号, 手机号, 办理业务 also work;
services are catalog codes separated by `;`, `,` or spaces). `file_bulk` checks every row the way
the one form does (`services.plan_application` with channel and priority green_channel) and
either reports every problem, row by row, or files every row through `submit_application` in one
transaction: nothing is filed half-way. The same file sent again by the same account is the same
filing (unique SHA-256); each row's Idempotency-Key is `bulk-<sha>-<row>` as well.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from typing import IO, Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from exitentry.accounts.models import Role, User
from exitentry.accounts.services import require_role
from exitentry.applications import services
from exitentry.applications.models import Application, BulkFiling, DeliveryMethod, Priority
from exitentry.audit.services import record_event
from exitentry.catalog.models import Channel
from exitentry.core import clock
from exitentry.core.errors import DomainError, InvalidInput
from exitentry.identity.models import Person
from exitentry.identity.services import check_resident_id

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 500
COLUMNS = {
    "name": ("name", "full_name", "姓名"),
    "resident_id": ("resident_id", "id_number", "身份证号", "身份证号码"),
    "phone": ("phone", "mobile", "手机号", "联系电话"),
    "services": ("services", "service", "办理业务", "业务"),
}
SERVICE_SPLIT = re.compile(r"[;,，；\s]+")


class SpreadsheetUnreadable(InvalidInput):
    code = "spreadsheet_unreadable"
    default_message = _("The file could not be read. Send an .xlsx file, or a .csv file in UTF-8 or GBK.")


class SpreadsheetTooLarge(InvalidInput):
    code = "spreadsheet_too_large"
    default_message = _("The file is too large: at most 2 MB and 500 employees per file.")


class SpreadsheetColumnsMissing(InvalidInput):
    code = "spreadsheet_columns_missing"
    default_message = _("The first row must name the columns: name, resident_id, phone, services.")


class SpreadsheetEmpty(InvalidInput):
    code = "spreadsheet_empty"
    default_message = _("The file has no employees in it.")


class BulkRowsInvalid(InvalidInput):
    code = "bulk_rows_invalid"
    default_message = _(
        "Some rows have problems, so nothing was filed. Correct them and send the file again."
    )


class NotEnterpriseAccount(DomainError):
    status = 403
    code = "not_enterprise_account"
    default_message = _("Only an enterprise account with its organisation on record can file in bulk.")


@dataclass(frozen=True)
class Row:
    number: int  # the spreadsheet row (the header is row 1)
    name: str
    resident_id: str
    phone: str
    services: tuple[str, ...]


@dataclass
class RowError:
    row: int
    field: str
    code: str
    message: str


@dataclass
class BulkResult:
    filing: BulkFiling | None
    replayed: bool = False
    errors: list[RowError] = field(default_factory=list)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _read_table(data: bytes, file_name: str) -> list[list[str]]:
    if data[:4] == b"PK\x03\x04" or file_name.lower().endswith(".xlsx"):
        try:
            from openpyxl import load_workbook

            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            sheet = workbook.worksheets[0]
            rows = [[_cell(value) for value in row] for row in sheet.iter_rows(values_only=True)]
            workbook.close()
            return rows
        except Exception as error:  # openpyxl raises many kinds for a broken file
            raise SpreadsheetUnreadable() from error
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        try:
            return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text))]
        except csv.Error as error:
            raise SpreadsheetUnreadable() from error
    raise SpreadsheetUnreadable()


def parse_rows(data: bytes, file_name: str) -> list[Row]:
    """The employees in the file, in order; raises for a file that is not a table of them."""
    if len(data) > MAX_BYTES:
        raise SpreadsheetTooLarge()
    table = [row for row in _read_table(data, file_name)]
    if not table:
        raise SpreadsheetEmpty()
    header = [cell.strip().lower() for cell in table[0]]
    positions: dict[str, int] = {}
    for key, names in COLUMNS.items():
        for index, cell in enumerate(header):
            if cell in names:
                positions[key] = index
                break
    missing = [key for key in COLUMNS if key not in positions]
    if missing:
        raise SpreadsheetColumnsMissing(missing=missing)
    rows = []
    for offset, cells in enumerate(table[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue

        def get(key: str, cells: list[str] = cells) -> str:
            index = positions[key]
            return cells[index].strip() if index < len(cells) else ""

        codes = tuple(code for code in SERVICE_SPLIT.split(get("services")) if code)
        rows.append(Row(offset, get("name"), get("resident_id").upper(), get("phone"), codes))
    if not rows:
        raise SpreadsheetEmpty()
    if len(rows) > MAX_ROWS:
        raise SpreadsheetTooLarge()
    return rows


def _form(row: Row, pickup_point_id: int) -> services.ApplicationForm:
    return services.ApplicationForm(
        services=row.services,
        channel=Channel.GREEN_CHANNEL,
        priority=Priority.GREEN_CHANNEL,
        delivery_method=DeliveryMethod.PICKUP,
        pickup_point_id=pickup_point_id,
        phone=row.phone,
        person_id_number=row.resident_id,
    )


def _error(row: Row, field_name: str, error: DomainError) -> RowError:
    return RowError(row=row.number, field=field_name, code=error.code, message=str(error.message))


def check_row(user: User, row: Row, pickup_point_id: int) -> list[RowError]:
    """Every problem of one row, or none: the same checks as the one form."""
    problems: list[RowError] = []
    if not row.name:
        problems.append(RowError(row.number, "name", "name_required", gettext("Give the employee's name.")))
    check = check_resident_id(row.resident_id)
    if not check.valid:
        message = "; ".join(str(problem.message) for problem in check.errors)
        problems.append(RowError(row.number, "resident_id", "invalid_resident_id", message))
        return problems
    person = Person.objects.filter(id_number=row.resident_id).first()
    if person is None:
        problems.append(_error(row, "resident_id", services.PersonNotFound()))
        return problems
    if row.name and row.name != person.full_name:
        problems.append(
            RowError(
                row.number,
                "name",
                "name_mismatch",
                gettext("The name does not match the name on record for this ID number."),
            )
        )
    try:
        services.clean_phone(row.phone)
    except DomainError as error:
        problems.append(_error(row, "phone", error))
    if not row.services:
        problems.append(
            RowError(row.number, "services", "services_required", gettext("Give at least one service code."))
        )
        return problems
    if problems:
        return problems
    try:
        services.plan_application(user, _form(row, pickup_point_id), check_face=False)
    except DomainError as error:
        field_name = (
            str(error.details.get("field", "services")) if isinstance(error.details, dict) else "services"
        )
        problems.append(_error(row, field_name, error))
    return problems


def _check_account(user: User) -> None:
    require_role(user, Role.ENTERPRISE)
    if not (user.organisation or "").strip():
        raise NotEnterpriseAccount()


def file_bulk(
    user: User,
    *,
    stream: IO[bytes],
    file_name: str,
    pickup_point_id: int,
    request: HttpRequest | None = None,
) -> BulkResult:
    """Check every row; file them all (one application each) or none. A resent file is a replay."""
    _check_account(user)
    data = stream.read(MAX_BYTES + 1)
    sha = hashlib.sha256(data).hexdigest()
    existing = BulkFiling.objects.filter(submitted_by=user, sha256=sha).first()
    if existing is not None:
        return BulkResult(existing, replayed=True)
    rows = parse_rows(data, file_name)
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for row in rows:
        if row.resident_id and row.resident_id in seen:
            errors.append(
                RowError(
                    row.number,
                    "resident_id",
                    "duplicate_row",
                    gettext("This ID number is already on row %(row)s.") % {"row": seen[row.resident_id]},
                )
            )
            continue
        seen[row.resident_id] = row.number
        errors.extend(check_row(user, row, pickup_point_id))
    if errors:
        return BulkResult(None, errors=errors)
    try:
        with transaction.atomic():
            filing = BulkFiling.objects.create(
                submitted_by=user,
                organisation=user.organisation.strip()[:200],
                file_name=(file_name or "employees")[:200],
                sha256=sha,
                row_count=len(rows),
                pickup_point_id=pickup_point_id,
                created_at=clock.now(),
            )
            for row in rows:
                submission = services.submit_application(
                    submitted_by=user,
                    form=_form(row, pickup_point_id),
                    idempotency_key=f"bulk-{sha[:40]}-{row.number}",
                    request=request,
                )
                Application.objects.filter(pk=submission.application.pk).update(bulk_filing=filing)
            record_event(
                "applications.bulk_filed",
                actor=user,
                obj=filing,
                request=request,
                rows=len(rows),
                organisation=filing.organisation,
            )
    except IntegrityError:
        existing = BulkFiling.objects.filter(submitted_by=user, sha256=sha).first()
        if existing is None:
            raise
        return BulkResult(existing, replayed=True)
    except DomainError as error:
        # Something changed between the check and the filing (e.g. someone applied meanwhile).
        return BulkResult(None, errors=[RowError(0, "", error.code, str(error.message))])
    return BulkResult(filing)


def filings_of(user: User) -> list[BulkFiling]:
    _check_account(user)
    return list(BulkFiling.objects.filter(submitted_by=user).select_related("pickup_point"))


def filing_for(user: User, filing_id: int) -> BulkFiling:
    _check_account(user)
    filing = BulkFiling.objects.filter(submitted_by=user, pk=filing_id).select_related("pickup_point").first()
    if filing is None:
        raise services.ApplicationNotFound(filing=filing_id)
    return filing


def sample_rows(
    people: list[Person], services_codes: tuple[str, ...] = ("passport.first_issue",)
) -> list[list[str]]:
    """Header and rows of a spreadsheet for `people` (the demo's sample file)."""
    rows = [["name", "resident_id", "phone", "services"]]
    for person in people:
        rows.append([person.full_name, person.id_number or "", person.phone or "", ";".join(services_codes)])
    return rows


def sample_xlsx(rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "employees"
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
