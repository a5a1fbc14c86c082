"""MRZ checks against the ICAO Doc 9303 specimens (parts 4–7), each with every check digit broken."""

import datetime as dt

import pytest
import time_machine
from hypothesis import given, settings
from hypothesis import strategies as st
from mrz.base.functions import hash_string

from exitentry.identity.demo import make_td3_mrz
from exitentry.identity.services import check_mrz, resolve_mrz_date

SHANGHAI_NOON_2026_06_01 = dt.datetime(2026, 6, 1, 4, 0, tzinfo=dt.UTC)

TD1 = "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<"
TD2 = "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nD231458907UTO7408122F1204159<<<<<<<6"
TD3 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"
MRVA = "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL8988901C4XXX4009078F96121096ZE184226B<<<<<<"
MRVB = "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nL8988901C4XXX4009078F9612109<<<<<<<<"

# (line, column) of each check digit in each specimen.
CHECK_DIGITS = {
    "TD1": (
        TD1,
        {"document_number": (0, 14), "birth_date": (1, 6), "expiry_date": (1, 14), "final_hash": (1, 29)},
    ),
    "TD2": (
        TD2,
        {"document_number": (1, 9), "birth_date": (1, 19), "expiry_date": (1, 27), "final_hash": (1, 35)},
    ),
    "TD3": (
        TD3,
        {
            "document_number": (1, 9),
            "birth_date": (1, 19),
            "expiry_date": (1, 27),
            "optional_data": (1, 42),
            "final_hash": (1, 43),
        },
    ),
    "MRVA": (MRVA, {"document_number": (1, 9), "birth_date": (1, 19), "expiry_date": (1, 27)}),
    "MRVB": (MRVB, {"document_number": (1, 9), "birth_date": (1, 19), "expiry_date": (1, 27)}),
}


def replace(mrz: str, line: int, column: int, text: str) -> str:
    lines = mrz.split("\n")
    lines[line] = lines[line][:column] + text + lines[line][column + len(text) :]
    return "\n".join(lines)


def problems(result):
    return [(problem.field, problem.code) for problem in result.errors]


@pytest.fixture(autouse=True)
def _frozen_today():
    with time_machine.travel(SHANGHAI_NOON_2026_06_01, tick=False):
        yield


@pytest.mark.parametrize(
    ("mrz", "mrz_format", "document_number", "nationality", "birth_date", "expiry_date"),
    [
        (TD1, "TD1", "D23145890", "UTO", dt.date(1974, 8, 12), dt.date(2012, 4, 15)),
        (TD2, "TD2", "D23145890", "UTO", dt.date(1974, 8, 12), dt.date(2012, 4, 15)),
        (TD3, "TD3", "L898902C3", "UTO", dt.date(1974, 8, 12), dt.date(2012, 4, 15)),
        (MRVA, "MRVA", "L8988901C", "XXX", dt.date(1940, 9, 7), dt.date(1996, 12, 10)),
        (MRVB, "MRVB", "L8988901C", "XXX", dt.date(1940, 9, 7), dt.date(1996, 12, 10)),
    ],
)
def test_icao_specimen_is_valid_and_read_field_by_field(
    mrz, mrz_format, document_number, nationality, birth_date, expiry_date
):
    result = check_mrz(mrz)

    assert result.errors == ()
    assert result.valid is True
    assert result.format == mrz_format
    assert result.document_number == document_number
    assert (result.surname, result.given_names) == ("ERIKSSON", "ANNA MARIA")
    assert result.nationality == nationality
    assert result.country == "UTO"
    assert result.sex == "F"
    assert (result.birth_date, result.expiry_date) == (birth_date, expiry_date)


