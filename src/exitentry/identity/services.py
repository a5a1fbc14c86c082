"""Identity: checking resident ID numbers and machine-readable zones, and the documents people hold.

The two checks are pure functions of their input (and today's date): they look nobody up, so
they are safe to offer to any caller. Changes to people and held documents go through the
service functions below, each in one transaction with its audit event.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from mrz.base.functions import hash_string
from mrz.checker.mrva import MRVACodeChecker
from mrz.checker.mrvb import MRVBCodeChecker
from mrz.checker.td1 import TD1CodeChecker
from mrz.checker.td2 import TD2CodeChecker
from mrz.checker.td3 import TD3CodeChecker
from stdnum import numdb
from stdnum.cn import ric

from exitentry.audit.services import record_event
from exitentry.core import clock
from exitentry.core.errors import Conflict, InvalidInput, InvalidTransition
from exitentry.identity.models import (
    ALLOWED_STATUS_CHANGES,
    NUMBER_TAKEN,
    HeldDocument,
    HeldDocumentStatus,
    Person,
)

# --------------------------------------------------------------------------------------------
# Resident identity card numbers (居民身份证号码, GB 11643-1999)
# --------------------------------------------------------------------------------------------

RESIDENT_ID_MESSAGES: dict[str, Promise] = {
    "invalid_length": _("A resident ID number has 18 characters."),
    "invalid_format": _("The first 17 characters must be digits and the last one a digit or X."),
    "invalid_checksum": _("The last character (the check digit) does not match the rest of the number."),
    "invalid_birth_date": _("Characters 7 to 14 are not a real date of birth."),
    "birth_date_in_future": _("The date of birth in the number is in the future."),
    "unknown_region": _("The first 6 digits are not a known region code."),
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a checked number: a stable `code`, the `field` it concerns, a message."""

    code: str
    message: Promise | str
    field: str = ""


@dataclass(frozen=True)
class ResidentIdCheck:
    number: str
    valid: bool
    birth_date: dt.date | None = None
    sex: Literal["M", "F"] | None = None
    region_code: str | None = None
    region_name: str | None = None
    errors: tuple[Problem, ...] = ()


def _resident_id_problem(code: str) -> Problem:
    return Problem(code=code, message=RESIDENT_ID_MESSAGES[code])


def clean_resident_id(number: str) -> str:
    """The number as stored: no spaces anywhere, a final x in capitals."""
    return "".join(number.split()).upper()


def _county_name(county: str, year: int | None) -> str:
    # stdnum tags names that changed with the years they applied: "[-2010]崇文区,[2010-]东城区".
    variants: list[tuple[int | None, int | None, str]] = []
    for variant in county.split(","):
        if variant.startswith("[") and "]" in variant:
            span, name = variant[1:].split("]", 1)
            first, _sep, last = span.partition("-")
            variants.append((int(first) if first else None, int(last) if last else None, name))
        else:
            variants.append((None, None, variant))
    if year is not None:
        for start, end, name in variants:
            if (start is None or year >= start) and (end is None or year <= end):
                return name
    return variants[-1][2]


def _region_info(code: str) -> dict[str, str]:
    return {key: value for _part, props in numdb.get("cn/loc").info(code) for key, value in props.items()}


# Prefecture-level rows that carry no name worth showing.
_PLACEHOLDER_PREFECTURES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}


def region_name(region_code: str, year: int | None = None) -> str | None:
    """`370102` → `山东省 济南市 历下区`, from stdnum's division-code data; None if the code is unknown.

    A code counts as known when stdnum lists it at all, whatever years it lists it for: numbers were
    issued from 1984 on, so someone born in 1950 holds a code that did not exist when they were born.
    """
    if not re.fullmatch(r"\d{6}", region_code):
        return None
    info = _region_info(region_code)
    if not info.get("county"):
        return None
    parts = [info.get("province", "")]
    if region_code[2:] != "0000":
        prefecture = _region_info(region_code[:4] + "00").get("county", "")
        prefecture = _county_name(prefecture, year) if prefecture else ""
        if prefecture and prefecture not in _PLACEHOLDER_PREFECTURES and region_code[4:] != "00":
            parts.append(prefecture)
    county = _county_name(info["county"], year)
    if county not in parts:
        parts.append(county)
    return " ".join(part for part in parts if part)


