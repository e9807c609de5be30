"""Document numbers and verification codes. Pure: no database, no Django.

A number is for people: `T-<provider BIN>-<year>-<serial>` reads out over the telephone and
names the issuer. Numbers are consecutive and so guessable; the public check therefore asks
for the verification code instead, 10 random characters of Crockford's base32 (50 bits).
"""

from __future__ import annotations

import re
import secrets

CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 10
_CODE_RE = re.compile(rf"[{CODE_ALPHABET}]{{{CODE_LENGTH}}}")
# Crockford's base32 reads the letters people confuse with digits as those digits.
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_code() -> str:
    """A fresh verification code from the operating system's random source."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(raw: str) -> str | None:
    """The code as stored, from what a person typed (any case, spaces or dashes); None if it
    cannot be a code, so that the database is not asked about it."""
    if len(raw) > 4 * CODE_LENGTH:
        return None
    code = re.sub(r"[\s-]", "", raw).upper().translate(_READ_AS)
    return code if _CODE_RE.fullmatch(code) else None


def format_number(*, kind: str, bin: str, year: int, serial: int) -> str:
    """`T-123456789012-2026-000123`: kind letter, provider BIN, year, serial (6 digits or more)."""
    return f"{kind}-{bin}-{year:04d}-{serial:06d}"
