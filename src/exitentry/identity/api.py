"""Identity checks for other systems: resident ID numbers and machine-readable zones.

Both answer 200 with `valid` and the problems found; only a malformed request is a 4xx. They
look nobody up, so they need no sign-in (contracts in docs/DESIGN.md).
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from exitentry.core.schemas import ErrorOut
from exitentry.identity import services
from exitentry.identity.schemas import (
    MrzErrorOut,
    MrzIn,
    MrzOut,
    ResidentIdErrorOut,
    ResidentIdIn,
    ResidentIdOut,
)

router = Router(tags=["identity"])


@router.post("/resident-id", response={200: ResidentIdOut, 400: ErrorOut, 422: ErrorOut}, auth=None)
def check_resident_id(request: HttpRequest, payload: ResidentIdIn) -> ResidentIdOut:
    """Check a resident ID number's length, format, check digit, date of birth and region code.

    Birth date, sex (from the parity of the 17th digit) and region code are null unless valid.
    """
    result = services.check_resident_id(payload.number)
    return ResidentIdOut(
        valid=result.valid,
        birth_date=result.birth_date,
        sex=result.sex,
        region_code=result.region_code,
        errors=[ResidentIdErrorOut(code=error.code, message=str(error.message)) for error in result.errors],
    )


@router.post("/mrz", response={200: MrzOut, 400: ErrorOut, 422: ErrorOut}, auth=None)
def check_mrz(request: HttpRequest, payload: MrzIn) -> MrzOut:
    """Read a TD1, TD2, TD3, MRV-A or MRV-B machine-readable zone and check every check digit.

    Each failing field is listed in `errors`; the fields that could be read are returned even then.
    Two-digit years: a date of birth is never in the future; an expiry date is at most 30 years ahead.
    """
    result = services.check_mrz(payload.mrz)
    return MrzOut(
        valid=result.valid,
        format=result.format,
        document_number=result.document_number,
        surname=result.surname,
        given_names=result.given_names,
        nationality=result.nationality,
        birth_date=result.birth_date,
        sex=result.sex,
        expiry_date=result.expiry_date,
        errors=[
            MrzErrorOut(field=error.field, code=error.code, message=str(error.message))
            for error in result.errors
        ],
    )
