"""Well-formed identity data for the demo province and for property-based tests.

Everything made here passes the checks in `identity.services`: the check digits are computed,
never invented, so demo people look real to every part of the system without being real.
"""

from __future__ import annotations

import datetime as dt

from mrz.generator.td3 import TD3CodeGenerator
from stdnum.cn import ric

# Surname<<given names fill at most 39 characters of a TD3 first line.
TD3_NAME_LENGTH = 39


def make_resident_id(region_code: str, birth_date: dt.date, sequence: int, sex: str) -> str:
    """An 18-character resident ID number with a correct check digit.

    `sequence` (0–499) numbers the people of one sex registered in one region on one birth date;
    the 3-digit order code is built from it so that its last digit is odd for men and even for
    women, as the standard requires.
    """
    if len(region_code) != 6 or not region_code.isdigit():
        raise ValueError(f"region code must be 6 digits, not {region_code!r}")
    if sex not in {"M", "F"}:
        raise ValueError(f"sex must be 'M' or 'F', not {sex!r}")
    if not 0 <= sequence <= 499:
        raise ValueError(f"sequence must be between 0 and 499, not {sequence}")
    if not 1000 <= birth_date.year <= 9999:
        raise ValueError("the birth year must have four digits")
    order = sequence * 2 + (1 if sex == "M" else 0)
    body = f"{region_code}{birth_date:%Y%m%d}{order:03d}"
    return body + ric.calc_check_digit(body + "0")


def _fit_name(surname: str, given_names: str) -> tuple[str, str]:
    # ICAO 9303 truncates the given names first, then the surname, to fit the name field.
    surname = " ".join(surname.split())[: TD3_NAME_LENGTH - 2]
    given_names = " ".join(given_names.split())
    room = TD3_NAME_LENGTH - len(surname) - 2
    return surname, given_names[: max(room, 0)].strip()


def make_td3_mrz(
    *,
    surname: str,
    given_names: str,
    document_number: str,
    birth_date: dt.date,
    sex: str,
    expiry_date: dt.date,
    nationality: str = "CHN",
    country: str = "CHN",
    optional_data: str = "",
    document_type: str = "P",
) -> str:
    """The two 44-character lines of a passport's machine-readable zone, joined by a newline.

    Names are Latin letters (pinyin for Chinese citizens); the check digits come from the mrz
    library's generator.
    """
    surname, given_names = _fit_name(surname, given_names)
    generator = TD3CodeGenerator(
        document_type,
        country,
        surname,
        given_names,
        document_number,
        nationality,
        birth_date.strftime("%y%m%d"),
        sex,
        expiry_date.strftime("%y%m%d"),
        optional_data,
    )
    return str(generator)
