"""IIN and BIN: the check digit, the reasons a number is refused, the birth hints."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from bekitu.core.iin import (
    IinCheck,
    birth_hints,
    check_digit,
    is_valid_iin,
    make_bin,
    make_iin,
    validate_iin,
)

heads = st.text(alphabet="0123456789", min_size=11, max_size=11)
sexes = st.sampled_from(["male", "female"])


def first_weighting(head: str) -> int:
    """An independent oracle: the first weighted sum (weights 1..11) mod 11."""
    return sum(int(d) * w for d, w in zip(head, range(1, 12), strict=True)) % 11


def with_digit(number: str, position: int, digit: str) -> str:
    """`number` with the digit at 1-based `position` replaced."""
    return number[: position - 1] + digit + number[position:]


def other_digits(draw: st.DrawFn, number: str, position: int) -> str:
    return draw(st.sampled_from([d for d in "0123456789" if d != number[position - 1]]))


@st.composite
def valid_iins(draw: st.DrawFn) -> str:
    head = draw(heads)
    digit = check_digit(head)
    assume(digit is not None)
    return head + str(digit)


# --- examples ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "length"),
        ("85031430101", "length"),
        ("8503143010110", "length"),
        ("85031430101a", "not_digits"),
        ("８５０３１４３０１０１１", "not_digits"),  # full-width digits are not ASCII digits
        ("850314301012", "checksum"),
        ("000000002810", "unusable"),  # both weightings give 10: no number can be issued
    ],
)
def test_a_malformed_number_is_refused_with_its_reason(value: str, reason: str) -> None:
    check = validate_iin(value)
    assert (check.valid, check.reason) == (False, reason)
    assert (check.birth_date_hint, check.sex_hint) == (None, None)


def test_a_valid_iin_gives_its_birth_hints() -> None:
    assert validate_iin("850314301011") == IinCheck(
        "850314301011", True, None, dt.date(1985, 3, 14), "male"
    )
    assert validate_iin("850314301011").as_json() == {
        "iin": "850314301011",
        "valid": True,
        "reason": None,
        "birth_date_hint": "1985-03-14",
        "sex_hint": "male",
    }


def test_the_second_weighting_decides_when_the_first_gives_ten() -> None:
    head = "00000000010"  # first weighting: 1*10 = 10; second: 1*1 = 1
    assert first_weighting(head) == 10
    assert check_digit(head) == 1
    assert is_valid_iin(head + "1") and not is_valid_iin(head + "0")


def test_an_impossible_birth_date_is_no_hint_but_the_number_stays_valid() -> None:
    head = "851345301" + "01"  # month 13
    number = head + str(check_digit(head))
    assert validate_iin(number).valid
    assert birth_hints(number) == (None, "male")


def test_a_seventh_digit_without_a_century_gives_no_hints() -> None:
    assert birth_hints("850314001011") == (None, None)


def test_check_digit_needs_eleven_ascii_digits() -> None:
    with pytest.raises(ValueError, match="11"):
        check_digit("1234")


def test_make_iin_refuses_a_birth_year_an_iin_cannot_encode() -> None:
    with pytest.raises(ValueError, match="1800-2099"):
        make_iin(dt.date(2100, 1, 1), "male", 1)


def test_make_bin_gives_a_valid_bin_of_a_legal_entity() -> None:
    number = make_bin(dt.date(2005, 1, 1), 4, 11)
    assert number is not None and number.startswith("050140") and is_valid_iin(number)


# --- what the check digit does and does not catch ----------------------------------------


def test_a_changed_eleventh_digit_can_keep_the_number_valid() -> None:
    # Weight 11 is 0 mod 11: the first weighting does not see the eleventh digit.
    assert is_valid_iin("850314301011") and is_valid_iin("850314301001")


def test_a_changed_early_digit_can_keep_the_number_valid_through_the_second_weighting() -> None:
    # 850314301001 -> 650314301001: the first weighting moves to 10, the second gives 1 again.
    assert is_valid_iin("850314301001") and is_valid_iin("650314301001")


# --- laws --------------------------------------------------------------------------------


@given(heads)
def test_eleven_digits_with_a_usable_check_digit_make_a_valid_number(head: str) -> None:
    digit = check_digit(head)
    if digit is None:
        assert first_weighting(head) == 10
        assert {validate_iin(head + d).reason for d in "0123456789"} == {"unusable"}
    else:
        check = validate_iin(head + str(digit))
        assert check.valid and check.reason is None


@given(st.data(), valid_iins())
def test_changing_the_check_digit_is_always_detected(data: st.DataObject, number: str) -> None:
    changed = with_digit(number, 12, other_digits(data.draw, number, 12))
    assert validate_iin(changed).reason == "checksum"


@given(st.data(), valid_iins(), st.integers(1, 10))
def test_changing_one_of_the_first_ten_digits_is_detected_when_the_first_weighting_decides(
    data: st.DataObject, number: str, position: int
) -> None:
    changed = with_digit(number, position, other_digits(data.draw, number, position))
    assume(first_weighting(number[:11]) != 10 and first_weighting(changed[:11]) != 10)
    assert not is_valid_iin(changed)


@given(st.data(), valid_iins())
def test_changing_the_eleventh_digit_is_detected_only_when_the_second_weighting_decides(
    data: st.DataObject, number: str
) -> None:
    changed = with_digit(number, 11, other_digits(data.draw, number, 11))
    assert is_valid_iin(changed) is (first_weighting(number[:11]) != 10)


@given(
    st.dates(min_value=dt.date(1800, 1, 1), max_value=dt.date(2099, 12, 31)),
    sexes,
    st.integers(0, 9999),
)
def test_make_iin_round_trips_the_birth_hints(born: dt.date, sex: str, serial: int) -> None:
    number = make_iin(born, sex, serial)  # type: ignore[arg-type]
    assume(number is not None)
    assert number is not None
    check = validate_iin(number)
    assert (check.valid, check.birth_date_hint, check.sex_hint) == (True, born, sex)


@given(st.text(max_size=14))
def test_any_text_gets_a_verdict_and_a_reason_exactly_when_invalid(value: str) -> None:
    check = validate_iin(value)
    assert check.valid is (check.reason is None)
    assert check.valid is is_valid_iin(value)
