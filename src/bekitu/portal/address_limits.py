"""The portal's limits per client address, and the proof of work asked for past them
(docs/security.md P1, docs/decisions/0020).

Failed logins and registration codes asked for are counted per client address, whatever the
IIN. Many citizens may share one address (a mobile operator's carrier-grade NAT), so past a
limit an attempt is not refused outright: it is answered `challenge_required` with a puzzle
(`bekitu.core.work`) that a browser solves in a second or two at the base difficulty, harder
the further past the limit the address is. A proof lets that one attempt through and is
good once; the server keeps nothing for a puzzle until its proof comes back (the HMAC binds
it to the address and to what it is for).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.utils import timezone

from bekitu.core import security, work
from bekitu.portal.errors import ChallengeRequired

LOGIN = "login"  # failed logins, BEKITU_PORTAL_LOGIN_FAILURES_PER_CLIENT_HOUR
CODE = "code"  # registration codes asked for, BEKITU_PORTAL_CODES_PER_CLIENT_HOUR
WINDOW_SECONDS = 3600
# Long enough for a phone at the highest difficulty (about half a minute), short enough
# that puzzles gathered while the address was just past its limit soon stop counting.
PUZZLE_SECONDS = 300
PROOF_FIELDS = ("salt", "difficulty", "expires", "mac", "nonce")


def _mac_key() -> bytes:
    """The puzzles' HMAC key, derived from SECRET_KEY for this use only."""
    return hmac.new(
        settings.SECRET_KEY.encode(), b"bekitu.portal.address-challenge", hashlib.sha256
    ).digest()


def _client(request: Any) -> str:
    """The client address as `security.client_ip` reads it (trusted proxies only), hashed."""
    return security.digest(security.client_ip(request))


def _counter(request: Any, what: str) -> str:
    return f"portal.{what}.client:{_client(request)}"


def _bound(request: Any, what: str) -> str:
    """What a puzzle is for: this kind of attempt from this address."""
    return f"{what}\n{_client(request)}"


def _now() -> int:
    return int(timezone.now().timestamp())


def _limit(what: str) -> int:
    if what == LOGIN:
        return int(settings.PORTAL_LOGIN_FAILURES_PER_CLIENT_HOUR)
    return int(settings.PORTAL_CODES_PER_CLIENT_HOUR)


def _difficulty(count: int, limit: int) -> int:
    return work.difficulty_for(
        count,
        limit=limit,
        base=int(settings.PORTAL_ADDRESS_CHALLENGE_BITS),
        cap=int(settings.PORTAL_ADDRESS_CHALLENGE_MAX_BITS),
    )


def puzzle_issue(request: Any, what: str, *, difficulty: int) -> work.Puzzle:
    """A new puzzle for `what` from this client, good for PUZZLE_SECONDS."""
    salt = secrets.token_hex(work.SALT_LENGTH // 2)
    expires = _now() + PUZZLE_SECONDS
    bound = _bound(request, what)
    mac = work.puzzle_mac(
        _mac_key(), salt=salt, difficulty=difficulty, expires=expires, bound=bound
    )
    return work.Puzzle(salt=salt, difficulty=difficulty, expires=expires, mac=mac)


def puzzle_fields(puzzle: work.Puzzle) -> dict[str, Any]:
    """The puzzle as the API and the pages give it."""
    return {
        "algorithm": "SHA-256",
        "salt": puzzle.salt,
        "difficulty": puzzle.difficulty,
        "expires": puzzle.expires,
        "mac": puzzle.mac,
    }


def puzzle_pending(request: Any, what: str) -> work.Puzzle | None:
    """The puzzle the next `what` from this client will need, for a page to solve while the
    citizen types; None while the address is within its limit (or there is none)."""
    limit = _limit(what)
    if limit <= 0:
        return None
    following = security.peek(_counter(request, what)) + 1
    if following <= limit:
        return None
    return puzzle_issue(request, what, difficulty=_difficulty(following, limit))


def proof_read(values: Mapping[str, Any] | None, prefix: str = "") -> work.Proof | None:
    """The proof in `values` (the API's `proof` object, or the page's `proof_*` fields);
    None when no nonce came. A part that is not what it should be makes a proof that fails."""
    if not values or not str(values.get(prefix + "nonce") or ""):
        return None

    def number(name: str) -> int:
        try:
            return int(str(values.get(prefix + name)))
        except ValueError:
            return -1

    puzzle = work.Puzzle(
        salt=str(values.get(prefix + "salt") or ""),
        difficulty=number("difficulty"),
        expires=number("expires"),
        mac=str(values.get(prefix + "mac") or ""),
    )
    return work.Proof(puzzle=puzzle, nonce=str(values.get(prefix + "nonce")))


def client_counted(request: Any, what: str, proof: work.Proof | None) -> bool:
    """Count one `what` from this client before anything is checked for it. Past the limit
    (0: none) it needs a proof: without one, or with one that fails, it is not counted and
    `ChallengeRequired` gives a fresh puzzle; True when a proof let it through."""
    limit = _limit(what)
    if limit <= 0:
        return False
    counter = _counter(request, what)
    count = security.hit(counter, WINDOW_SECONDS).count
    if count <= limit:
        return False
    required = _difficulty(count, limit)
    if proof is not None and _proof_good(request, what, proof, required):
        return True
    security.unhit(counter)  # nothing was checked for it: not an attempt
    code = "challenge_required" if proof is None else "challenge_invalid_proof"
    raise ChallengeRequired(code, puzzle_fields(puzzle_issue(request, what, difficulty=required)))


def _proof_good(request: Any, what: str, proof: work.Proof, required: int) -> bool:
    """The puzzle ours, for this client and `what`, current, at least as hard as the count
    asks for now, solved, and its proof not used before."""
    puzzle = proof.puzzle
    left = puzzle.expires - _now()
    if (
        not work.mac_holds(_mac_key(), puzzle, _bound(request, what))
        or left <= 0
        or puzzle.difficulty < required
        or not work.meets(puzzle.salt, proof.nonce, puzzle.difficulty)
    ):
        return False
    # Once: the salt's first use is counted until the puzzle expires (then its MAC refuses it).
    used = f"portal.work.used:{security.digest(puzzle.salt)}"
    return security.hit(used, left).count == 1


def client_proved(request: Any, what: str) -> None:
    """An attempt proved (a right password, a verified signature) was no failure: its count
    is taken back, so a busy shared address is held up only by its failures."""
    if _limit(what) > 0:
        security.unhit(_counter(request, what))