def check_resident_id(number: str) -> ResidentIdCheck:
    """Check an 18-character resident ID number: format, check digit, date of birth, region.

    Spaces are ignored and a lower-case x is accepted. Every problem found is reported; the
    derived facts (birth date, sex from the parity of the 17th digit, region) only when valid.
    """
    cleaned = clean_resident_id(number)
    if len(cleaned) != 18:
        return ResidentIdCheck(number=cleaned, valid=False, errors=(_resident_id_problem("invalid_length"),))
    if not (cleaned[:17].isascii() and cleaned[:17].isdigit() and cleaned[17] in "0123456789X"):
        return ResidentIdCheck(number=cleaned, valid=False, errors=(_resident_id_problem("invalid_format"),))

    problems: list[Problem] = []
    if ric.calc_check_digit(cleaned) != cleaned[17]:
        problems.append(_resident_id_problem("invalid_checksum"))
    birth_date: dt.date | None
    try:
        birth_date = ric.get_birth_date(cleaned)
    except ric.InvalidComponent:
        birth_date = None
        problems.append(_resident_id_problem("invalid_birth_date"))
    else:
        if birth_date > clock.today():
            problems.append(_resident_id_problem("birth_date_in_future"))
    name = region_name(cleaned[:6], birth_date.year if birth_date else None)
    if name is None:
        problems.append(_resident_id_problem("unknown_region"))

    if problems:
        return ResidentIdCheck(number=cleaned, valid=False, errors=tuple(problems))
    return ResidentIdCheck(
        number=cleaned,
        valid=True,
        birth_date=birth_date,
        sex="M" if int(cleaned[16]) % 2 else "F",
        region_code=cleaned[:6],
        region_name=name,
    )


# --------------------------------------------------------------------------------------------
# Machine-readable zones (ICAO Doc 9303): TD1, TD2, TD3, MRV-A, MRV-B
# --------------------------------------------------------------------------------------------

MRZ_MESSAGES: dict[tuple[str, str], Promise] = {
    ("mrz", "unknown_format"): _(
        "This is not a machine-readable zone of a known shape: 3 lines of 30 characters (TD1), "
        "2 lines of 36 (TD2 or visa B) or 2 lines of 44 (TD3 passport or visa A)."
    ),
    ("mrz", "invalid_characters"): _(
        "A machine-readable zone contains only the letters A to Z, the digits 0 to 9 and the filler <."
    ),
    ("document_type", "invalid_document_type"): _(
        "The document code at the start does not fit this kind of machine-readable zone."
    ),
    ("country", "invalid_country"): _("The issuing country code is not a known ICAO code."),
    ("nationality", "invalid_country"): _("The nationality code is not a known ICAO code."),
    ("name", "invalid_name"): _(
        "The name is not written as the surname, then <<, then the given names, in letters only."
    ),
    ("document_number", "invalid_format"): _("The document number is empty or starts with the filler <."),
    ("document_number", "invalid_check_digit"): _(
        "The check digit of the document number does not match the number."
    ),
    ("birth_date", "invalid_date"): _("The date of birth is not a real date."),
    ("birth_date", "invalid_check_digit"): _("The check digit of the date of birth does not match the date."),
    ("sex", "invalid_sex"): _("The sex must be M, F, X or the filler <."),
    ("expiry_date", "invalid_date"): _("The expiry date is not a real date."),
    ("expiry_date", "expiry_before_birth"): _("The expiry date is before the date of birth."),
    ("expiry_date", "invalid_check_digit"): _("The check digit of the expiry date does not match the date."),
    ("optional_data", "invalid_format"): _("The optional data contains characters that are not allowed."),
    ("optional_data", "invalid_check_digit"): _(
        "The check digit of the optional data (personal number) does not match it."
    ),
    ("final_hash", "invalid_check_digit"): _(
        "The overall check digit at the end does not match: a character may have been misread."
    ),
}
_UNEXPECTED_MRZ_PROBLEM: Promise = _("Part of the machine-readable zone is not valid.")

# What the mrz library's report calls each check, and the field and code we report it as.
# Its own date checks are replaced by ours, which use the province's clock and century rules.
_MRZ_REPORT_FIELDS: dict[str, tuple[str, str] | None] = {
    "document type format": ("document_type", "invalid_document_type"),
    "valid country code": ("country", "invalid_country"),
    "valid nationality code": ("nationality", "invalid_country"),
    "identifier": ("name", "invalid_name"),
    "document number format": ("document_number", "invalid_format"),
    "document number hash": ("document_number", "invalid_check_digit"),
    "birth date hash": ("birth_date", "invalid_check_digit"),
    "valid genre format": ("sex", "invalid_sex"),
    "expiry date hash": ("expiry_date", "invalid_check_digit"),
    "optional data format": ("optional_data", "invalid_format"),
    "optional data 2 format": ("optional_data", "invalid_format"),
    "optional data hash": ("optional_data", "invalid_check_digit"),
    "final hash": ("final_hash", "invalid_check_digit"),
    "birth date": None,
    "expiry date": None,
}

