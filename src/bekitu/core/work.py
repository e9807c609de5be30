"""A proof of work (hashcash, as ALTCHA and Friendly Captcha use it), without Django.

A puzzle is a random salt and a difficulty: find a nonce such that SHA-256(salt + nonce),
both as UTF-8 text, begins with `difficulty` zero bits; about 2 ** difficulty tries on
average, one to check. The server binds the salt, the difficulty, the expiry and whatever
the puzzle is for (the client's address, the purpose) with an HMAC, so it keeps no state
until a proof comes back (docs/decisions/0020).

Laws (tests/core/test_work.py): a nonce `solve` finds meets its difficulty; a MAC changes
with every part it binds; `difficulty_for` never falls as the count grows, is `base` at the
limit and never passes `cap`.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

# The nonce is what the client chose: bounded, so that a proof costs the server one hash.
NONCE_MAX_LENGTH = 64
SALT_LENGTH = 32  # hex digits: 128 random bits
MAX_DIFFICULTY = 64


@dataclass(frozen=True)
class Puzzle:
    """What the client is given: the salt, the difficulty in bits, the expiry (Unix
    seconds) and the server's MAC of them."""

    salt: str
    difficulty: int
    expires: int
    mac: str


@dataclass(frozen=True)
class Proof:
    """The puzzle as the client sent it back, with the nonce it found."""

    puzzle: Puzzle
    nonce: str


def puzzle_mac(key: bytes, *, salt: str, difficulty: int, expires: int, bound: str) -> str:
    """The HMAC-SHA256 binding the puzzle's parts to `bound` (what it is for, for whom)."""
    message = f"{salt}\n{difficulty}\n{expires}\n{bound}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def mac_holds(key: bytes, puzzle: Puzzle, bound: str) -> bool:
    """Whether the puzzle is one the holder of `key` gave out for `bound`, unchanged."""
    expected = puzzle_mac(
        key, salt=puzzle.salt, difficulty=puzzle.difficulty, expires=puzzle.expires, bound=bound
    )
    return hmac.compare_digest(expected.encode(), puzzle.mac.encode())


def leading_zero_bits(digest: bytes) -> int:
    """How many zero bits the digest begins with."""
    bits = 0
    for byte in digest:
        if byte:
            return bits + 8 - byte.bit_length()
        bits += 8
    return bits


def meets(salt: str, nonce: str, difficulty: int) -> bool:
    """Whether SHA-256(salt + nonce) begins with `difficulty` zero bits."""
    if not nonce or len(nonce) > NONCE_MAX_LENGTH:
        return False
    digest = hashlib.sha256((salt + nonce).encode()).digest()
    return leading_zero_bits(digest) >= difficulty


def solve(salt: str, difficulty: int) -> str:
    """The first decimal nonce meeting the difficulty (what the portal's script does)."""
    nonce = 0
    while not meets(salt, str(nonce), difficulty):
        nonce += 1
    return str(nonce)


def difficulty_for(count: int, *, limit: int, base: int, cap: int) -> int:
    """The difficulty for the `count`-th event in a window limited to `limit`: `base` bits
    just past the limit, one more for each doubling of the count beyond it, at most `cap`."""
    bits = base
    reach = 2 * max(1, limit)
    while count >= reach and bits < cap:
        bits += 1
        reach *= 2
    return max(0, min(bits, cap, MAX_DIFFICULTY))