@pytest.mark.parametrize(
    ("mrz_format", "field"),
    [(mrz_format, field) for mrz_format, (_mrz, digits) in CHECK_DIGITS.items() for field in digits],
)
def test_a_wrong_check_digit_is_reported_on_its_field(mrz_format, field):
    mrz, digits = CHECK_DIGITS[mrz_format]
    line, column = digits[field]
    wrong = str((int(mrz.split("\n")[line][column]) + 1) % 10)

    result = check_mrz(replace(mrz, line, column, wrong))

    expected = [(field, "invalid_check_digit")]
    if field != "final_hash" and "final_hash" in digits:
        # The overall check digit covers the other check digits too.
        expected.append(("final_hash", "invalid_check_digit"))
    assert result.valid is False
    assert problems(result) == expected


def test_a_misread_data_character_fails_its_check_digit_and_the_final_one():
    result = check_mrz(replace(TD3, 1, 4, "8"))  # L898902C3 → L898802C3

    assert problems(result) == [
        ("document_number", "invalid_check_digit"),
        ("final_hash", "invalid_check_digit"),
    ]
    assert result.document_number == "L898802C3"


def test_unknown_issuing_country_and_nationality_are_reported():
    result = check_mrz(replace(replace(TD3, 0, 2, "ZZZ"), 1, 10, "QQQ"))

    assert problems(result) == [("country", "invalid_country"), ("nationality", "invalid_country")]


def test_germanys_one_letter_code_is_a_known_country():
    result = check_mrz(replace(replace(TD3, 0, 2, "D<<"), 1, 10, "D<<"))

    assert result.valid is True
    assert result.nationality == "D"


def test_x_for_unspecified_sex_is_accepted():
    result = check_mrz(replace(TD3, 1, 20, "X"))

    assert result.valid is True
    assert result.sex == "X"


def test_an_invalid_sex_letter_is_reported():
    assert problems(check_mrz(replace(TD3, 1, 20, "Q"))) == [("sex", "invalid_sex")]


def test_a_passport_code_in_a_card_format_is_reported():
    assert problems(check_mrz(replace(TD1, 0, 0, "P"))) == [("document_type", "invalid_document_type")]


def with_td3_check_digits(line2: str) -> str:
    """Recompute every check digit of a TD3 second line."""
    line2 = line2[:9] + hash_string(line2[:9]) + line2[10:]
    line2 = line2[:19] + hash_string(line2[13:19]) + line2[20:]
    line2 = line2[:27] + hash_string(line2[21:27]) + line2[28:]
    optional = line2[28:42]
    line2 = line2[:42] + ("<" if optional == "<" * 14 else hash_string(optional)) + line2[43:]
    final = line2[0:10] + line2[13:20] + line2[21:43]
    return line2[:43] + hash_string(final)


def td3_with(birth: str = "740812", expiry: str = "120415") -> str:
    line1, line2 = TD3.split("\n")
    return line1 + "\n" + with_td3_check_digits(line2[:13] + birth + line2[19:21] + expiry + line2[27:])


def test_the_helper_reproduces_the_specimen_check_digits():
    assert td3_with() == TD3


def test_an_impossible_birth_date_is_invalid_date():
    result = check_mrz(td3_with(birth="741312"))

    assert problems(result) == [("birth_date", "invalid_date")]
    assert result.birth_date is None


def test_an_impossible_expiry_date_is_invalid_date():
    assert problems(check_mrz(td3_with(expiry="120230"))) == [("expiry_date", "invalid_date")]


def test_an_expiry_before_birth_is_reported():
    # Born 2020, expired 2019: both dates read correctly, but cannot both be right.
    assert problems(check_mrz(td3_with(birth="200101", expiry="190101"))) == [
        ("expiry_date", "expiry_before_birth")
    ]


def test_two_digit_birth_years_are_never_in_the_future():
    today = dt.date(2026, 6, 1)

    assert resolve_mrz_date("260601", today=today, years_ahead=0) == dt.date(2026, 6, 1)
    assert resolve_mrz_date("260602", today=today, years_ahead=0) == dt.date(1926, 6, 2)
    assert resolve_mrz_date("000229", today=today, years_ahead=0) == dt.date(2000, 2, 29)