# The order fields appear in on the page and in error lists.
FIELD_ORDER = (
    "mrz",
    "document_type",
    "country",
    "name",
    "document_number",
    "nationality",
    "birth_date",
    "sex",
    "expiry_date",
    "optional_data",
    "final_hash",
)
MRZ_SEXES: dict[str, Literal["M", "F", "X"]] = {"M": "M", "F": "F", "X": "X", "<": "X"}
MRZ_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<")
MrzFormat = Literal["TD1", "TD2", "TD3", "MRVA", "MRVB"]


@dataclass(frozen=True)
class MrzCheck:
    valid: bool
    format: MrzFormat | None = None
    document_type: str | None = None
    country: str | None = None
    document_number: str | None = None
    surname: str | None = None
    given_names: str | None = None
    nationality: str | None = None
    birth_date: dt.date | None = None
    sex: Literal["M", "F", "X"] | None = None
    expiry_date: dt.date | None = None
    optional_data: str | None = None
    errors: tuple[Problem, ...] = ()
    lines: tuple[str, ...] = field(default=())

    @property
    def has_final_check_digit(self) -> bool:
        return self.format in {"TD1", "TD2", "TD3"}

    def errors_for(self, field_name: str) -> list[Problem]:
        return [problem for problem in self.errors if problem.field == field_name]


def _mrz_problem(field_name: str, code: str) -> Problem:
    return Problem(
        code=code, field=field_name, message=MRZ_MESSAGES.get((field_name, code), _UNEXPECTED_MRZ_PROBLEM)
    )


