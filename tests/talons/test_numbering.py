"""Numbers and verification codes: pure rules, no database."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from bekitu.talons.services import (
    CODE_ALPHABET,
    CODE_LENGTH,
    format_number,
    new_code,
    normalize_code,
)


def test_number_names_kind_provider_year_and_a_padded_serial() -> None:
    number = format_number(kind="T", bin="050340001234", year=2026, serial=123)
    assert number == "T-050340001234-2026-000123"


def test_serial_past_six_digits_grows_instead_of_wrapping() -> None:
    number = format_number(kind="R", bin="050340001234", year=2026, serial=1_234_567)
    assert number.endswith("-1234567")


def test_new_codes_are_ten_crockford_characters_and_differ() -> None:
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(re.fullmatch(f"[{CODE_ALPHABET}]{{{CODE_LENGTH}}}", c) for c in codes)
    assert not set("ILOU") & set("".join(codes))


@given(st.text(alphabet=CODE_ALPHABET, min_size=CODE_LENGTH, max_size=CODE_LENGTH))
def test_a_code_typed_in_lower_case_with_a_dash_reads_as_the_code(code: str) -> None:
    typed = f" {code[:5].lower()}-{code[5:]} "
    assert normalize_code(typed) == code
    assert normalize_code(code) == code


def test_letters_confused_with_digits_read_as_those_digits() -> None:
    assert normalize_code("O1IL0ABCDE") == "0111" + "0ABCDE"


def test_what_cannot_be_a_code_is_none() -> None:
    for typed in ("", "ABC", "ABCDEFGHJKM", "ABCDEFGHJ!", "ABCDEFGHJU", "1" * 100):
        assert normalize_code(typed) is None, typed
