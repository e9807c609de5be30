"""The proof of work's rules (bekitu.core.work): a solved nonce meets its difficulty and an
unsolved one does not; the MAC seals every part it binds; the difficulty grows a bit with
each doubling past the limit, never falls and never passes its cap."""

from __future__ import annotations

import hashlib

from hypothesis import given
from hypothesis import strategies as st

from bekitu.core.work import (
    NONCE_MAX_LENGTH,
    Puzzle,
    difficulty_for,
    leading_zero_bits,
    mac_holds,
    meets,
    puzzle_mac,
    solve,
)

KEY = b"k" * 32
salts = st.text(alphabet="0123456789abcdef", min_size=32, max_size=32)


def _puzzle(salt: str = "ab" * 16, difficulty: int = 8, expires: int = 1_900_000_000) -> Puzzle:
    mac = puzzle_mac(KEY, salt=salt, difficulty=difficulty, expires=expires, bound="login\nx")
    return Puzzle(salt=salt, difficulty=difficulty, expires=expires, mac=mac)


@given(st.binary(min_size=32, max_size=32))
def test_leading_zero_bits_agrees_with_the_binary_text(digest: bytes) -> None:
    text = "".join(f"{byte:08b}" for byte in digest)
    assert leading_zero_bits(digest) == len(text) - len(text.lstrip("0"))


@given(salts, st.integers(min_value=0, max_value=10))
def test_a_solved_nonce_meets_its_difficulty_and_no_earlier_one_does(
    salt: str, difficulty: int
) -> None:
    nonce = solve(salt, difficulty)
    assert meets(salt, nonce, difficulty)
    digest = hashlib.sha256((salt + nonce).encode()).digest()
    assert leading_zero_bits(digest) >= difficulty
    assert not any(meets(salt, str(n), difficulty) for n in range(int(nonce)))


def test_an_empty_or_overlong_nonce_never_meets() -> None:
    assert not meets("ab" * 16, "", 0)
    assert not meets("ab" * 16, "1" * (NONCE_MAX_LENGTH + 1), 0)


def test_the_mac_seals_every_part_and_what_it_is_bound_to() -> None:
    puzzle = _puzzle()
    assert mac_holds(KEY, puzzle, "login\nx")
    assert not mac_holds(KEY, puzzle, "login\ny")
    assert not mac_holds(KEY, puzzle, "code\nx")
    assert not mac_holds(b"other" * 8, puzzle, "login\nx")
    for changed in (
        Puzzle(puzzle.salt[::-1], puzzle.difficulty, puzzle.expires, puzzle.mac),
        Puzzle(puzzle.salt, puzzle.difficulty - 1, puzzle.expires, puzzle.mac),
        Puzzle(puzzle.salt, puzzle.difficulty, puzzle.expires + 600, puzzle.mac),
        Puzzle(puzzle.salt, puzzle.difficulty, puzzle.expires, "ф" + puzzle.mac[1:]),
    ):
        assert not mac_holds(KEY, changed, "login\nx")


def test_the_difficulty_is_the_base_at_the_limit_and_a_bit_more_each_doubling() -> None:
    got = [difficulty_for(n, limit=100, base=15, cap=20) for n in (101, 199, 200, 399, 400)]
    assert got == [15, 15, 16, 16, 17]
    assert difficulty_for(10**9, limit=100, base=15, cap=20) == 20


@given(
    st.integers(min_value=1, max_value=10**6),
    st.integers(min_value=0, max_value=10**6),
    st.integers(min_value=0, max_value=24),
    st.integers(min_value=0, max_value=24),
)
def test_the_difficulty_never_falls_as_the_count_grows_and_never_passes_the_cap(
    limit: int, more: int, base: int, cap: int
) -> None:
    count = limit + 1 + more
    here = difficulty_for(count, limit=limit, base=base, cap=cap)
    assert here <= difficulty_for(count + 1, limit=limit, base=base, cap=cap)
    assert here <= cap
    assert here >= min(base, cap)
