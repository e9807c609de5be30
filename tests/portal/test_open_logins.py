"""A login while it lasts: the API's token is revoked at logout."""

from __future__ import annotations

from typing import Any

import pytest

from bekitu.core.models import AuditEntry
from bekitu.portal.models import ApiToken
from bekitu.registry.models import Person
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