def split_mrz(text: str) -> list[str]:
    """The non-empty lines of a typed or pasted MRZ, trimmed and in capitals."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return [line.strip().upper() for line in text.split("\n") if line.strip()]


def detect_mrz_format(lines: list[str]) -> MrzFormat | None:
    """TD1 by its 3 lines of 30; a visa starts with V, which tells MRV-B from TD2 and MRV-A from TD3."""
    lengths = [len(line) for line in lines]
    if lengths == [30, 30, 30]:
        return "TD1"
    if lengths == [36, 36]:
        return "MRVB" if lines[0].startswith("V") else "TD2"
    if lengths == [44, 44]:
        return "MRVA" if lines[0].startswith("V") else "TD3"
    return None


def resolve_mrz_date(yymmdd: str, *, today: dt.date, years_ahead: int) -> dt.date | None:
    """Read a YYMMDD date in the 100-year window that ends `years_ahead` years after today.

    Dates of birth use 0 (never in the future); expiry dates use 30, so an expiry date reads as
    up to 30 years ahead and otherwise in the past. None if the digits are not a real date.
    """
    if len(yymmdd) != 6 or not yymmdd.isascii() or not yymmdd.isdigit():
        return None
    yy, month, day = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:])
    upper = (today.year + years_ahead, today.month, today.day)
    year = (today.year + years_ahead) // 100 * 100 + yy
    if (year, month, day) > upper:
        year -= 100
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


_CHECKERS: dict[str, Any] = {
    "TD1": TD1CodeChecker,
    "TD2": TD2CodeChecker,
    "TD3": TD3CodeChecker,
    "MRVA": MRVACodeChecker,
    "MRVB": MRVBCodeChecker,
}


def _long_document_number(number: str, check_digit: str, optional_data: str) -> tuple[str, bool] | None:
    """ICAO 9303 parts 5 and 6: a TD1/TD2 number over 9 characters continues in the optional data.

    The check digit position then holds <, and the number's last 1–6 characters and its check
    digit open the optional data. Returns (full number, check digit matches), or None if the
    number is not written that way.
    """
    if check_digit != "<" or "<" in number:
        return None
    continuation = optional_data.split("<", 1)[0]
    if len(continuation) < 2:
        return None
    full_number = number + continuation[:-1]
    return full_number, hash_string(full_number) == continuation[-1]


def _name_part(value: str | None) -> str | None:
    if value is None or value == "None":
        return None
    return " ".join(value.split())


def check_mrz(text: str) -> MrzCheck:
    """Parse a machine-readable zone and check every check digit and field the mrz library knows.

    Each failing field is reported as a Problem (field, code); the fields that could be read are
    returned even when some check fails, so that a person can see which character is wrong.
    """
    lines = split_mrz(text)
    mrz_format = detect_mrz_format(lines)
    if mrz_format is None:
        return MrzCheck(valid=False, errors=(_mrz_problem("mrz", "unknown_format"),), lines=tuple(lines))
    if any(char not in MRZ_ALPHABET for line in lines for char in line):
        return MrzCheck(
            valid=False,
            format=mrz_format,
            errors=(_mrz_problem("mrz", "invalid_characters"),),
            lines=tuple(lines),
        )

    code = "\n".join(lines)
    try:
        checker = _CHECKERS[mrz_format](code)
        read = checker.fields()
    except Exception:  # the library refusing an odd but well-shaped input is still the caller's input
        return MrzCheck(
            valid=False,
            format=mrz_format,
            errors=(_mrz_problem("mrz", "unknown_format"),),
            lines=tuple(lines),
        )

    problems: list[Problem] = []
    seen: set[tuple[str, str]] = set()

    def add(field_name: str, problem_code: str) -> None:
        if (field_name, problem_code) not in seen:
            seen.add((field_name, problem_code))
            problems.append(_mrz_problem(field_name, problem_code))

    document_number: str = read.document_number
    optional_data: str = read.optional_data
    long_number = None
    if mrz_format in {"TD1", "TD2"}:
        optional_raw = lines[0][15:30] if mrz_format == "TD1" else lines[1][28:35]
        long_number = _long_document_number(
            checker._document_number, checker._document_number_hash, optional_raw
        )
        if long_number is not None:
            document_number = long_number[0]
            optional_data = optional_raw.split("<", 1)[1].strip("<") if "<" in optional_raw else ""

    sex_char = checker._sex
    for description, ok in checker.report.fields:
        if ok:
            continue
        mapped = _MRZ_REPORT_FIELDS.get(description, ("mrz", "invalid_field"))
        if mapped is None:
            continue
        if mapped == ("sex", "invalid_sex") and sex_char == "X":
            continue  # ICAO allows X for unspecified; the library knows only M, F and <
        if mapped == ("document_number", "invalid_check_digit") and long_number is not None:
            if not long_number[1]:
                add(*mapped)
            continue
        add(*mapped)

    today = clock.today()
    birth_date = resolve_mrz_date(checker._birth_date, today=today, years_ahead=0)
    if birth_date is None:
        add("birth_date", "invalid_date")
    expiry_date = resolve_mrz_date(checker._expiry_date, today=today, years_ahead=30)
    if expiry_date is None:
        add("expiry_date", "invalid_date")
    if birth_date and expiry_date and expiry_date < birth_date:
        add("expiry_date", "expiry_before_birth")

    order = {name: index for index, name in enumerate(FIELD_ORDER)}
    problems.sort(key=lambda problem: order.get(problem.field, len(order)))
    return MrzCheck(
        valid=not problems,
        format=mrz_format,
        document_type=read.document_type or None,
        country=read.country or None,
        document_number=document_number or None,
        surname=_name_part(read.surname),
        given_names=_name_part(read.name),
        nationality=read.nationality or None,
        birth_date=birth_date,
        sex=MRZ_SEXES.get(sex_char),
        expiry_date=expiry_date,
        optional_data=optional_data or None,
        errors=tuple(problems),
        lines=tuple(lines),
    )


# --------------------------------------------------------------------------------------------
# People and the documents they hold
# --------------------------------------------------------------------------------------------


class DocumentNumberTaken(Conflict):
    code = "document_number_taken"
    default_message = NUMBER_TAKEN


class DocumentRegisteredMeanwhile(Conflict):
    code = "document_registered_meanwhile"
    default_message = _(
        "Another document of this type was recorded for this person at the same time. Please try again."
    )


def _validation_details(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {name: [str(message) for message in messages] for name, messages in error.message_dict.items()}
    return {"__all__": [str(message) for message in error.messages]}


def save_person(
    person: Person,
    *,
    actor: Any,
    changed_fields: Iterable[str] = (),
    request: HttpRequest | None = None,
) -> Person:
    """Create or change a person's record (the admin's save). The audit event names the fields
    changed, never their values: they are personal data."""
    creating = person.pk is None
    with transaction.atomic():
        person.save()
        record_event(
            "identity.person_created" if creating else "identity.person_changed",
            actor=actor,
            obj=person,
            request=request,
            fields=sorted(changed_fields),
        )
    return person


def register_held_document(
    document: HeldDocument, *, actor: Any, request: HttpRequest | None = None
) -> HeldDocument:
    """Record a newly issued document. The person's previous valid document of the same kind is
    retired in the same transaction: expired if its date has passed, otherwise invalidated."""
    if document.pk is not None:
        raise ValueError("register_held_document takes a new, unsaved document")
    try:
        document.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        raise InvalidInput(fields=_validation_details(error)) from error
    today = clock.today()
    try:
        with transaction.atomic():
            previous = HeldDocument.objects.select_for_update().filter(
                person_id=document.person_id,
                document_type=document.document_type,
                status=HeldDocumentStatus.VALID,
            )
            retired = {
                HeldDocumentStatus.EXPIRED: list(
                    previous.filter(expires_on__lt=today).values_list("pk", flat=True)
                ),
                HeldDocumentStatus.INVALIDATED: list(
                    previous.filter(expires_on__gte=today).values_list("pk", flat=True)
                ),
            }
            for new_status, ids in retired.items():
                if ids:
                    HeldDocument.objects.filter(pk__in=ids, status=HeldDocumentStatus.VALID).update(
                        status=new_status, updated_at=clock.now()
                    )
                    for pk in ids:
                        record_event(
                            "identity.document_status_changed",
                            actor=actor,
                            object_type="identity.helddocument",
                            object_id=pk,
                            request=request,
                            before={"status": HeldDocumentStatus.VALID.value},
                            after={"status": new_status.value},
                            reason="superseded",
                        )
            document.save(force_insert=True)
            record_event(
                "identity.document_registered",
                actor=actor,
                obj=document,
                request=request,
                after={
                    "document_type": document.document_type,
                    "number": document.masked_number,
                    "issued_on": document.issued_on.isoformat(),
                    "expires_on": document.expires_on.isoformat(),
                    "status": document.status,
                    "endorsements": list(document.endorsements),
                },
            )
    except IntegrityError as error:
        if HeldDocument.objects.filter(document_type=document.document_type, number=document.number).exists():
            raise DocumentNumberTaken() from error
        raise DocumentRegisteredMeanwhile() from error
    return document


def update_held_document(
    document: HeldDocument,
    *,
    actor: Any,
    changed_fields: Iterable[str],
    request: HttpRequest | None = None,
) -> HeldDocument:
    """Correct a held document's details (not its status: see `change_document_status`)."""
    changed = sorted(set(changed_fields) - {"status", "person"})
    if not changed:
        return document
    try:
        document.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        raise InvalidInput(fields=_validation_details(error)) from error
    try:
        with transaction.atomic():
            document.save(update_fields=[*changed, "updated_at"])
            record_event(
                "identity.document_changed", actor=actor, obj=document, request=request, fields=changed
            )
    except IntegrityError as error:
        raise DocumentNumberTaken() from error
    return document


