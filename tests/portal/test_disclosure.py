"""What the register holds of a person is told to that person, to their parent while they are
under 18 and to their guardian: not to any citizen who types their IIN. The providers query
judges a stranger's area only at an address the citizen states, and gives no count of their
changes; the checklist is not asked as a parent or guardian of someone else's child."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client

from bekitu.registry.models import Person
from tests.factories import PersonFactory
from tests.portal import test_requests_api as api
from tests.portal.test_requests_api import API, account_of, body, draft

pytestmark = pytest.mark.django_db

auth = api.auth  # the API tests' fixture: the logged-in citizen's bearer header


@pytest.fixture
def neighbour(citizen: Person) -> Person:
    """An adult living at the citizen's address, in the provider's GP area: no kin of theirs."""
    return PersonFactory(birth_date=citizen.birth_date, address=citizen.address)


def _providers(client: Any, auth: dict[str, str], **query: Any) -> dict[str, Any]:
    response = client.get(API + "providers?" + urlencode({"q": "ЕМХАНА", **query}), **auth)
    assert response.status_code == 200, response.content
    return dict(response.json())


def test_a_strangers_registered_address_and_changes_are_not_told(
    client: Any, auth: dict[str, str], neighbour: Person
) -> None:
    found = _providers(client, auth, recipient_iin=neighbour.iin)
    [provider] = found["providers"]
    assert provider["covers_address"] is None and provider["home_visits"] is False
    assert "changes_left" not in found["policy"]


def test_ones_own_and_ones_childs_are_told(
    client: Any, auth: dict[str, str], citizen: Person, child: Person
) -> None:
    for recipient in (citizen.iin, child.iin):
        found = _providers(client, auth, recipient_iin=recipient)
        assert found["providers"][0]["covers_address"] is True
        assert "changes_left" in found["policy"]


def test_an_address_the_citizen_states_is_judged_for_anyone(
    client: Any, auth: dict[str, str], citizen: Person, neighbour: Person
) -> None:
    street = citizen.address.street
    stated = {"basis": "temporary_residence", "street": street.name_ru, "house": 1}
    found = _providers(client, auth, recipient_iin=neighbour.iin, **stated)
    assert isinstance(found["providers"][0]["covers_address"], bool)
    assert "changes_left" not in found["policy"]


@pytest.mark.parametrize("role", ["parent", "guardian", "self"])
def test_the_checklist_is_not_asked_as_kin_of_a_stranger(
    client: Any, auth: dict[str, str], neighbour: Person, role: str
) -> None:
    query = urlencode({"recipient_iin": neighbour.iin, "applicant_role": role})
    response = client.get(
        API + "services/attachment/requirements?" + query, HTTP_ACCEPT_LANGUAGE="ru", **auth
    )
    expected = (400, "invalid") if role == "self" else (403, "not_a_dependant")
    assert (response.status_code, response.json()["code"]) == expected, response.content
    assert response.json()["message"]


def test_a_representative_still_gets_the_checklist(
    client: Any, auth: dict[str, str], neighbour: Person
) -> None:
    query = urlencode({"recipient_iin": neighbour.iin, "applicant_role": "representative"})
    response = client.get(API + "services/attachment/requirements?" + query, **auth)
    assert response.status_code == 200
    assert "power_of_attorney" in {d["code"] for d in response.json()["documents"]}


def test_the_form_names_no_area_for_a_strangers_registered_address(
    citizen: Person, neighbour: Person, provider: Any, channel: Any
) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(account_of(citizen).user)
    query = {"applicant_role": "representative", "recipient_iin": neighbour.iin, "q": ""}
    page = client.get("/portal/requests/new/?" + urlencode(query)).content.decode()
    assert provider.bin in page
    assert "home visits" not in page
    own = client.get("/portal/requests/new/?applicant_role=self&q=").content.decode()
    assert "your address is in its area: home visits" in own


@pytest.mark.parametrize(
    ("language", "text"),
    [("kk", "Base64 мәтіні емес"), ("ru", "не является текстом Base64"), ("en", "not Base64")],
)
def test_a_copy_that_is_not_base64_is_named_in_the_citizens_language(
    client: Any, auth: dict[str, str], provider: Any, language: str, text: str
) -> None:
    copy = {"code": "identity_document", "filename": "passport.pdf", "content_base64": "@@"}
    response = draft(client, auth, body(provider, documents=[copy]), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    assert text in str(response.json()) and "passport.pdf" in str(response.json())
