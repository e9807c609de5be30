"""A provider whose system is not an active participant of the gateway: the citizen's signed
request is refused with a message that says so (not a 500), nothing is sent, and the draft
stands for when the provider is connected again."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from bekitu.core.models import AuditEntry
from bekitu.devtools.testpki import TestPki
from bekitu.gateway.models import OutboxMessage, Participant
from bekitu.portal.models import CitizenRequest
from bekitu.registry.models import Person
from tests.portal.conftest import PASSWORD
from tests.portal.test_requests_api import auth, body, draft, sign, submit

__all__ = ["auth"]

pytestmark = pytest.mark.django_db


def _disconnected(provider: Any) -> None:
    Participant.objects.filter(system_id=provider.bin).update(active=False)


def test_the_api_refuses_a_request_to_a_provider_not_connected_and_keeps_the_draft(
    client: Any, auth: dict[str, str], citizen: Person, provider: Any, test_pki: TestPki
) -> None:
    made = draft(client, auth, body(provider)).json()
    signed = sign(test_pki, citizen.iin, made["xml_to_sign"])
    _disconnected(provider)
    refused = submit(client, auth, made["draft_id"], signed)
    assert refused.status_code == 409
    assert refused.json()["code"] == "provider_not_connected"
    assert not CitizenRequest.objects.exists() and not OutboxMessage.objects.exists()
    entry = AuditEntry.objects.get(action="portal.request.not_connected")
    assert entry.data["provider"] == provider.bin
    Participant.objects.filter(system_id=provider.bin).update(active=True)
    assert submit(client, auth, made["draft_id"], signed).status_code == 202


def test_the_sign_page_says_the_provider_is_not_connected(
    citizen: Person, provider: Any, test_pki: TestPki, auth: dict[str, str]
) -> None:
    page = Client(HTTP_ACCEPT_LANGUAGE="ru")  # the account is the `auth` fixture's
    page.post("/portal/login/", {"iin": citizen.iin, "password": PASSWORD})
    made = draft(page, auth, body(provider)).json()
    signed = sign(test_pki, citizen.iin, made["xml_to_sign"])
    _disconnected(provider)
    answer = page.post(f"/portal/requests/sign/{made['draft_id']}/", {"signed_xml": signed})
    assert answer.status_code == 200
    assert "не подключена к порталу" in answer.content.decode()
    assert not CitizenRequest.objects.exists()
