import datetime as dt
from typing import Literal

from ninja import Schema
from pydantic import Field, StrictStr

# Generous caps: room for spaces and line breaks, none for a megabyte of junk.
RESIDENT_ID_MAX_LENGTH = 40
MRZ_MAX_LENGTH = 200


class ResidentIdIn(Schema):
    number: StrictStr = Field(
        max_length=RESIDENT_ID_MAX_LENGTH,
        description="18-character resident ID number; spaces are ignored and a lower-case x is accepted.",
        examples=["11010519491231002X"],
    )


class ResidentIdErrorOut(Schema):
    code: str = Field(
        description="invalid_length, invalid_format, invalid_checksum, invalid_birth_date, "
        "birth_date_in_future or unknown_region"
    )
    message: str


class ResidentIdOut(Schema):
    valid: bool
    birth_date: dt.date | None
    sex: Literal["M", "F"] | None
    region_code: str | None = Field(description="The first 6 digits: the administrative division code.")
    errors: list[ResidentIdErrorOut]


class MrzIn(Schema):
    mrz: StrictStr = Field(
        max_length=MRZ_MAX_LENGTH,
        description="The lines of the machine-readable zone separated by line breaks.",
        examples=[
            "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"
        ],
    )


class MrzErrorOut(Schema):
    field: str = Field(
        description="mrz, document_type, country, name, document_number, nationality, birth_date, sex, "
        "expiry_date, optional_data or final_hash"
    )
    code: str = Field(
        description="unknown_format, invalid_characters, invalid_check_digit, invalid_country, invalid_date, "
        "expiry_before_birth, invalid_sex, invalid_name, invalid_format or invalid_document_type"
    )
    message: str


class MrzOut(Schema):
    valid: bool
    format: Literal["TD1", "TD2", "TD3", "MRVA", "MRVB"] | None
    document_number: str | None
    surname: str | None
    given_names: str | None
    nationality: str | None
    birth_date: dt.date | None
    sex: Literal["M", "F", "X"] | None
    expiry_date: dt.date | None
    errors: list[MrzErrorOut]