def test_two_digit_expiry_years_reach_30_years_ahead_then_the_past():
    today = dt.date(2026, 6, 1)

    assert resolve_mrz_date("560601", today=today, years_ahead=30) == dt.date(2056, 6, 1)
    assert resolve_mrz_date("560602", today=today, years_ahead=30) == dt.date(1956, 6, 2)
    assert resolve_mrz_date("061231", today=today, years_ahead=30) == dt.date(2006, 12, 31)
    assert resolve_mrz_date("991231", today=today, years_ahead=30) == dt.date(1999, 12, 31)
    assert resolve_mrz_date("1x0101", today=today, years_ahead=30) is None


def test_lower_case_crlf_and_blank_lines_are_tolerated():
    typed = "\r\n" + TD3.lower().replace("\n", "  \r\n") + "\r\n\r\n"

    assert check_mrz(typed).valid is True


@pytest.mark.parametrize(
    "text",
    [
        "",
        "P<UTOERIKSSON",
        TD3 + "\n" + TD3.split("\n")[1],  # three lines of 44
        TD3.split("\n")[0] + "\n" + TD2.split("\n")[1],  # 44 then 36
        TD1.split("\n", 1)[1],  # two lines of 30
    ],
)
def test_unknown_shapes_are_unknown_format(text):
    result = check_mrz(text)

    assert result.valid is False
    assert result.format is None
    assert problems(result) == [("mrz", "unknown_format")]
    assert result.document_number is None


def test_characters_outside_the_mrz_alphabet_are_reported():
    result = check_mrz(replace(TD3, 0, 5, "ÉRIKSSON"))

    assert result.format == "TD3"
    assert problems(result) == [("mrz", "invalid_characters")]


def test_a_long_td1_document_number_continues_in_the_optional_data():
    # ICAO 9303-5: 12-character number D23145890123, check digit 3, < in the usual check position.
    number = "D23145890123"
    line1 = f"I<UTO{number[:9]}<{number[9:]}{hash_string(number)}<".ljust(30, "<")
    line2 = "7408122F1204159UTO<<<<<<<<<<<"
    final = line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29]
    mrz = f"{line1}\n{line2}{hash_string(final)}\nERIKSSON<<ANNA<MARIA<<<<<<<<<<"

    result = check_mrz(mrz)

    assert result.errors == ()
    assert result.document_number == number


names = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=15)


@settings(max_examples=200, deadline=None)
@given(
    surname=names,
    given_names=st.lists(names, min_size=1, max_size=3).map(" ".join),
    document_number=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=5, max_size=9),
    nationality=st.sampled_from(["CHN", "HKG", "MAC", "UTO", "GBR", "D"]),
    birth_date=st.dates(min_value=dt.date(1927, 1, 1), max_value=dt.date(2026, 6, 1)),
    validity_days=st.integers(min_value=1, max_value=3650),
    sex=st.sampled_from(["M", "F"]),
    optional_data=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", max_size=14),
)
def test_a_generated_passport_mrz_reads_back_as_written(
    surname, given_names, document_number, nationality, birth_date, validity_days, sex, optional_data
):
    expiry_date = max(birth_date, dt.date(2016, 6, 2)) + dt.timedelta(days=validity_days)
    mrz = make_td3_mrz(
        surname=surname,
        given_names=given_names,
        document_number=document_number,
        nationality=nationality,
        birth_date=birth_date,
        sex=sex,
        expiry_date=expiry_date,
        optional_data=optional_data,
    )

    with time_machine.travel(SHANGHAI_NOON_2026_06_01, tick=False):
        result = check_mrz(mrz)

    assert result.errors == ()
    assert result.format == "TD3"
    assert result.document_number == document_number
    assert result.surname == surname
    assert result.given_names == given_names[: 37 - len(surname)].strip()
    assert result.nationality == nationality
    assert (result.birth_date, result.expiry_date, result.sex) == (birth_date, expiry_date, sex)
    assert (result.optional_data or "") == optional_data
