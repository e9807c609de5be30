"""Past a per-address limit (failed logins, codes asked for) an attempt is not refused: it
is answered `challenge_required` with a proof of work, and a proof lets that one attempt
through (docs/decisions/0020). A proof is good once, for its address and its kind of
attempt, before it expires, at the difficulty asked for; the per-IIN protections stand."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from freezegun import freeze_time

from bekitu.core.models import AuditEntry
from bekitu.core.work import meets, solve
from bekitu.registry.models import Person
from tests.factories import PersonFactory
from tests.portal.conftest import PASSWORD
from tests.portal.test_accounts_api import post, register_by_eds

pytestmark = pytest.mark.django_db

OTHER_ADDRESS = "10.9.8.7"


@pytest.fixture(autouse=True)
def _easy(settings: Any) -> None:
    """Puzzles a test solves in a blink: 4 bits at the limit, at most 6."""
    settings.PORTAL_ADDRESS_CHALLENGE_BITS = 4
    settings.PORTAL_ADDRESS_CHALLENGE_MAX_BITS = 6


def proof_of(challenge: dict[str, Any], nonce: str | None = None) -> dict[str, Any]:
    """The challenge sent back with a nonce (by default one that solves it)."""
    found = nonce if nonce is not None else solve(challenge["salt"], challenge["difficulty"])
    return {**{k: challenge[k] for k in ("salt", "difficulty", "expires", "mac")}, "nonce": found}


def wrong_nonce(salt: str, difficulty: int) -> str:
    """A nonce that does not solve the puzzle (a fixed one would, once in 2 ** difficulty)."""
    return next(str(n) for n in range(10_000) if not meets(salt, str(n), difficulty))


def fail_login(client: Any, proof: dict[str, Any] | None = None, **headers: Any) -> Any:
    """A login of an IIN with no account (a failure counted against the address)."""
    body: dict[str, Any] = {"iin": PersonFactory().iin, "password": PASSWORD}
    if proof is not None:
        body["proof"] = proof
    return post(client, "auth/login", body, **headers)


def challenged(client: Any, **headers: Any) -> dict[str, Any]:
    """The challenge a login from this address is answered with now."""
    answer = fail_login(client, **headers)
    assert answer.status_code == 429, answer.json()
    assert answer.json()["code"] == "challenge_required"
    challenge: dict[str, Any] = answer.json()["challenge"]
    return challenge


@pytest.fixture
def past_the_limit(client: Any, citizen: Person, test_pki: Any, settings: Any) -> Person:
    """The citizen registered, and their address one failed login past a limit of one."""
    assert register_by_eds(client, test_pki, citizen.iin).status_code == 201
    settings.PORTAL_LOGIN_FAILURES_PER_CLIENT_HOUR = 1
    assert fail_login(client).json()["code"] == "not_registered"
    return citizen


def test_past_the_limit_a_login_is_answered_with_a_challenge(
    client: Any, past_the_limit: Person
) -> None:
    own = {"iin": past_the_limit.iin, "password": PASSWORD}
    answer = post(client, "auth/login", own, HTTP_ACCEPT_LANGUAGE="ru")
    assert answer.status_code == 429
    body = answer.json()
    assert body["code"] == "challenge_required" and "адрес" in body["message"]
    challenge = body["challenge"]
    # 4 bits at the limit, one more as the count (2) is twice the limit (1).
    assert challenge["algorithm"] == "SHA-256" and challenge["difficulty"] == 5
    assert re.fullmatch(r"[0-9a-f]{32}", challenge["salt"]) and challenge["mac"]
    assert challenge["expires"] > timezone.now().timestamp()
    refused = AuditEntry.objects.get(action="portal.login.refused", data__code="challenge_required")
    assert refused.data["address_proof"] is False and refused.subject_iin == past_the_limit.iin


def test_a_proof_lets_exactly_that_attempt_through_and_the_right_password_logs_in(
    client: Any, past_the_limit: Person
) -> None:
    own = {"iin": past_the_limit.iin, "password": PASSWORD}
    challenge = post(client, "auth/login", own).json()["challenge"]
    answer = post(client, "auth/login", {**own, "proof": proof_of(challenge)})
    assert answer.status_code == 200 and answer.json()["token"]
    login = AuditEntry.objects.get(action="portal.login")
    assert login.data["address_proof"] is True
    # The next attempt needs a proof of its own.
    assert post(client, "auth/login", own).json()["code"] == "challenge_required"


def test_a_proof_lets_a_wrong_password_be_checked_and_counted(
    client: Any, past_the_limit: Person
) -> None:
    wrong = {"iin": past_the_limit.iin, "password": "Not-the-password-1"}
    challenge = post(client, "auth/login", wrong).json()["challenge"]
    answer = post(client, "auth/login", {**wrong, "proof": proof_of(challenge)})
    assert answer.status_code == 401 and answer.json()["code"] == "wrong_credentials"
    refused = AuditEntry.objects.get(action="portal.login.refused", data__code="wrong_credentials")
    assert refused.data["address_proof"] is True


def _refused_proof(client: Any, proof: dict[str, Any], **headers: Any) -> dict[str, Any]:
    answer = fail_login(client, proof, **headers)
    assert answer.status_code == 429, answer.json()
    body: dict[str, Any] = answer.json()
    assert body["code"] == "challenge_invalid_proof"
    assert body["challenge"]["salt"] != proof["salt"]  # a fresh one, to solve instead
    return body


def test_a_proof_is_good_once(client: Any, past_the_limit: Person) -> None:
    proof = proof_of(challenged(client))
    assert fail_login(client, proof).json()["code"] == "not_registered"
    _refused_proof(client, proof)
    assert AuditEntry.objects.filter(
        action="portal.login.refused",
        data__code="challenge_invalid_proof",
        data__address_proof=True,
    ).exists()


def test_an_expired_proof_is_refused(client: Any, past_the_limit: Person) -> None:
    proof = proof_of(challenged(client))
    with freeze_time(timezone.now() + dt.timedelta(seconds=301)):
        _refused_proof(client, proof)


def test_a_proof_for_another_address_is_refused(client: Any, past_the_limit: Person) -> None:
    assert fail_login(client, REMOTE_ADDR=OTHER_ADDRESS).json()["code"] == "not_registered"
    elsewhere = challenged(client, REMOTE_ADDR=OTHER_ADDRESS)
    _refused_proof(client, proof_of(elsewhere))
    # At its own address it is good.
    answer = fail_login(client, proof_of(elsewhere), REMOTE_ADDR=OTHER_ADDRESS)
    assert answer.json()["code"] == "not_registered"


def test_a_proof_for_a_code_is_no_proof_for_a_login(
    client: Any, past_the_limit: Person, settings: Any, sms: list[Any]
) -> None:
    settings.PORTAL_CODES_PER_CLIENT_HOUR = 1
    assert post(client, "auth/code", {"iin": PersonFactory().iin}).status_code == 200
    asked = post(client, "auth/code", {"iin": PersonFactory().iin}).json()
    assert asked["code"] == "challenge_required"
    _refused_proof(client, proof_of(asked["challenge"]))


def test_a_tampered_difficulty_is_refused(client: Any, past_the_limit: Person) -> None:
    challenge = challenged(client)
    easier = {**challenge, "difficulty": 0}
    _refused_proof(client, proof_of(easier, nonce="1"))


def test_a_wrong_nonce_is_refused(client: Any, past_the_limit: Person) -> None:
    challenge = challenged(client)
    wrong = wrong_nonce(challenge["salt"], challenge["difficulty"])
    _refused_proof(client, proof_of(challenge, nonce=wrong))


def test_the_difficulty_grows_with_each_doubling_past_the_limit(
    client: Any, past_the_limit: Person
) -> None:
    seen = []
    for _ in range(8):  # the failures from the address: 2 to 9, against a limit of 1
        challenge = challenged(client)
        seen.append(challenge["difficulty"])
        assert fail_login(client, proof_of(challenge)).json()["code"] == "not_registered"
    assert seen == [5, 5, 6, 6, 6, 6, 6, 6]  # 4 bits at the limit, +1 at 2 and 4, cap 6


def test_a_puzzle_easier_than_the_count_now_asks_for_is_refused(
    client: Any, past_the_limit: Person
) -> None:
    # Gathered while the address was just past its limit, it is worth nothing once the
    # failures doubled: puzzles cannot be stored up at the easiest difficulty.
    early = challenged(client)
    for _ in range(3):
        fail_login(client, proof_of(challenged(client)))
    assert challenged(client)["difficulty"] > early["difficulty"]
    _refused_proof(client, proof_of(early))


def test_under_the_limit_or_without_one_no_challenge_is_asked(
    client: Any, db: Any, settings: Any
) -> None:
    settings.PORTAL_LOGIN_FAILURES_PER_CLIENT_HOUR = 3
    assert [fail_login(client).json()["code"] for _ in range(3)] == ["not_registered"] * 3
    settings.PORTAL_LOGIN_FAILURES_PER_CLIENT_HOUR = 0
    answers = [fail_login(client).json() for _ in range(5)]
    assert [a["code"] for a in answers] == ["not_registered"] * 5
    assert not any("challenge" in a for a in answers)


def test_the_lockout_of_the_iin_stands_with_a_valid_proof(
    client: Any, past_the_limit: Person, settings: Any
) -> None:
    settings.LOGIN_FAILURE_LIMIT = 1
    wrong = {"iin": past_the_limit.iin, "password": "Not-the-password-1"}
    challenge = post(client, "auth/login", wrong).json()["challenge"]
    assert post(client, "auth/login", {**wrong, "proof": proof_of(challenge)}).status_code == 401
    own = {"iin": past_the_limit.iin, "password": PASSWORD}
    challenge = post(client, "auth/login", own).json()["challenge"]
    locked = post(client, "auth/login", {**own, "proof": proof_of(challenge)})
    assert locked.status_code == 429 and locked.json()["code"] == "locked"


def test_past_the_limit_a_code_needs_a_proof_and_the_limit_per_iin_stands(
    client: Any, citizen: Person, settings: Any, sms: list[Any]
) -> None:
    settings.PORTAL_CODES_PER_CLIENT_HOUR = 1
    settings.PORTAL_CODES_PER_HOUR = 1
    assert post(client, "auth/code", {"iin": PersonFactory().iin}).status_code == 200
    asked = post(client, "auth/code", {"iin": citizen.iin}, HTTP_ACCEPT_LANGUAGE="kk")
    assert asked.status_code == 429 and asked.json()["code"] == "challenge_required"
    assert "мекенжай" in asked.json()["message"]
    assert len(sms) == 1  # nothing sent, the register not read
    proof = proof_of(asked.json()["challenge"])
    sent = post(client, "auth/code", {"iin": citizen.iin, "proof": proof})
    assert sent.status_code == 200 and len(sms) == 2
    assert post(client, "auth/code", {"iin": citizen.iin, "proof": proof}).status_code == 429
    again = post(client, "auth/code", {"iin": citizen.iin}).json()
    per_iin = post(client, "auth/code", {"iin": citizen.iin, "proof": proof_of(again["challenge"])})
    assert per_iin.json()["code"] == "too_many_codes" and len(sms) == 2
    audited = AuditEntry.objects.filter(action__startswith="portal.account.code_")
    assert {(e.action, e.data.get("code"), e.data.get("address_proof")) for e in audited} >= {
        ("portal.account.code_refused", "challenge_required", False),
        ("portal.account.code_refused", "challenge_invalid_proof", True),
        ("portal.account.code_sent", None, True),
    }


def test_a_malformed_proof_is_bad_input(client: Any, past_the_limit: Person) -> None:
    answer = fail_login(client, {"salt": "x", "difficulty": "many", "nonce": "1"})
    assert answer.status_code == 400 and answer.json()["code"] == "invalid"


# --- the pages --------------------------------------------------------------------------------


def _fields(page: str) -> dict[str, str]:
    found = dict(re.findall(r'name="(proof_\w+)" value="([^"]*)"', page))
    assert set(found) == {f"proof_{n}" for n in ("salt", "difficulty", "expires", "mac", "nonce")}
    return found


def _solved(page: str) -> dict[str, str]:
    fields = _fields(page)
    fields["proof_nonce"] = solve(fields["proof_salt"], int(fields["proof_difficulty"]))
    return fields


def test_the_login_page_carries_the_challenge_and_takes_its_proof(past_the_limit: Person) -> None:
    browser = Client(HTTP_ACCEPT_LANGUAGE="kk")
    own = {"iin": past_the_limit.iin, "password": PASSWORD}
    refused = browser.post("/portal/login/", own).content.decode()
    assert 'data-code="challenge_required"' in refused and "мекенжай" in refused
    assert 'id="work-status"' in refused and "<noscript>" in refused
    # A page asked for while the address is past its limit carries the next one already.
    page = browser.get("/portal/login/").content.decode()
    answer = browser.post("/portal/login/", {**own, **_solved(page)})
    assert answer.status_code == 302 and answer["Location"] == "/portal/cabinet/"


def test_the_login_page_refuses_a_wrong_proof_with_a_fresh_challenge(
    past_the_limit: Person,
) -> None:
    browser = Client()
    fields = _fields(browser.get("/portal/login/").content.decode())
    own = {"iin": past_the_limit.iin, "password": PASSWORD}
    wrong = wrong_nonce(fields["proof_salt"], int(fields["proof_difficulty"]))
    response = browser.post("/portal/login/", {**own, **fields, "proof_nonce": wrong})
    assert response.status_code == 200
    answer = response.content.decode()
    assert 'data-code="challenge_invalid_proof"' in answer
    assert _fields(answer)["proof_salt"] != fields["proof_salt"]


def test_under_the_limit_the_login_page_carries_no_challenge(db: Any, settings: Any) -> None:
    settings.PORTAL_LOGIN_FAILURES_PER_CLIENT_HOUR = 1
    assert "proof_salt" not in Client().get("/portal/login/").content.decode()


def test_the_registration_page_sends_a_code_with_a_proof(
    citizen: Person, settings: Any, sms: list[Any]
) -> None:
    settings.PORTAL_CODES_PER_CLIENT_HOUR = 1
    browser = Client(HTTP_ACCEPT_LANGUAGE="ru")
    start = {"step": "start", "iin": PersonFactory().iin, "way": "sms"}
    assert browser.post("/portal/register/", start).status_code == 200 and len(sms) == 1
    start["iin"] = citizen.iin
    refused = browser.post("/portal/register/", start).content.decode()
    assert 'data-code="challenge_required"' in refused and "data-work-resubmit" in refused
    assert len(sms) == 1
    finish = browser.post("/portal/register/", {**start, **_solved(refused)}).content.decode()
    assert len(sms) == 2 and 'name="challenge_id"' in finish


def test_the_eds_login_page_carries_the_challenge_past_the_limit(past_the_limit: Person) -> None:
    browser = Client()
    sign = browser.post("/portal/login/eds/", {"iin": past_the_limit.iin}).content.decode()
    assert 'data-sign="AUTHENTICATION"' in sign
    _fields(sign)


def test_the_schema_gives_the_challenge_and_the_proof() -> None:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    proof = "#/components/schemas/AddressProofIn"
    for operation in ("LoginIn", "CodeIn"):
        assert components[operation]["properties"]["proof"]["allOf"] == [{"$ref": proof}]
    assert set(components["AddressProofIn"]["properties"]) == {
        "salt",
        "difficulty",
        "expires",
        "mac",
        "nonce",
    }
    challenge = components["PortalError"]["properties"]["challenge"]["allOf"][0]["$ref"]
    assert set(components[challenge.rsplit("/", 1)[-1]]["required"]) == {
        "algorithm",
        "salt",
        "difficulty",
        "expires",
        "mac",
    }
