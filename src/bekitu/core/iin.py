"""IIN and BIN: the 12-digit identification numbers of persons and organizations.

The check digit (12th) is the sum of digits 1-11 weighted 1..11, mod 11; where that gives 10,
the weights 3..11,1,2 are used instead, and a second 10 means the number cannot be issued.
The first six digits and the seventh of an IIN encode birth date, century and sex, but since
2013 they need not match the person: they are hints only.

What the check digit catches: a change of the 12th digit, always; a change of one of digits
1-10, whenever the first weighting decides both before and after the change (weights 1..10 are
invertible mod 11); about 1.7% of such changes slip through where the change moves the first
sum into or out of the "10" case. The 11th digit has weight 11, i.e. 0 mod 11, in the first
weighting, so a change of it is caught only when the second weighting decides: over all
numbers, about 9% of single-digit changes keep a valid check digit. Treat a valid IIN as
well-formed, never as proven to belong to the person.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

Reason = Literal["length", "not_digits", "checksum", "unusable"]
Sex = Literal["male", "female"]

_WEIGHTS_1 = tuple(range(1, 12))
_WEIGHTS_2 = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
# Seventh digit: century of birth and sex.
_CENTURY_SEX: dict[int, tuple[int, Sex]] = {
    1: (1800, "male"),
    2: (1800, "female"),
    3: (1900, "male"),
    4: (1900, "female"),
    5: (2000, "male"),
    6: (2000, "female"),
}


@dataclass(frozen=True)
class IinCheck:
    """The outcome of checking one IIN or BIN, with the birth hints of a valid IIN."""

    iin: str
    valid: bool
    reason: Reason | None
    birth_date_hint: dt.date | None
    sex_hint: Sex | None

    def as_json(self) -> dict[str, object]:
        """The shape `bekitu iin check` prints."""
        return {
            "iin": self.iin,
            "valid": self.valid,
            "reason": self.reason,
            "birth_date_hint": self.birth_date_hint.isoformat() if self.birth_date_hint else None,
            "sex_hint": self.sex_hint,
        }


def check_digit(first_eleven: str) -> int | None:
    """The 12th digit for 11 digits, or None when no check digit can be made (unusable)."""
    if len(first_eleven) != 11 or not (first_eleven.isascii() and first_eleven.isdigit()):
        raise ValueError("check_digit needs exactly 11 ASCII digits")
    digits = [int(c) for c in first_eleven]
    for weights in (_WEIGHTS_1, _WEIGHTS_2):
        rest = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
        if rest != 10:
            return rest
    return None


def birth_hints(iin: str) -> tuple[dt.date | None, Sex | None]:
    """Birth date and sex as encoded in a 12-digit IIN; None where the digits don't make
    sense. Hints only: since 2013 an IIN need not match its holder's birth date or sex."""
    code = _CENTURY_SEX.get(int(iin[6]))
    if code is None:
        return None, None
    century, sex = code
    try:
        born = dt.date(century + int(iin[0:2]), int(iin[2:4]), int(iin[4:6]))
    except ValueError:
        return None, sex
    return born, sex


def validate_iin(value: str) -> IinCheck:
    """Check an IIN (or BIN): length, digits, check digit; read the birth hints."""
    if len(value) != 12:
        return IinCheck(value, False, "length", None, None)
    if not (value.isascii() and value.isdigit()):
        return IinCheck(value, False, "not_digits", None, None)
    expected = check_digit(value[:11])
    if expected is None:
        return IinCheck(value, False, "unusable", None, None)
    if expected != int(value[11]):
        return IinCheck(value, False, "checksum", None, None)
    born, sex = birth_hints(value)
    return IinCheck(value, True, None, born, sex)


def is_valid_iin(value: str) -> bool:
    """True when the value is a well-formed IIN or BIN."""
    return validate_iin(value).valid


def century_sex_digit(birth_date: dt.date, sex: Sex) -> int:
    """The seventh digit of an IIN for a birth date (1800-2099) and sex."""
    base = {1800: 1, 1900: 3, 2000: 5}.get(birth_date.year // 100 * 100)
    if base is None:
        raise ValueError(f"an IIN encodes birth years 1800-2099, not {birth_date.year}")
    return base + (1 if sex == "female" else 0)


def make_iin(birth_date: dt.date, sex: Sex, serial: int) -> str | None:
    """The IIN for a birth date, sex and 4-digit serial, or None if that serial is unusable."""
    head = f"{birth_date:%y%m%d}{century_sex_digit(birth_date, sex)}{serial % 10000:04d}"
    digit = check_digit(head)
    return None if digit is None else head + str(digit)


def make_bin(registered: dt.date, kind: int, serial: int) -> str | None:
    """A BIN: YYMM of registration, kind digit (4 legal entity, 5 branch, 6 office), a
    digit for the organization's sign (0 resident), a 5-digit serial and the check digit."""
    head = f"{registered:%y%m}{kind}0{serial % 100000:05d}"
    digit = check_digit(head)
    return None if digit is None else head + str(digit)
