import datetime as dt
from pathlib import Path

import pytest
import stdnum.cn
import time_machine
from hypothesis import given, settings
from hypothesis import strategies as st

from exitentry.identity.demo import make_resident_id
from exitentry.identity.services import check_resident_id, region_name

SHANGHAI_NOON_2026_06_01 = dt.datetime(2026, 6, 1, 4, 0, tzinfo=dt.UTC)


def _known_region_codes() -> list[str]:
    """Every county-level code in stdnum's division data (`11` + `0105` → `110105`)."""
    codes, province = [], ""
    for line in (Path(stdnum.cn.__file__).parent / "loc.dat").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if not line.startswith(" "):
            province = line.split()[0]
        elif "county=" in line:
            codes.append(province + line.split()[0])
    return codes


KNOWN_REGION_CODES = _known_region_codes()


def codes(result):
    return [problem.code for problem in result.errors]


def test_known_good_number_gives_birth_date_sex_and_region():
    result = check_resident_id("11010519491231002X")

    assert result.valid is True
    assert result.birth_date == dt.date(1949, 12, 31)
    assert result.sex == "F"
    assert result.region_code == "110105"
    assert result.region_name == "北京市 朝阳区"
    assert result.errors == ()


def test_lower_case_x_and_spaces_are_accepted():
    result = check_resident_id(" 110105 19491231 002x ")

    assert result.valid is True
    assert result.number == "11010519491231002X"


def test_odd_seventeenth_digit_is_male():
    result = check_resident_id("360426199101010071")

    assert result.valid is True
    assert result.sex == "M"
    assert result.birth_date == dt.date(1991, 1, 1)
    assert result.region_code == "360426"


def test_region_name_includes_the_prefecture_when_there_is_one():
    assert region_name("370102") == "山东省 济南市 历下区"
    assert region_name("370100") == "山东省 济南市"
    assert region_name("999999") is None


@pytest.mark.parametrize(
    "number",
    ["", "11010519491231002", "11010519491231002X1", "110105194912310"],
)
def test_wrong_length_is_only_invalid_length(number):
    result = check_resident_id(number)

    assert result.valid is False
    assert codes(result) == ["invalid_length"]
    assert (result.birth_date, result.sex, result.region_code) == (None, None, None)


@pytest.mark.parametrize("number", ["11010519491231002A", "1101051949123100X2", "11010519491231００2X"])
def test_letters_or_wide_digits_are_invalid_format(number):
    assert codes(check_resident_id(number)) == ["invalid_format"]


def test_wrong_check_digit_is_invalid_checksum():
    result = check_resident_id("110105194912310021")

    assert result.valid is False
    assert codes(result) == ["invalid_checksum"]
    assert result.birth_date is None


def test_impossible_birth_date_is_reported():
    number = make_resident_id("110105", dt.date(1949, 12, 31), 1, "F")
    broken = number[:10] + "1331" + number[14:17]  # 13th month, 31st day
    broken += check_digit_for(broken)

    assert codes(check_resident_id(broken)) == ["invalid_birth_date"]


@time_machine.travel(SHANGHAI_NOON_2026_06_01, tick=False)
def test_birth_date_after_today_is_in_future():
    tomorrow = make_resident_id("110105", dt.date(2026, 6, 2), 3, "M")
    today = make_resident_id("110105", dt.date(2026, 6, 1), 3, "M")

    assert codes(check_resident_id(tomorrow)) == ["birth_date_in_future"]
    assert check_resident_id(today).valid is True


def test_region_unknown_to_the_division_data_is_reported():
    number = make_resident_id("999999", dt.date(1980, 1, 1), 7, "M")

    assert codes(check_resident_id(number)) == ["unknown_region"]


def test_region_created_after_the_birth_year_is_still_known():
    # 370102 (Lixia district) dates from 1983; people born before then were given it later.
    number = make_resident_id("370102", dt.date(1950, 5, 1), 7, "M")

    result = check_resident_id(number)

    assert result.valid is True
    assert result.region_name == "山东省 济南市 历下区"


def test_every_problem_found_is_reported_together():
    broken = "999999" + "19491331" + "002"
    broken += "0" if check_digit_for(broken) != "0" else "1"

    assert codes(check_resident_id(broken)) == ["invalid_checksum", "invalid_birth_date", "unknown_region"]


def check_digit_for(first17: str) -> str:
    from stdnum.cn import ric

    return ric.calc_check_digit(first17 + "0")


def test_demo_numbers_follow_the_sex_parity_rule():
    assert make_resident_id("370102", dt.date(1990, 3, 7), 0, "F")[14:17] == "000"
    assert make_resident_id("370102", dt.date(1990, 3, 7), 0, "M")[14:17] == "001"
    assert make_resident_id("370102", dt.date(1990, 3, 7), 499, "M")[14:17] == "999"


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (("37010", dt.date(1990, 1, 1), 1, "M"), "region code"),
        (("370102", dt.date(1990, 1, 1), 500, "M"), "sequence"),
        (("370102", dt.date(1990, 1, 1), 1, "X"), "sex"),
    ],
)
def test_demo_refuses_what_no_real_number_could_hold(args, problem):
    with pytest.raises(ValueError, match=problem):
        make_resident_id(*args)


resident_ids = st.builds(
    make_resident_id,
    st.sampled_from(KNOWN_REGION_CODES),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2026, 5, 31)),
    st.integers(min_value=0, max_value=499),
    st.sampled_from(["M", "F"]),
)


@settings(max_examples=300, deadline=None)
@given(number=resident_ids)
def test_every_generated_number_is_valid(number):
    with time_machine.travel(SHANGHAI_NOON_2026_06_01, tick=False):
        result = check_resident_id(number)

    assert result.errors == ()
    assert result.valid is True
    assert result.sex == ("M" if int(number[16]) % 2 else "F")


@settings(max_examples=300, deadline=None)
@given(number=resident_ids, position=st.integers(min_value=0, max_value=17), data=st.data())
def test_changing_any_single_character_makes_the_number_invalid(number, position, data):
    alphabet = "0123456789X" if position == 17 else "0123456789"
    replacement = data.draw(st.sampled_from([char for char in alphabet if char != number[position]]))
    changed = number[:position] + replacement + number[position + 1 :]

    with time_machine.travel(SHANGHAI_NOON_2026_06_01, tick=False):
        result = check_resident_id(changed)

    assert result.valid is False
    assert "invalid_checksum" in codes(result)