def change_document_status(
    document: HeldDocument,
    new_status: str,
    *,
    actor: Any,
    reason: str = "",
    request: HttpRequest | None = None,
) -> HeldDocument:
    """Move a document to `new_status` if `ALLOWED_STATUS_CHANGES` permits it from where it is now.

    One conditional UPDATE: two officers acting at once cannot both succeed from the same status.
    """
    if new_status not in HeldDocumentStatus.values:
        raise InvalidInput(status=[str(_("Unknown document status."))])
    allowed_from = [old for old, targets in ALLOWED_STATUS_CHANGES.items() if new_status in targets]
    with transaction.atomic():
        current = HeldDocument.objects.filter(pk=document.pk).values_list("status", flat=True).first()
        updated = HeldDocument.objects.filter(pk=document.pk, status=current, status__in=allowed_from).update(
            status=new_status, updated_at=clock.now()
        )
        if not updated:
            raise InvalidTransition(current=current, requested=new_status)
        record_event(
            "identity.document_status_changed",
            actor=actor,
            obj=document,
            request=request,
            before={"status": current},
            after={"status": new_status},
            reason=reason[:200],
        )
    document.refresh_from_db(fields=["status", "updated_at"])
    return document


def report_document_lost(
    document: HeldDocument, *, actor: Any, request: HttpRequest | None = None
) -> HeldDocument:
    return change_document_status(
        document, HeldDocumentStatus.REPORTED_LOST, actor=actor, reason="reported_lost", request=request
    )


def expire_held_documents(today: dt.date | None = None) -> int:
    """Mark valid documents whose last valid day has passed as expired; returns how many."""
    today = today or clock.today()
    with transaction.atomic():
        count = HeldDocument.objects.filter(status=HeldDocumentStatus.VALID, expires_on__lt=today).update(
            status=HeldDocumentStatus.EXPIRED, updated_at=clock.now()
        )
        if count:
            record_event(
                "identity.documents_expired",
                actor="system",
                object_type="identity.helddocument",
                on=today.isoformat(),
                count=count,
            )
    return count
