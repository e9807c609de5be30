"""A citizen's account is no way to read the population register: the persons other than
themselves it names (for whom a request, its checklist or its providers are asked) are
limited per hour, and the form tells of another's IIN only what it needs (whether a request
can be made for it), never that its holder died."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from bekitu.core.models import AuditEntry
from bekitu.portal import sessions
from bekitu.registry.models import Person
from tests.factories import POA_DATE, PersonFactory
from tests.portal.test_requests_api import API, account_of, body, draft

pytestmark = pytest.mark.django_db


@pytest.fixture
def auth(citizen: Person, channel: Any) -> dict[str, str]:
    token = sessions.token_issue(account_of(citizen))
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


POA = {"number": "12-345", "issued_on": POA_DATE.isoformat(), "issued_by": "notary Abenova"}


def _checklist(client: Any, auth: dict[str, str], iin: str, **headers: Any) -> Any:
    query = {"recipient_iin": iin, "applicant_role": "representative"}
    return client.get(API + "services/attachment/requirements", query, **auth, **headers)


def test_the_persons_an_account_names_are_limited_per_hour(
    client: Any, auth: dict[str, str], citizen: Person, provider: Any, settings: Any
) -> None:
    settings.PORTAL_LOOKUPS_PER_ACCOUNT_HOUR = 2
    first, second, third = (PersonFactory(birth_date=dt.date(1950, 1, 1)) for _ in range(3))
    assert _checklist(client, auth, first.iin).status_code == 200
    providers = client.get(API + "providers", {"recipient_iin": second.iin}, **auth)
    assert providers.status_code == 200
    # Naming the same persons again is free.
    assert _checklist(client, auth, first.iin).status_code == 200
    refused = _checklist(client, auth, third.iin, HTTP_ACCEPT_LANGUAGE="ru")
    assert refused.status_code == 429
    assert refused.json()["code"] == "too_many_lookups" and "час" in refused.json()["message"]
    made = draft(
        client,
        auth,
        body(
            provider,
            recipient_iin=third.iin,
            applicant_role="representative",
            power_of_attorney=POA,
        ),
    )
    assert made.status_code == 429 and made.json()["code"] == "too_many_lookups"
    # The citizen's own requests are not held up, nor is another account.
    assert client.get(API + "providers", **auth).status_code == 200
    other = PersonFactory()
    other_auth = {"HTTP_AUTHORIZATION": f"Bearer {sessions.token_issue(account_of(other))}"}
    assert _checklist(client, other_auth, third.iin).status_code == 200
    refusals = AuditEntry.objects.filter(action="portal.account.lookup_refused")
    assert refusals.count() == 2
    assert {e.subject_iin for e in refusals} == {citizen.iin}


def test_the_request_pages_count_the_persons_named_too(
    client: Any, auth: dict[str, str], citizen: Person, settings: Any
) -> None:
    from django.test import Client

    from bekitu.portal.models import Account

    settings.PORTAL_LOOKUPS_PER_ACCOUNT_HOUR = 1
    page = Client(HTTP_ACCEPT_LANGUAGE="en")
    page.force_login(Account.objects.get(iin=citizen.iin).user)
    for person in (PersonFactory(), PersonFactory()):
        answer = page.get(
            "/portal/requests/new/",
            {"applicant_role": "representative", "recipient_iin": person.iin, "q": ""},
        )
    assert answer.status_code == 200
    assert "as many other persons as the portal allows" in answer.content.decode()


def test_an_unknown_and_a_deceased_principal_are_answered_alike(
    client: Any, auth: dict[str, str], provider: Any
) -> None:
    unknown = PersonFactory()
    Person.objects.filter(pk=unknown.pk).delete()
    deceased = PersonFactory(death_date=dt.date(2026, 1, 2))
    said = []
    for principal in (unknown, deceased):
        made = draft(
            client,
            auth,
            body(
                provider,
                recipient_iin=principal.iin,
                applicant_role="representative",
                power_of_attorney=POA,
            ),
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert made.status_code == 400
        said.append(made.json()["fields"]["recipient_iin"])
    assert (
        said[0]
        == said[1]
        == ["The population register holds no living person with this IIN: check it."]
    )
