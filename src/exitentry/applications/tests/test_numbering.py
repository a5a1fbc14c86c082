from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from exitentry.applications import numbering

BODIES = st.builds(
    lambda day, tail: f"SD{day:%y%m%d}{tail}",
    st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2099, 12, 31)),
    st.text(alphabet=numbering.RANDOM_ALPHABET, min_size=5, max_size=5),
)


def test_a_new_number_has_the_prefix_the_day_and_a_valid_check_character():
    number = numbering.new_number(dt.date(2026, 11, 23))

    assert len(number) == 14
    assert number.startswith("SD261123")
    assert numbering.is_well_formed(number)


@settings(deadline=None)
@given(BODIES, st.integers(min_value=0, max_value=12), st.sampled_from(numbering.ALPHABET))
def test_any_single_wrong_character_is_caught(body, position, replacement):
    number = body + numbering.check_character(body)
    if number[position] == replacement:
        return
    typo = number[:position] + replacement + number[position + 1 :]

    assert not numbering.is_well_formed(typo)


@settings(deadline=None)
@given(BODIES, st.integers(min_value=8, max_value=11))
def test_swapping_two_different_neighbours_in_the_random_part_is_caught(body, position):
    number = body + numbering.check_character(body)
    if number[position] == number[position + 1]:
        return
    swapped = number[:position] + number[position + 1] + number[position] + number[position + 2 :]

    assert not numbering.is_well_formed(swapped)


def test_numbers_are_read_without_spaces_and_in_capitals():
    number = numbering.new_number(dt.date(2026, 11, 23))

    assert numbering.normalize(f" {number[:6].lower()} {number[6:]} ") == number


def test_malformed_numbers_are_not_well_formed():
    assert not numbering.is_well_formed("")
    assert not numbering.is_well_formed(
        "SD2611230001X7"
    )  # O/I-free alphabet: 0 and 1 are not random characters
    assert not numbering.is_well_formed("XX")
