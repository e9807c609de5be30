"""The account's ways bounded and quiet: SMS codes are limited per IIN and a new one voids
the earlier; a challenge or a code tells no stranger who is dead; every refused login is
audited with its code; an SMS service that does not answer is a clear refusal; a body that
is not JSON, or a value of the wrong type, is answered in the reader's language."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client

from bekitu.core.models import AuditEntry
from bekitu.portal.models import Challenge
from bekitu.registry.models import Person
from tests.factories import PersonFactory
from tests.portal.conftest import PASSWORD, sign_auth, sign_with
from tests.portal.test_accounts_api import API, post, register_by_eds

pytestmark = pytest.mark.django_db

KAZAKH_LETTERS = set("әіңғүұқөһ")


def _code(sms: list[Any]) -> str:
    found = re.search(r"\b(\d{6})\b", sms[-1].text)
    assert found is not None
    return found.group(1)


def test_codes_for_one_iin_are_limited_and_a_new_one_voids_the_earlier(
    client: Any, citizen: Person, sms: list[Any], settings: Any
) -> None:
    settings.PORTAL_CODES_PER_HOUR = 3
    sent = [post(client, "auth/code", {"iin": citizen.iin}) for _ in range(4)]
    assert [r.status_code for r in sent] == [200, 200, 200, 429]
    assert sent[-1].json()["code"] == "too_many_codes" and sent[-1].json()["message"]
    assert len(sms) == 3
    # Only the last code sent is in force: the first one's code no longer registers.
    first = sent[0].json()["challenge_id"]
    body = {"iin": citizen.iin, "password": PASSWORD, "challenge_id": first, "code": "0"}
    codes = [m.text for m in sms]
    body["code"] = re.findall(r"\b(\d{6})\b", codes[0])[0]
    assert post(client, "auth/register", body).json()["code"] == "challenge_invalid"
    body["challenge_id"], body["code"] = sent[2].json()["challenge_id"], _code(sms)
    assert post(client, "auth/register", body).status_code == 201
    assert AuditEntry.objects.filter(action="portal.account.code_refused").count() == 1


def test_a_challenge_or_a_code_tells_no_one_who_is_dead(
    client: Any, citizen: Person, sms: list[Any], test_pki: Any
) -> None:
    Person.objects.filter(pk=citizen.pk).update(death_date=dt.date(2026, 1, 2))
    challenge = post(client, "auth/challenge", {"iin": citizen.iin})
    assert challenge.status_code == 200
    assert post(client, "auth/code", {"iin": citizen.iin}).json()["code"] == "no_phone"
    assert not sms
    # Who holds the person's key learns it once signed, and no account is made.
    assert register_by_eds(client, test_pki, citizen.iin).json()["code"] == "deceased"


def test_a_login_challenge_tells_no_one_who_is_dead(
    client: Any, citizen: Person, test_pki: Any
) -> None:
    assert register_by_eds(client, test_pki, citizen.iin).status_code == 201
    Person.objects.filter(pk=citizen.pk).update(death_date=dt.date(2026, 1, 2))
    answer = Client().post(
        API + "auth/challenge",
        {"iin": citizen.iin, "purpose": "login"},
        content_type="application/json",
    )
    assert answer.status_code == 200 and "challenge_id" in answer.json()


def test_every_refused_login_is_audited_with_its_code(
    client: Any, citizen: Person, test_pki: Any, settings: Any
) -> None:
    settings.LOGIN_FAILURE_LIMIT = 1
    stranger = PersonFactory()
    login = {"iin": stranger.iin, "password": PASSWORD}
    assert post(client, "auth/login", login).json()["code"] == "not_registered"
    assert post(client, "auth/login", login).json()["code"] == "locked"
    assert register_by_eds(client, test_pki, citizen.iin).status_code == 201
    Person.objects.filter(pk=citizen.pk).update(death_date=dt.date(2026, 1, 2))
    own = {"iin": citizen.iin, "password": PASSWORD}
    assert post(client, "auth/login", own).json()["code"] == "deceased"
    refused = AuditEntry.objects.filter(action="portal.login.refused")
    assert {(e.data["code"], e.data["way"]) for e in refused} == {
        ("not_registered", "password"),
        ("locked", "password"),
        ("deceased", "password"),
    }


class _SmsDown:
    def send(self, phone: str, text: str) -> Any:
        raise ConnectionError("the operator does not answer")


def test_an_sms_service_that_does_not_answer_is_a_clear_refusal(
    client: Any, citizen: Person, sms: list[Any], settings: Any
) -> None:
    first = post(client, "auth/code", {"iin": citizen.iin})
    settings.SMS_SENDER = f"{__name__}._SmsDown"
    client.raise_request_exception = False
    answer = post(client, "auth/code", {"iin": citizen.iin}, HTTP_ACCEPT_LANGUAGE="ru")
    assert answer.status_code == 503
    assert answer.json()["code"] == "sms_unavailable"
    assert "SMS" in answer.json()["message"]
    # The code sent before stands: no challenge of the failed one is left.
    assert Challenge.objects.filter(way=Challenge.Way.SMS, used_at=None).count() == 1
    body = {"iin": citizen.iin, "password": PASSWORD, "code": _code(sms)}
    body["challenge_id"] = first.json()["challenge_id"]
    assert post(client, "auth/register", body).status_code == 201


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_a_body_that_is_not_json_is_answered_in_the_readers_language(
    client: Any, db: Any, language: str
) -> None:
    answer = client.post(
        API + "auth/login", "{", content_type="application/json", HTTP_ACCEPT_LANGUAGE=language
    )
    assert answer.status_code == 400
    message = answer.json()["message"]
    assert "JSON parse error" not in message and "JSON" in message
    assert bool(KAZAKH_LETTERS & set(message)) is (language == "kk")


def test_a_value_of_the_wrong_type_is_answered_in_russian_not_in_kazakh(
    client: Any, db: Any
) -> None:
    answer = post(client, "auth/challenge", {"iin": ["x"]}, HTTP_ACCEPT_LANGUAGE="ru")
    assert answer.status_code == 400
    assert not KAZAKH_LETTERS & set(str(answer.json()))
    assert "строк" in str(answer.json())


def _eds_login(client: Any, test_pki: Any, iin: str, *, key: str = "auth") -> Any:
    challenge = post(client, "auth/challenge", {"iin": iin, "purpose": "login"}).json()
    signer = sign_auth if key == "auth" else sign_with
    signed = signer(test_pki, iin, challenge["xml"])
    body = {"iin": iin, "challenge_id": challenge["challenge_id"], "signed_xml": signed}
    return post(client, "auth/login", body)


def test_failed_eds_logins_count_towards_the_lockout_as_passwords_do(
    client: Any, citizen: Person, test_pki: Any, settings: Any
) -> None:
    assert register_by_eds(client, test_pki, citizen.iin).status_code == 201
    settings.LOGIN_FAILURE_LIMIT = 2
    failed = [_eds_login(client, test_pki, citizen.iin, key="sign") for _ in range(2)]
    assert [r.json()["code"] for r in failed] == ["eds_not_confirmed"] * 2
    # The pair is locked out: neither the right key nor the right password gets in.
    assert _eds_login(client, test_pki, citizen.iin).json()["code"] == "locked"
    own = {"iin": citizen.iin, "password": PASSWORD}
    assert post(client, "auth/login", own).json()["code"] == "locked"


def test_a_login_with_the_key_clears_the_failed_attempts(
    client: Any, citizen: Person, test_pki: Any, settings: Any
) -> None:
    assert register_by_eds(client, test_pki, citizen.iin).status_code == 201
    settings.LOGIN_FAILURE_LIMIT = 2
    wrong = {"iin": citizen.iin, "password": "Not-the-password-1"}
    assert post(client, "auth/login", wrong).json()["code"] == "wrong_credentials"
    assert _eds_login(client, test_pki, citizen.iin).status_code == 200
    assert post(client, "auth/login", wrong).json()["code"] == "wrong_credentials"
    assert _eds_login(client, test_pki, citizen.iin).status_code == 200


def test_codes_asked_for_from_one_client_are_limited_whatever_the_iin(
    client: Any, citizen: Person, sms: list[Any], settings: Any
) -> None:
    settings.PORTAL_CODES_PER_CLIENT_HOUR = 2
    unknown = PersonFactory()
    Person.objects.filter(pk=unknown.pk).delete()
    others = [PersonFactory(phone=f"+7 701 555-12-{n:02d}") for n in (1, 2)]
    first = post(client, "auth/code", {"iin": unknown.iin})
    assert first.json()["code"] == "person_not_found"  # a refused one counts as well
    assert post(client, "auth/code", {"iin": others[0].iin}).status_code == 200
    refused = post(client, "auth/code", {"iin": others[1].iin}, HTTP_ACCEPT_LANGUAGE="ru")
    assert refused.status_code == 429
    assert refused.json()["code"] == "challenge_required"
    assert "адрес" in refused.json()["message"]
    # Nothing was sent or read for the refused one; another client is not held up.
    assert len(sms) == 1
    elsewhere = post(client, "auth/code", {"iin": others[1].iin}, REMOTE_ADDR="10.1.2.3")
    assert elsewhere.status_code == 200 and len(sms) == 2
    assert AuditEntry.objects.filter(
        action="portal.account.code_refused", data__code="challenge_required"
    ).exists()


def test_failed_logins_from_one_client_are_limited_whatever_the_iin(
    client: Any, citizen: Person, test_pki: Any, settings: Any
) -> None:
    # One password tried against many IINs: the lockout of each IIN never fills.
    assert register_by_eds(client, test_pki, citizen.iin).status_code == 201
    settings.PORTAL_LOGIN_FAILURES_PER_CLIENT_HOUR = 3
    own = {"iin": citizen.iin, "password": PASSWORD}
    assert post(client, "auth/login", own).status_code == 200  # a login proved is no failure
    strangers = [PersonFactory() for _ in range(4)]
    tried = [post(client, "auth/login", {"iin": p.iin, "password": PASSWORD}) for p in strangers]
    assert [r.json()["code"] for r in tried] == ["not_registered"] * 3 + ["challenge_required"]
    assert tried[-1].status_code == 429
    # Refused before the password is checked: the right one gets the same answer.
    refused = post(client, "auth/login", own, HTTP_ACCEPT_LANGUAGE="ru")
    assert refused.status_code == 429 and refused.json()["code"] == "challenge_required"
    assert "адрес" in refused.json()["message"]
    assert _eds_login(client, test_pki, citizen.iin).json()["code"] == "challenge_required"
    # Another client is not held up.
    assert post(client, "auth/login", own, REMOTE_ADDR="10.1.2.3").status_code == 200
    assert (
        AuditEntry.objects.filter(
            action="portal.login.refused", data__code="challenge_required"
        ).count()
        == 3
    )


def test_the_client_limit_reads_the_address_as_the_codes_limit_does(
    client: Any, citizen: Person, settings: Any
) -> None:
    # Behind one trusted proxy: the client is the address it appends, not a forged one.
    settings.TRUSTED_PROXIES = 1
    settings.PORTAL_LOGIN_FAILURES_PER_CLIENT_HOUR = 1
    login = {"iin": PersonFactory().iin, "password": PASSWORD}
    first = post(client, "auth/login", login, HTTP_X_FORWARDED_FOR="1.1.1.1, 10.0.0.7")
    assert first.json()["code"] == "not_registered"
    forged = post(client, "auth/login", login, HTTP_X_FORWARDED_FOR="2.2.2.2, 10.0.0.7")
    assert forged.json()["code"] == "challenge_required"
    other = post(client, "auth/login", login, HTTP_X_FORWARDED_FOR="10.0.0.8")
    assert other.json()["code"] == "not_registered"


def test_failed_eds_logins_count_towards_the_clients_limit(
    client: Any, citizen: Person, test_pki: Any, settings: Any
) -> None:
    assert register_by_eds(client, test_pki, citizen.iin).status_code == 201
    settings.PORTAL_LOGIN_FAILURES_PER_CLIENT_HOUR = 2
    assert _eds_login(client, test_pki, citizen.iin).status_code == 200
    failed = [_eds_login(client, test_pki, citizen.iin, key="sign") for _ in range(3)]
    assert [r.json()["code"] for r in failed] == ["eds_not_confirmed"] * 2 + ["challenge_required"]


def test_the_login_page_refuses_a_client_past_the_limit(citizen: Person, settings: Any) -> None:
    settings.PORTAL_LOGIN_FAILURES_PER_CLIENT_HOUR = 1
    page = Client(HTTP_ACCEPT_LANGUAGE="kk")
    for person in (PersonFactory(), PersonFactory()):
        answer = page.post("/portal/login/", {"iin": person.iin, "password": PASSWORD})
    assert answer.status_code == 200
    assert 'data-code="challenge_required"' in answer.content.decode()
    assert "мекенжай" in answer.content.decode()
    assert AuditEntry.objects.filter(
        action="portal.login.refused", data__code="challenge_required"
    ).exists()
