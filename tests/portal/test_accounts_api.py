"""Registration (R9.1) and login with condition 1 (R9.2-R9.4) through the portal's API."""

from __future__ import annotations

import re
from typing import Any

import pytest

from bekitu.core.models import AuditEntry
from bekitu.devtools.testpki import TestPki
from bekitu.portal.models import Account, Challenge
from bekitu.registry.models import Person
from tests.factories import PersonFactory
from tests.portal.conftest import PASSWORD, sign_auth, sign_with

API = "/portal/api/v1/"

pytestmark = pytest.mark.django_db


def post(client: Any, path: str, body: dict[str, Any], **headers: Any) -> Any:
    return client.post(API + path, body, content_type="application/json", **headers)


def register_by_eds(client: Any, test_pki: TestPki, iin: str, password: str = PASSWORD) -> Any:
    challenge = post(client, "auth/challenge", {"iin": iin}).json()
    signed = sign_auth(test_pki, iin, challenge["xml"])
    return post(
        client,
        "auth/register",
        {
            "iin": iin,
            "password": password,
            "challenge_id": challenge["challenge_id"],
            "signed_xml": signed,
        },
    )


def test_register_by_eds_authentication_key_then_log_in(
    client: Any, citizen: Person, test_pki: TestPki
) -> None:
    response = register_by_eds(client, test_pki, citizen.iin)
    assert response.status_code == 201, response.json()
    assert response.json() == {"iin": citizen.iin, "proof": "eds"}
    account = Account.objects.get(iin=citizen.iin)
    assert account.user.password.startswith(("argon2", "md5"))  # hashed, never plain
    assert account.user.check_password(PASSWORD)
    assert AuditEntry.objects.filter(action="portal.account.register").exists()

    login = post(client, "auth/login", {"iin": citizen.iin, "password": PASSWORD})
    assert login.status_code == 200
    token = login.json()["token"]
    me = client.get(API + "me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert me.status_code == 200
    assert me.json() == {"iin": citizen.iin, "name": "ТЕСТОВ АСАН " + citizen.patronymic}


def test_a_registered_iin_cannot_register_again(
    client: Any, citizen: Person, test_pki: TestPki
) -> None:
    assert register_by_eds(client, test_pki, citizen.iin).status_code == 201
    again = post(client, "auth/challenge", {"iin": citizen.iin})
    assert again.status_code == 409
    assert again.json()["code"] == "already_registered"


def test_the_challenge_proves_once(client: Any, citizen: Person, test_pki: TestPki) -> None:
    challenge = post(client, "auth/challenge", {"iin": citizen.iin}).json()
    signed = sign_auth(test_pki, citizen.iin, challenge["xml"])
    body = {"iin": citizen.iin, "password": PASSWORD, "challenge_id": challenge["challenge_id"]}
    assert post(client, "auth/register", {**body, "signed_xml": signed}).status_code == 201
    Account.objects.all().delete()
    replay = post(client, "auth/register", {**body, "signed_xml": signed})
    assert replay.status_code == 400
    assert replay.json()["code"] == "challenge_invalid"


def test_a_signing_key_does_not_prove_identity(
    client: Any, citizen: Person, test_pki: TestPki
) -> None:
    challenge = post(client, "auth/challenge", {"iin": citizen.iin}).json()
    signed = sign_with(test_pki, citizen.iin, challenge["xml"])
    response = post(
        client,
        "auth/register",
        {
            "iin": citizen.iin,
            "password": PASSWORD,
            "challenge_id": challenge["challenge_id"],
            "signed_xml": signed,
        },
    )
    assert response.status_code == 422
    assert response.json()["code"] == "eds_not_confirmed"
    assert response.json()["reason"] == "wrong_key_usage"
    assert not Account.objects.exists()


def test_another_persons_key_does_not_prove_identity(
    client: Any, citizen: Person, test_pki: TestPki
) -> None:
    other = test_pki.persons[1].iin
    challenge = post(client, "auth/challenge", {"iin": citizen.iin}).json()
    signed = sign_auth(test_pki, other, challenge["xml"])
    response = post(
        client,
        "auth/register",
        {
            "iin": citizen.iin,
            "password": PASSWORD,
            "challenge_id": challenge["challenge_id"],
            "signed_xml": signed,
        },
    )
    assert response.status_code == 422
    assert response.json()["reason"] == "iin_mismatch"


def test_a_challenge_signed_but_altered_is_refused(
    client: Any, citizen: Person, test_pki: TestPki
) -> None:
    challenge = post(client, "auth/challenge", {"iin": citizen.iin}).json()
    other = post(client, "auth/challenge", {"iin": citizen.iin}).json()
    signed = sign_auth(test_pki, citizen.iin, other["xml"])  # a valid signature, other nonce
    response = post(
        client,
        "auth/register",
        {
            "iin": citizen.iin,
            "password": PASSWORD,
            "challenge_id": challenge["challenge_id"],
            "signed_xml": signed,
        },
    )
    assert response.status_code == 400
    assert response.json()["code"] == "challenge_invalid"


def test_weak_password_is_refused_by_djangos_validators(
    client: Any, citizen: Person, test_pki: TestPki
) -> None:
    response = register_by_eds(client, test_pki, citizen.iin, password="123456789012")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert "password" in body["fields"]
    assert not Account.objects.exists()


def test_register_by_sms_code_to_the_registers_phone(
    client: Any, citizen: Person, sms: list[Any]
) -> None:
    sent = post(client, "auth/code", {"iin": citizen.iin})
    assert sent.status_code == 200
    assert sent.json()["phone"].endswith("34")
    assert len(sms) == 1 and sms[0].phone == "+77015551234"
    code = re.search(r"\b(\d{6})\b", sms[0].text).group(1)  # type: ignore[union-attr]
    body = {"iin": citizen.iin, "password": PASSWORD, "challenge_id": sent.json()["challenge_id"]}
    wrong = post(client, "auth/register", {**body, "code": "000000" if code != "000000" else "1"})
    assert wrong.status_code == 400 and wrong.json()["code"] == "wrong_code"
    assert Challenge.objects.get().attempts == 1
    done = post(client, "auth/register", {**body, "code": code})
    assert done.status_code == 201
    assert done.json()["proof"] == "sms"


def test_the_code_is_void_after_too_many_wrong_entries(
    client: Any, citizen: Person, sms: list[Any], settings: Any
) -> None:
    settings.PORTAL_CODE_ATTEMPTS = 2
    sent = post(client, "auth/code", {"iin": citizen.iin}).json()
    code = re.search(r"\b(\d{6})\b", sms[0].text).group(1)  # type: ignore[union-attr]
    body = {"iin": citizen.iin, "password": PASSWORD, "challenge_id": sent["challenge_id"]}
    wrong = "000000" if code != "000000" else "111111"
    post(client, "auth/register", {**body, "code": wrong})
    post(client, "auth/register", {**body, "code": wrong})
    late = post(client, "auth/register", {**body, "code": code})
    assert late.json()["code"] == "challenge_invalid"


def test_no_phone_in_the_register_means_eds_only(
    client: Any, citizen: Person, sms: list[Any]
) -> None:
    Person.objects.filter(pk=citizen.pk).update(phone="")
    response = post(client, "auth/code", {"iin": citizen.iin})
    assert response.status_code == 400
    assert response.json()["code"] == "no_phone"
    assert sms == []


@pytest.fixture
def registered(client: Any, citizen: Person, test_pki: TestPki) -> Person:
    assert register_by_eds(client, test_pki, citizen.iin).status_code == 201
    return citizen


@pytest.mark.parametrize(
    ("iin", "password", "status", "code"),
    [
        ("12345", PASSWORD, 400, "invalid_iin"),
        ("850314300000", PASSWORD, 400, "invalid_iin"),
        (None, "not-the-password", 401, "wrong_credentials"),
    ],
)
def test_login_refusals(
    client: Any, registered: Person, iin: str | None, password: str, status: int, code: str
) -> None:
    response = post(client, "auth/login", {"iin": iin or registered.iin, "password": password})
    assert response.status_code == status
    assert response.json()["code"] == code


def test_login_not_registered(client: Any, db: Any) -> None:
    other = PersonFactory()
    response = post(client, "auth/login", {"iin": other.iin, "password": PASSWORD})
    assert response.status_code == 401
    assert response.json()["code"] == "not_registered"


def test_login_person_not_found_and_deceased(client: Any, registered: Person) -> None:
    import datetime as dt

    Person.objects.filter(pk=registered.pk).update(death_date=dt.date(2026, 1, 2))
    dead = post(client, "auth/login", {"iin": registered.iin, "password": PASSWORD})
    assert (dead.status_code, dead.json()["code"]) == (403, "deceased")
    Person.objects.filter(pk=registered.pk).delete()
    gone = post(client, "auth/login", {"iin": registered.iin, "password": PASSWORD})
    assert (gone.status_code, gone.json()["code"]) == (403, "person_not_found")


def test_login_locked_after_repeated_failures(
    client: Any, registered: Person, settings: Any
) -> None:
    settings.LOGIN_FAILURE_LIMIT = 3
    for _ in range(3):
        post(client, "auth/login", {"iin": registered.iin, "password": "wrong-password-1"})
    locked = post(client, "auth/login", {"iin": registered.iin, "password": PASSWORD})
    assert locked.status_code == 429
    assert locked.json()["code"] == "locked"


def test_login_refusal_in_the_callers_language(client: Any, registered: Person) -> None:
    body = {"iin": registered.iin, "password": "wrong-password-1"}
    ru = post(client, "auth/login", body, HTTP_ACCEPT_LANGUAGE="ru").json()["message"]
    kk = post(client, "auth/login", body, HTTP_ACCEPT_LANGUAGE="kk").json()["message"]
    en = post(client, "auth/login", body, HTTP_ACCEPT_LANGUAGE="en").json()["message"]
    assert len({ru, kk, en}) == 3
    assert "парол" in ru.lower()


def test_login_by_eds(client: Any, registered: Person, test_pki: TestPki) -> None:
    challenge = post(client, "auth/challenge", {"iin": registered.iin, "purpose": "login"}).json()
    signed = sign_auth(test_pki, registered.iin, challenge["xml"])
    response = post(
        client,
        "auth/login",
        {"iin": registered.iin, "challenge_id": challenge["challenge_id"], "signed_xml": signed},
    )
    assert response.status_code == 200
    assert response.json()["token"]


def test_a_bad_token_is_refused(client: Any, db: Any) -> None:
    response = client.get(API + "me", HTTP_AUTHORIZATION="Bearer nonsense")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert client.get(API + "me").status_code == 401
