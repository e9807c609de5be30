"""A login while it lasts: the API's token is revoked at logout; condition 1 (R9.3) is checked
again, once a period, for a token and for a page session, and a login it no longer allows
ends without saying why; a register that cannot be read lets nothing through."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.db import connections
from django.test import Client
from django.utils import timezone
from freezegun import freeze_time

from bekitu.core.models import AuditEntry
from bekitu.portal import sessions
from bekitu.portal.accounts import account_lock
from bekitu.portal.errors import PortalError
from bekitu.portal.models import ApiToken
from bekitu.registry.models import Person
from bekitu.registry.population import LocalPopulationRegister
from tests.portal.conftest import PASSWORD
from tests.portal.test_accounts_api import API, post
from tests.portal.test_requests_api import account_of

pytestmark = pytest.mark.django_db


def _login(client: Any, person: Person) -> dict[str, str]:
    answer = post(client, "auth/login", {"iin": person.iin, "password": PASSWORD})
    assert answer.status_code == 200, answer.json()
    return {"HTTP_AUTHORIZATION": f"Bearer {answer.json()['token']}"}


def test_logout_revokes_that_token_only(client: Any, citizen: Person) -> None:
    account_of(citizen)
    phone, tablet = _login(client, citizen), _login(client, citizen)
    out = client.post(API + "auth/logout", **phone)
    assert out.status_code == 204 and not out.content
    again = client.get(API + "me", **phone, HTTP_ACCEPT_LANGUAGE="ru")
    assert again.status_code == 401 and again.json()["code"] == "not_authenticated"
    assert client.get(API + "me", **tablet).status_code == 200
    assert ApiToken.objects.count() == 1
    (logout,) = AuditEntry.objects.filter(action="portal.logout")
    assert (logout.subject_iin, logout.data) == (citizen.iin, {"way": "token"})


def test_logout_without_a_token_is_not_authenticated(client: Any) -> None:
    answer = client.post(API + "auth/logout")
    assert answer.status_code == 401 and answer.json()["code"] == "not_authenticated"
    assert not AuditEntry.objects.filter(action="portal.logout").exists()


class _CountedRegister:
    """The local register, counting the look-ups; `down` makes it fail as an outage would."""

    lookups = 0
    down = False

    def lookup(self, iin: str) -> Any:
        if _CountedRegister.down:
            raise ConnectionError("the population register does not answer")
        _CountedRegister.lookups += 1
        return LocalPopulationRegister().lookup(iin)

    def dependants(self, iin: str) -> Any:
        return LocalPopulationRegister().dependants(iin)


@pytest.fixture
def register(settings: Any) -> type[_CountedRegister]:
    settings.POPULATION_REGISTER = f"{__name__}._CountedRegister"
    settings.PORTAL_RECHECK_SECONDS = 300
    _CountedRegister.lookups, _CountedRegister.down = 0, False
    return _CountedRegister


def _dies(person: Person) -> None:
    Person.objects.filter(pk=person.pk).update(death_date=dt.date(2026, 1, 2))


def test_a_token_ends_once_its_person_dies_and_says_only_that_it_ended(
    client: Any, citizen: Person, register: type[_CountedRegister]
) -> None:
    account_of(citizen)
    with freeze_time(timezone.now()) as clock:
        phone, tablet = _login(client, citizen), _login(client, citizen)
        register.lookups = 0
        _dies(citizen)
        clock.tick(dt.timedelta(seconds=299))
        # Within BEKITU_PORTAL_RECHECK_SECONDS of the login: no read of the register.
        for _ in range(3):
            assert client.get(API + "me/dependants", **phone).status_code == 200
        assert register.lookups == 0
        clock.tick(dt.timedelta(seconds=2))
        ended = client.get(API + "me/dependants", **phone, HTTP_ACCEPT_LANGUAGE="ru")
        assert ended.status_code == 401 and "Bearer" in ended["WWW-Authenticate"]
        assert ended.json() == {
            "code": "session_ended",
            "message": "Ваш сеанс завершён. Пожалуйста, войдите снова.",
        }
        assert register.lookups == 1
        # The person's other token ends with it, and stays ended.
        assert not ApiToken.objects.exists()
        after = client.get(API + "me/dependants", **tablet)
        assert after.status_code == 401 and after.json()["code"] == "not_authenticated"
    (entry,) = AuditEntry.objects.filter(action="portal.session.ended")
    assert entry.subject_iin == citizen.iin
    assert entry.data == {"code": "deceased", "way": "token", "tokens_revoked": 2}


def test_a_token_is_checked_once_per_period_while_the_person_lives(
    client: Any, citizen: Person, register: type[_CountedRegister]
) -> None:
    account_of(citizen)
    with freeze_time(timezone.now()) as clock:
        auth = _login(client, citizen)
        register.lookups = 0
        for _ in range(3):
            clock.tick(dt.timedelta(seconds=200))
            assert client.get(API + "me/dependants", **auth).status_code == 200
        # At 200 s none is due, at 400 s one is, at 600 s the one of 400 s still holds.
        assert register.lookups == 1
        assert ApiToken.objects.get().checked_at == timezone.now() - dt.timedelta(seconds=200)


def test_a_register_that_cannot_be_read_lets_no_token_through(
    client: Any, citizen: Person, register: type[_CountedRegister]
) -> None:
    account_of(citizen)
    with freeze_time(timezone.now()) as clock:
        auth = _login(client, citizen)
        clock.tick(dt.timedelta(seconds=301))
        register.down = True
        refused = client.get(API + "me/dependants", **auth, HTTP_ACCEPT_LANGUAGE="kk")
        assert refused.status_code == 503
        assert refused.json()["code"] == "population_unavailable"
        assert "МДҚ" in refused.json()["message"]
        # Not confirmed, not ended: once the register answers, the login goes on.
        register.down = False
        assert client.get(API + "me/dependants", **auth).status_code == 200
    assert not AuditEntry.objects.filter(action="portal.session.ended").exists()


def test_a_page_session_ends_once_its_person_dies_with_a_message_on_the_login_page(
    citizen: Person, register: type[_CountedRegister]
) -> None:
    account_of(citizen)
    client = Client(HTTP_ACCEPT_LANGUAGE="kk")
    with freeze_time(timezone.now()) as clock:
        signed_in = client.post("/portal/login/", {"iin": citizen.iin, "password": PASSWORD})
        assert signed_in.status_code == 302
        _dies(citizen)
        clock.tick(dt.timedelta(seconds=60))
        register.lookups = 0
        assert client.get("/portal/requests/new/").status_code == 200
        assert register.lookups == 0  # the check at login still holds
        clock.tick(dt.timedelta(seconds=241))
        ended = client.get("/portal/requests/new/")
        assert ended.status_code == 302
        assert ended["Location"] == "/portal/login/?next=/portal/requests/new/"
        page = client.get(ended["Location"]).content.decode()
        assert "Сеансыңыз аяқталды. Қайта кіріңіз." in page
        assert "қайтыс" not in page  # nothing said of the death
        assert client.get("/portal/cabinet/")["Location"].startswith("/portal/login/")
    (entry,) = AuditEntry.objects.filter(action="portal.session.ended")
    assert entry.data == {"code": "deceased", "way": "session", "tokens_revoked": 0}


def test_a_page_is_refused_while_the_register_cannot_confirm_the_session(
    citizen: Person, register: type[_CountedRegister]
) -> None:
    account_of(citizen)
    client = Client(HTTP_ACCEPT_LANGUAGE="ru")
    with freeze_time(timezone.now()) as clock:
        client.post("/portal/login/", {"iin": citizen.iin, "password": PASSWORD})
        clock.tick(dt.timedelta(seconds=301))
        register.down = True
        refused = client.get("/portal/requests/new/")
        assert refused.status_code == 503
        assert 'data-code="population_unavailable"' in refused.content.decode()
        register.down = False
        assert client.get("/portal/requests/new/").status_code == 200


def test_a_locked_accounts_session_is_sent_to_the_login_page(citizen: Person) -> None:
    account = account_of(citizen)
    client = Client()
    client.post("/portal/login/", {"iin": citizen.iin, "password": PASSWORD})
    assert client.get("/portal/cabinet/").status_code == 200
    account_lock(account_id=account.pk, locked=True, by="admin")
    assert client.get("/portal/cabinet/")["Location"].startswith("/portal/login/")


def test_a_login_the_register_cannot_confirm_is_refused_with_its_reason_not_a_500(
    client: Any, citizen: Person, register: type[_CountedRegister]
) -> None:
    account_of(citizen)
    register.down = True
    refused = post(
        client, "auth/login", {"iin": citizen.iin, "password": PASSWORD}, HTTP_ACCEPT_LANGUAGE="ru"
    )
    assert refused.status_code == 503
    assert refused.json()["code"] == "population_unavailable"
    assert "повторите" in refused.json()["message"]
    page = Client(HTTP_ACCEPT_LANGUAGE="kk").post(
        "/portal/login/", {"iin": citizen.iin, "password": PASSWORD}
    )
    assert page.status_code == 200 and "_auth_user_id" not in page.wsgi_request.session
    assert "МДҚ" in page.content.decode()
    assert not ApiToken.objects.exists()
    register.down = False
    assert _login(client, citizen)


def test_a_page_logout_is_audited_as_the_apis_is(citizen: Person) -> None:
    account_of(citizen)
    client = Client()
    client.post("/portal/login/", {"iin": citizen.iin, "password": PASSWORD})
    assert client.post("/portal/logout/")["Location"] == "/portal/"
    assert client.get("/portal/cabinet/")["Location"].startswith("/portal/login/")
    (entry,) = AuditEntry.objects.filter(action="portal.logout")
    assert (entry.subject_iin, entry.data) == (citizen.iin, {"way": "session"})
    client.post("/portal/logout/")  # no one logged in: nothing to audit
    assert AuditEntry.objects.filter(action="portal.logout").count() == 1


def test_a_client_holding_an_ended_token_logs_in_again(
    client: Any, citizen: Person, register: type[_CountedRegister]
) -> None:
    """Login and registration read no credentials: the header of a revoked token, or of one
    whose login condition 1 ended, does not stand in the way of logging in again."""
    account_of(citizen)
    auth = _login(client, citizen)
    assert client.post(API + "auth/logout", **auth).status_code == 204
    again = post(client, "auth/login", {"iin": citizen.iin, "password": PASSWORD}, **auth)
    assert again.status_code == 200 and again.json()["token"]
    register.down = True  # a stale token would be checked again: the register is not read
    with freeze_time(timezone.now() + dt.timedelta(seconds=301)):
        stale = {"HTTP_AUTHORIZATION": f"Bearer {again.json()['token']}"}
        challenge = post(client, "auth/challenge", {"iin": citizen.iin}, **stale)
    # Answered on its own terms (the IIN has an account), not refused for the header's token.
    assert (challenge.status_code, challenge.json()["code"]) == (409, "already_registered")


class _RacingRegister:
    """The local register; during its first read, a second request with the same token comes
    in on another connection (another worker), and what it got is kept in `second`."""

    lookups = 0
    raw = ""
    down = False
    second: list[Any] = []

    def lookup(self, iin: str) -> Any:
        _RacingRegister.lookups += 1
        if _RacingRegister.lookups == 1:
            thread = threading.Thread(target=_RacingRegister.meanwhile)
            thread.start()
            thread.join(timeout=60)
        if _RacingRegister.down:
            raise ConnectionError("the population register does not answer")
        return LocalPopulationRegister().lookup(iin)

    @staticmethod
    def meanwhile() -> None:
        try:
            _RacingRegister.second.append(sessions.token_get(_RacingRegister.raw))
        except Exception as exc:  # reported to the test, not swallowed
            _RacingRegister.second.append(exc)
        finally:
            connections.close_all()

    def dependants(self, iin: str) -> Any:
        return LocalPopulationRegister().dependants(iin)


@pytest.fixture
def racing(settings: Any, citizen: Person) -> type[_RacingRegister]:
    settings.POPULATION_REGISTER = f"{__name__}._RacingRegister"
    settings.PORTAL_RECHECK_SECONDS = 300
    _RacingRegister.lookups, _RacingRegister.down, _RacingRegister.second = 0, False, []
    _RacingRegister.raw = sessions.token_issue(account_of(citizen))
    return _RacingRegister


@pytest.mark.django_db(transaction=True)
def test_two_requests_at_once_with_one_token_read_the_register_once(
    racing: type[_RacingRegister],
) -> None:
    issued = ApiToken.objects.get().checked_at
    with freeze_time(timezone.now() + dt.timedelta(seconds=301)):
        first = sessions.token_get(racing.raw)
        # The second came while the first's check was under way: it saw the token claimed
        # and went on without reading the register.
        assert first is not None and racing.second == [first]
        assert racing.lookups == 1
        assert ApiToken.objects.get().checked_at == timezone.now() != issued


@pytest.mark.django_db(transaction=True)
def test_a_claimed_check_the_register_cannot_answer_is_given_back_and_ends_nothing(
    racing: type[_RacingRegister],
) -> None:
    issued = ApiToken.objects.get().checked_at
    racing.down = True
    with freeze_time(timezone.now() + dt.timedelta(seconds=301)):
        with pytest.raises(PortalError) as refused:
            sessions.token_get(racing.raw)
        assert refused.value.code == "population_unavailable"
        assert racing.lookups == 1 and len(racing.second) == 1
        # Not confirmed: the claim is given back, so the next request checks again.
        assert ApiToken.objects.get().checked_at == issued
        racing.down = False
        assert sessions.token_get(racing.raw) is not None
        assert racing.lookups == 2
    assert not AuditEntry.objects.filter(action="portal.session.ended").exists()
